"""Strings longer than 4096 bytes are stored in 4096-byte fragments (types/string_fragments.h):
what a client sees must stay Redis's. Every reply compared with redis-server 7.0's for writes and
reads across fragment edges, sparse values, generic commands, DUMP/RESTORE both ways, a seeded
random sequence; then what only Mnemo can show: a SETBIT at the highest offset stores a few KB,
a GET of a huge sparse value is bounded by the memory left, WATCH/MULTI and keyspace events see
fragment writes, and restart and kill -9 keep every acknowledged bit."""
import os
import random

import pytest
import redis

from helpers import raw, wait_until
from redis_reference import RedisServer

F = 4096


@pytest.fixture(scope="module")
def ref_server():
    s = RedisServer()
    yield s
    s.stop()


@pytest.fixture
def pair(sr, shared_server, ref_server):
    m = shared_server.client(socket_timeout=60)
    r = ref_server.client()
    r.flushall()
    yield m, r
    m.close()
    r.close()


def run(c, *args):
    try:
        return raw(c, *args)
    except redis.ResponseError as e:
        return ("error", str(e))


def same_all(pair, commands):
    m, r = pair
    for args in commands:
        mine, theirs = run(m, *args), run(r, *args)
        assert mine == theirs, "%r: mnemo %r, redis %r" % (args[:3], mine, theirs)


def test_writes_and_reads_across_fragment_edges(pair):
    big = bytes(range(256)) * 40  # 10240 bytes, no zero fragment
    same_all(pair, [
        ("SET", "k", big), ("STRLEN", "k"), ("GETRANGE", "k", F - 3, F + 2),
        ("SETRANGE", "k", F - 1, "XY"), ("GETRANGE", "k", F - 2, F + 1),
        ("SETRANGE", "k", 3 * F - 2, "0123456789"), ("STRLEN", "k"), ("GET", "k"),
        ("APPEND", "k", "tail" * 1000), ("STRLEN", "k"), ("GETRANGE", "k", -4005, -3990),
        ("SETBIT", "k", 8 * F - 1, 0), ("SETBIT", "k", 8 * F, 1), ("GETBIT", "k", 8 * F),
        ("BITCOUNT", "k"), ("BITCOUNT", "k", F - 1, F), ("BITCOUNT", "k", 8 * F - 4, 8 * F + 4, "BIT"),
        ("BITPOS", "k", 0), ("BITPOS", "k", 1, F), ("BITPOS", "k", 0, F, 2 * F),
        ("BITFIELD", "k", "INCRBY", "i64", 8 * F - 30, 99, "GET", "u32", 8 * F - 16,
         "SET", "u16", 16 * F - 8, 65535),
        ("BITFIELD_RO", "k", "GET", "i64", 8 * F - 30), ("GET", "k"),
        ("TYPE", "k"), ("OBJECT", "ENCODING", "k"), ("EXISTS", "k"),
    ])


def test_sparse_values_and_growth_from_one_record(pair):
    same_all(pair, [
        ("SET", "s", "x" * F), ("OBJECT", "ENCODING", "s"), ("APPEND", "s", "y"), ("GET", "s"),
        ("SETBIT", "b", 10 * 8 * F + 5, 1), ("STRLEN", "b"), ("GETRANGE", "b", 0, 10),
        ("BITCOUNT", "b"), ("BITPOS", "b", 1), ("BITPOS", "b", 0), ("BITPOS", "b", 1, 2, 5),
        ("SETRANGE", "b", 3 * F, "z"), ("GET", "b"), ("SETBIT", "b", 10 * 8 * F + 5, 0),
        ("BITCOUNT", "b"), ("BITPOS", "b", 1, -100), ("GET", "b"),
        ("SETRANGE", "r", 50000, "q"), ("SETRANGE", "r", 0, ""), ("STRLEN", "r"),
        ("LCS", "r", "s", "LEN"),
    ])


def test_bitop_over_small_and_large(pair):
    same_all(pair, [
        ("SET", "small", "abc"), ("SETRANGE", "large", 9000, "zz"), ("SETBIT", "large", 3, 1),
        ("SET", "dense", "\xff" * 5000),
        ("BITOP", "AND", "d", "small", "large"), ("GET", "d"),
        ("BITOP", "OR", "d", "small", "large", "dense"), ("GET", "d"),
        ("BITOP", "XOR", "d", "large", "dense"), ("GET", "d"),
        ("BITOP", "NOT", "d", "large"), ("GET", "d"), ("BITOP", "NOT", "small", "d"),
        ("STRLEN", "small"), ("GETRANGE", "small", 8998, 9001),
    ])


def test_generic_commands_on_fragmented_strings(pair):
    same_all(pair, [
        ("SETRANGE", "k", 20000, "v"), ("EXPIRE", "k", 100), ("TTL", "k"),
        ("SETBIT", "k", 1, 1), ("TTL", "k"), ("COPY", "k", "c"), ("GETRANGE", "c", 0, 0),
        ("SETRANGE", "c", 0, "Z"), ("GETRANGE", "k", 0, 0), ("RENAME", "c", "d"), ("GET", "d"),
        ("EXISTS", "c"), ("GETEX", "d", "EX", 50), ("TTL", "d"), ("GETEX", "d", "PERSIST"),
        ("TTL", "d"), ("SET", "d", "short"), ("GET", "d"), ("STRLEN", "d"),
        ("SET", "e", "e" * 9000, "GET"), ("SET", "e", "f", "GET"), ("GETDEL", "k"),
        ("EXISTS", "k"), ("SETRANGE", "g", 6000, "x"), ("UNLINK", "g"), ("EXISTS", "g"),
        ("INCR", "e"), ("DBSIZE",),
    ])
    m, r = pair
    m.set("f", "f" * 30000)  # eight fragments, all stored
    assert m.execute_command("MEMORY", "USAGE", "f") > 30000
    m.setrange("sparse", 30000, "x")  # one fragment stored: the last, 1329 bytes
    assert m.execute_command("MEMORY", "USAGE", "sparse") < F
    assert sorted(m.scan(0, _type="string", count=1000)[1]) == [b"d", b"e", b"f", b"sparse"]


def test_dump_and_restore_both_ways(pair):
    m, r = pair
    for c in (m, r):
        c.setrange("k", 12000, "end")
        c.setbit("k", 5, 1)
        c.set("dense", bytes(range(256)) * 30)
    for key in ("k", "dense"):
        mine = m.dump(key)
        assert r.restore("from-mnemo-" + key, 0, mine) == b"OK"
        assert r.get("from-mnemo-" + key) == r.get(key)
        theirs = r.dump(key)
        assert m.restore("from-redis-" + key, 0, theirs) == b"OK"
        assert m.get("from-redis-" + key) == r.get(key)
        assert m.restore("k", 0, theirs, replace=True) == b"OK"
        assert m.get("k") == r.get(key)
        assert m.strlen("k") == r.strlen(key)


def test_random_sequence_matches_redis(pair):
    seed = int(os.environ.get("MNEMO_SEED", random.randrange(1 << 30)))
    print("seed", seed)
    rnd = random.Random(seed)
    m, r = pair

    def offset():
        return max(0, rnd.randrange(6) * F + rnd.randrange(-4, 5))

    history = []
    for step in range(600):
        k = "k%d" % rnd.randrange(4)
        op = rnd.randrange(9)
        if op == 0:
            args = ("SET", k, "v" * rnd.randrange(2 * F))
        elif op == 1:
            args = ("SETRANGE", k, offset(), "ab" * rnd.randrange(1, 40))
        elif op == 2:
            args = ("APPEND", k, "x" * rnd.randrange(600))
        elif op == 3:
            args = ("SETBIT", k, offset() * 8 + rnd.randrange(8), rnd.randrange(2))
        elif op == 4:
            args = ("BITFIELD", k, "INCRBY", "i%d" % rnd.randrange(1, 65),
                    offset() * 8 + rnd.randrange(8), rnd.randrange(-500, 500))
        elif op == 5:
            args = ("GETRANGE", k, offset() - 3, rnd.choice((offset(), -1, -F)))
        elif op == 6:
            args = ("BITCOUNT", k, offset(), offset())
        elif op == 7:
            args = ("BITPOS", k, rnd.randrange(2), offset(), offset(), "BYTE")
        else:
            args = ("BITOP", rnd.choice(("AND", "OR", "XOR")), k, "k0", "k%d" % rnd.randrange(4))
        history.append(args[:2])
        mine, theirs = run(m, *args), run(r, *args)
        assert mine == theirs, "seed %d step %d %r (recent %r)" % (seed, step, args[:3],
                                                                  history[-8:])
    for i in range(4):
        assert m.get("k%d" % i) == r.get("k%d" % i), "seed %d key k%d" % (seed, i)


def test_highest_bit_stores_little_and_large_reads_are_bounded(sr, shared_server):
    c = shared_server.client(socket_timeout=60)
    try:
        assert c.setbit("top", 4294967295, 1) == 0
        assert c.strlen("top") == 512 << 20
        assert c.bitcount("top") == 1
        assert c.bitpos("top", 1) == 4294967295
        assert c.getrange("top", -1, -1) == b"\x01"
        assert c.execute_command("MEMORY", "USAGE", "top") < 64 << 10  # one fragment stored
        # A whole read of it would build 512 MB: under a limit it is refused, the rest works.
        used = int(c.info("memory")["used_memory"])
        c.config_set("maxmemory", str(used + (64 << 20)))
        for cmd in (("GET", "top"), ("GETRANGE", "top", 0, -1), ("GETDEL", "top")):
            with pytest.raises(redis.ResponseError, match="exceed the memory left"):
                c.execute_command(*cmd)
        assert c.ping()
        assert c.getrange("top", 100, 103) == b"\0" * 4
        assert c.exists("top") == 1
        c.config_set("maxmemory", "0")
        assert c.delete("top") == 1
        assert c.exists("top") == 0
    finally:
        c.config_set("maxmemory", "0")
        c.close()


def test_watch_multi_and_keyspace_events_see_fragment_writes(sr, shared_server):
    c = shared_server.client(socket_timeout=60)
    other = shared_server.client(socket_timeout=60)
    try:
        c.setrange("w", 9000, "x")
        p = c.pipeline()
        p.watch("w")
        other.setbit("w", 5, 1)  # a fragment write by another client
        p.multi()
        p.set("w", "mine")
        with pytest.raises(redis.WatchError):
            p.execute()
        assert c.getrange("w", 0, 0) == b"\x04"
        p = c.pipeline(transaction=True)
        p.setrange("w", 4095, "ab")
        p.getrange("w", 4094, 4097)
        p.append("w", "z")
        p.bitcount("w")
        assert p.execute() == [9001, b"\0ab\0", 9002, 1 + 3 + 3 + 5 + 4]
        c.config_set("notify-keyspace-events", "KA")
        sub = other.pubsub()
        sub.psubscribe("__keyspace@0__:w")
        wait_until(lambda: sub.get_message(timeout=1) is not None, what="psubscribe reply")
        c.setbit("w", 80000, 1)
        c.setrange("w", 4096, "q")
        c.append("w", "q")
        c.execute_command("BITFIELD", "w", "SET", "u8", 4096 * 8, 1)
        events = []
        wait_until(lambda: (events.append(sub.get_message(timeout=1)) or
                            len([e for e in events if e]) >= 4), timeout=30, what="four events")
        assert [e["data"] for e in events if e] == [b"setbit", b"setrange", b"append", b"setbit"]
        sub.close()
    finally:
        c.config_set("notify-keyspace-events", "")
        c.close()
        other.close()


def _set_bit(m, bit, value):
    if len(m) <= bit >> 3:
        m.extend(b"\0" * ((bit >> 3) + 1 - len(m)))
    m[bit >> 3] = (m[bit >> 3] & ~(0x80 >> (bit & 7))) | (value << (7 - (bit & 7)))


def _set_range(m, at, data):
    if len(m) < at + len(data):
        m.extend(b"\0" * (at + len(data) - len(m)))
    m[at:at + len(data)] = data


def test_restart_and_kill9_keep_every_acknowledged_bit(server_factory):
    s = server_factory()
    c = s.client()
    rnd = random.Random(11)
    model = {}
    for i in range(400):
        key = "f%d" % rnd.randrange(3)
        m = model.setdefault(key, bytearray())
        op = rnd.randrange(3)
        if op == 0:
            bit, value = rnd.randrange(8 << 20), rnd.randrange(2)
            c.setbit(key, bit, value)
            _set_bit(m, bit, value)
        elif op == 1:
            at, data = rnd.randrange(1 << 20), b"%d" % i
            c.setrange(key, at, data)
            _set_range(m, at, data)
        else:
            c.append(key, b"a" * 50)
            m.extend(b"a" * 50)
    assert {k: c.get(k) for k in model} == {k: bytes(v) for k, v in model.items()}
    c.close()
    assert s.stop() == 0
    s.start()
    c = s.client()
    assert {k: c.get(k) for k in model} == {k: bytes(v) for k, v in model.items()}
    c.setbit("f0", 9 << 20, 1)  # acknowledged just before the kill
    _set_bit(model["f0"], 9 << 20, 1)
    c.setrange("f1", 5000, "late")
    _set_range(model["f1"], 5000, b"late")
    assert s.kill9() == -9
    s.start()
    c = s.client()
    assert {k: c.get(k) for k in model} == {k: bytes(v) for k, v in model.items()}
    assert c.dbsize() == len(model)
    c.close()
