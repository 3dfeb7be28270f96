"""Hash commands against the real server, each scripted case and seeded random sequence run on
redis-server 7.0 too with the replies compared (order-insensitive only for the replies whose
order Redis leaves unspecified: HKEYS, HVALS, HGETALL, HRANDFIELD, HSCAN); the generic commands
on hashes; durability across restart and kill -9; counters; absurd counts."""
import os
import random
import resource
import time

import pytest
import redis

from helpers import RespError, raw
from redis_reference import RedisServer
from resp3_client import Resp3Client

UNORDERED = {"hkeys", "hvals"}


@pytest.fixture(scope="module")
def reference():
    ref = RedisServer()
    yield ref
    ref.stop()


@pytest.fixture
def pair(sr, reference):
    """(mnemo client, redis client), both empty."""
    rc = reference.client(decode_responses=True)
    rc.flushall()
    yield sr, rc
    rc.close()


def call(client, *args):
    try:
        v = raw(client, *args)
    except redis.ResponseError as e:
        return RespError(str(e))
    name = str(args[0]).lower()
    if name in UNORDERED and isinstance(v, list):
        return sorted(v)
    if name == "hgetall" and isinstance(v, list):  # raw() gives the flat RESP2 list
        return sorted(zip(v[0::2], v[1::2]))
    return v


def same(pair, *args):
    m, r = pair
    got, want = call(m, *args), call(r, *args)
    assert got == want, "%r: mnemo %r, redis %r" % (args, got, want)
    return got


BIG = "9223372036854775807"
SMALL = "-9223372036854775808"

SCRIPT = [
    # HSET / HMSET / HSETNX
    ("hset", "h", "a", "1"), ("hset", "h", "a", "2", "b", "3"), ("hset", "h", "c", "x", "c", "y"),
    ("hget", "h", "c"), ("hset", "h"), ("hset", "h", "a"), ("hset", "h", "a", "1", "b"),
    ("hmset", "h", "d", "4", "e", "5"), ("hmset", "h", "d"), ("hmset", "h"),
    ("hsetnx", "h", "a", "9"), ("hsetnx", "h", "z", "9"), ("hsetnx", "new", "f", "v"),
    ("hsetnx", "h", "a"), ("hset", "h", "", ""), ("hget", "h", ""), ("hlen", "h"),
    # reads
    ("hget", "h", "a"), ("hget", "h", "nope"), ("hget", "missing", "a"), ("hget", "h"),
    ("hmget", "h", "a", "nope", "b", "a"), ("hmget", "missing", "a", "b"), ("hmget", "h"),
    ("hexists", "h", "a"), ("hexists", "h", "nope"), ("hexists", "missing", "a"),
    ("hstrlen", "h", "c"), ("hstrlen", "h", "nope"), ("hstrlen", "missing", "x"),
    ("hlen", "missing"), ("hlen", "h", "x"),
    ("hkeys", "h"), ("hvals", "h"), ("hgetall", "h"), ("hkeys", "missing"),
    ("hvals", "missing"), ("hgetall", "missing"), ("hgetall", "h", "x"),
    # HINCRBY / HINCRBYFLOAT
    ("hincrby", "h", "n", "5"), ("hincrby", "h", "n", "-7"), ("hincrby", "h", "c", "1"),
    ("hincrby", "h", "n", "x"), ("hincrby", "h", "n", "1.5"), ("hincrby", "h", "big", BIG),
    ("hincrby", "h", "big", "1"), ("hincrby", "h", "neg", SMALL), ("hincrby", "h", "neg", "-1"),
    ("hincrby", "fresh", "f", "3"), ("hincrby", "h", "n"),
    ("hincrbyfloat", "h", "fl", "1.5"), ("hincrbyfloat", "h", "fl", "0.1"),
    ("hincrbyfloat", "h", "fl", "-1.6"), ("hincrbyfloat", "h", "n", "2.5"),
    ("hincrbyfloat", "h", "c", "1"), ("hincrbyfloat", "h", "fl", "abc"),
    ("hincrbyfloat", "h", "fl", "inf"), ("hincrbyfloat", "h", "fl", "1e400"),
    ("hincrbyfloat", "h", "e3", "5.0e3"), ("hincrbyfloat", "h", "fl", "1e308"),
    ("hincrbyfloat", "h", "fl", "1e308"), ("hget", "h", "fl"),
    ("hincrbyfloat", "fresh2", "f", "10"), ("hget", "h", "n"),
    # HDEL
    ("hdel", "h", "a", "a", "nope"), ("hdel", "h", "nope"), ("hdel", "missing", "a"),
    ("hdel", "h"), ("hlen", "h"), ("hdel", "new", "f"), ("exists", "new"), ("hlen", "new"),
    # HRANDFIELD errors and edge cases (the results' content is checked below)
    ("hrandfield", "missing"), ("hrandfield", "missing", "5"), ("hrandfield", "missing", "-5"),
    ("hrandfield", "missing", "5", "withvalues"), ("hrandfield", "h", "0"),
    ("hrandfield", "h", "0", "withvalues"), ("hrandfield", "h", "1", "foo"),
    ("hrandfield", "h", "x"), ("hrandfield", "h", "1", "withvalues", "x"),
    ("hrandfield", "h", SMALL), ("hrandfield", "h", "-9223372036854770000", "withvalues"),
    ("hrandfield", "h", BIG, "withvalues"), ("hrandfield", "h", "-4611686018427387904", "withvalues"),
    ("hrandfield", "missing", "-9223372036854770000", "withvalues"),
    # HSCAN errors
    ("hscan", "h", "abc"), ("hscan", "h", "0", "count", "0"), ("hscan", "h", "0", "count", "x"),
    ("hscan", "h", "0", "foo", "bar"), ("hscan", "h", "0", "match"), ("hscan", "missing", "0"),
    ("hscan", "h"),
    # WRONGTYPE in both directions
    ("set", "s", "x"), ("hset", "s", "a", "1"), ("hsetnx", "s", "a", "1"), ("hget", "s", "a"),
    ("hmget", "s", "a"), ("hdel", "s", "a"), ("hexists", "s", "a"), ("hlen", "s"),
    ("hstrlen", "s", "a"), ("hkeys", "s"), ("hvals", "s"), ("hgetall", "s"),
    ("hincrby", "s", "a", "1"), ("hincrbyfloat", "s", "a", "1"), ("hrandfield", "s"),
    ("hrandfield", "s", "2"), ("hscan", "s", "0"), ("hmset", "s", "a", "1"),
    ("get", "h"), ("incr", "h"), ("append", "h", "x"), ("strlen", "h"),
    # generic commands on a hash
    ("type", "h"), ("exists", "h", "missing", "h"), ("expire", "h", "100"), ("ttl", "h"),
    ("persist", "h"), ("ttl", "h"), ("rename", "h", "h2"), ("exists", "h"), ("hgetall", "h2"),
    ("rename", "h2", "h3"), ("rename", "h3", "h2"), ("renamenx", "h2", "h2"),
    ("hset", "h3", "only3", "x"), ("renamenx", "h2", "h3"), ("hlen", "h2"), ("hgetall", "h3"),
    ("set", "s2", "v"), ("rename", "h3", "s2"), ("type", "s2"), ("hgetall", "s2"),
    ("hset", "s2", "x", "y"), ("get", "s2"), ("set", "s2", "v"), ("type", "s2"),
    ("del", "h2", "s2", "missing"), ("exists", "h2"), ("hlen", "h2"), ("dbsize",),
]


def test_scripted_cases_match_redis(pair):
    for args in SCRIPT:
        same(pair, *args)


def test_expire_on_hash_and_recreate(pair):
    m, r = pair
    for c in (m, r):
        c.hset("e", mapping={"a": "1", "b": "2"})
        c.pexpire("e", 1)
    deadline = time.time() + 20
    while (m.exists("e") or r.exists("e")) and time.time() < deadline:
        time.sleep(0.01)
    for args in [("exists", "e"), ("hlen", "e"), ("hget", "e", "a"), ("hgetall", "e"),
                 ("hset", "e", "c", "3"), ("hgetall", "e"), ("ttl", "e")]:
        same(pair, *args)


def test_random_sequences_match_redis(pair):
    m, r = pair
    seed = int(os.environ.get("HASH_SEED", random.randrange(1 << 30)))
    print("seed", seed)
    rng = random.Random(seed)
    keys = ["k%d" % i for i in range(4)] + ["str"]
    fields = ["f%d" % i for i in range(8)] + [""]

    def value():
        return rng.choice(["", "v", "10", "-3", "1.5", "x" * rng.randrange(1, 40)])

    def gen():
        k, f = rng.choice(keys), rng.choice(fields)
        n = rng.randrange(1, 4)
        fs = [rng.choice(fields) for _ in range(n)]
        return rng.choice([
            ("hset", k, *sum(([x, value()] for x in fs), [])),
            ("hsetnx", k, f, value()), ("hdel", k, *fs), ("hget", k, f), ("hmget", k, *fs),
            ("hexists", k, f), ("hlen", k), ("hstrlen", k, f), ("hgetall", k), ("hkeys", k),
            ("hvals", k), ("hincrby", k, f, str(rng.randrange(-50, 50))),
            ("hincrbyfloat", k, f, rng.choice(["1.5", "-0.25", "3"])),
            ("del", k), ("set", k, value()), ("type", k), ("exists", k),
            ("rename", k, rng.choice(keys)), ("renamenx", k, rng.choice(keys)),
            ("dbsize",),
        ])

    for step in range(3000):
        args = gen()
        same(pair, *args)
    for k in keys:
        same(pair, "hgetall", k)
    same(pair, "dbsize")
    assert m.info("keyspace").get("db0", {}).get("keys", 0) == r.dbsize()


def test_hrandfield_results(sr):
    fields = {"f%03d" % i: "v%d" % i for i in range(200)}
    sr.hset("h", mapping=fields)
    one = sr.hrandfield("h")
    assert one in fields
    for count in (1, 5, 199, 200, 500):
        got = sr.hrandfield("h", count)
        assert len(got) == min(count, 200) and len(set(got)) == len(got)
        assert set(got) <= set(fields)
    assert set(sr.hrandfield("h", 200)) == set(fields)
    got = raw(sr, "hrandfield", "h", "7", "withvalues")
    pairs = list(zip(got[0::2], got[1::2]))
    assert len(pairs) == 7 and all(fields[f] == v for f, v in pairs)
    rep = sr.hrandfield("h", -1000)
    assert len(rep) == 1000 and set(rep) <= set(fields)
    assert len(set(rep)) > 100  # drawn from the whole hash, not a few fields
    got = raw(sr, "hrandfield", "h", "-30", "withvalues")
    assert len(got) == 60 and all(fields[f] == v for f, v in zip(got[0::2], got[1::2]))
    sr.hset("one", "only", "x")
    assert sr.hrandfield("one", -5) == ["only"] * 5


def maxrss_kb(server):
    with open("/proc/%d/status" % server.proc.pid) as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    return 0


def test_absurd_counts_are_answered_promptly(sr, shared_server):
    sr.hset("h", mapping={"a": "1", "b": "2", "c": "3"})
    before = maxrss_kb(shared_server)
    t0 = time.time()
    with pytest.raises(redis.ResponseError, match="value is out of range"):
        raw(sr, "hrandfield", "h", "-9223372036854770000", "withvalues")
    with pytest.raises(redis.ResponseError, match="count is too large"):
        raw(sr, "hrandfield", "h", "-9223372036854775807")
    with pytest.raises(redis.ResponseError, match="count is too large"):
        raw(sr, "hrandfield", "h", "-4611686018427387903", "withvalues")
    assert sorted(sr.hrandfield("h", 9223372036854775807)) == ["a", "b", "c"]
    assert len(raw(sr, "hrandfield", "h", "4611686018427387903", "withvalues")) == 6
    assert raw(sr, "hscan", "h", "0", "count", BIG)[0] == "0"
    assert time.time() - t0 < 20
    assert maxrss_kb(shared_server) - before < 64 * 1024  # no allocation sized from the counts
    assert sr.ping()


def scan_all(client, key, **kw):
    cursor, seen, calls = 0, [], 0
    while True:
        cursor, items = client.hscan(key, cursor, **kw)
        seen.extend(items.items())
        calls += 1
        if cursor == 0:
            return seen, calls


def test_hscan_matches_redis(pair):
    m, r = pair
    fields = {"f%d" % i: str(i) for i in range(300)}
    for c in (m, r):
        c.hset("h", mapping=fields)
    for kw in ({}, {"count": 7}, {"match": "f1*"}, {"match": "f1*", "count": 3},
               {"match": "nothing*"}, {"count": 1000}):
        got, calls = scan_all(m, "h", **kw)
        want, _ = scan_all(r, "h", **kw)
        assert len(got) == len(set(got)), "a field came twice: %r" % kw
        assert sorted(got) == sorted(want), kw
    _, calls = scan_all(m, "h", count=7)
    assert calls >= 300 // 7  # COUNT bounds the work per call
    # a field added during the scan does not break the iteration of the others
    cursor, items = m.hscan("h", 0, count=50)
    m.hset("h", "a-new-field", "x")
    seen = dict(items)
    while cursor != 0:
        cursor, items = m.hscan("h", cursor, count=50)
        seen.update(items)
    assert set(fields) <= set(seen)


def test_resp3_replies_match_redis(sr, shared_server, reference):
    rc = reference.client()
    rc.flushall()
    for c in (sr, rc):
        c.hset("h", "field", "value")
        c.hset("n", "x", "1")
    m3, r3 = Resp3Client(shared_server.port), Resp3Client(reference.port)
    try:
        for c in (m3, r3):
            c.call("HELLO", "3")
        for args in [("hgetall", "h"), ("hgetall", "missing"), ("hrandfield", "h", "1", "withvalues"),
                     ("hrandfield", "h", "-2", "withvalues"), ("hrandfield", "h", "2"),
                     ("hrandfield", "missing"), ("hget", "h", "nope"), ("hmget", "h", "field", "x"),
                     ("hscan", "h", "0"), ("hkeys", "h"), ("hvals", "h"), ("hlen", "h"),
                     ("hincrbyfloat", "n", "x", "1.5")]:
            assert m3.call_raw(*args) == r3.call_raw(*args), args
    finally:
        m3.close()
        r3.close()
        rc.close()


def test_generic_commands_on_hashes(sr):
    sr.hset("h", mapping={"a": "1", "b": "22"})
    sr.set("s", "x")
    assert sr.type("h") == "hash"
    assert sr.scan(0, _type="hash", count=1000)[1] == ["h"]
    assert sorted(sr.keys("*")) == ["h", "s"]
    assert sr.randomkey() in ("h", "s")
    usage = sr.memory_usage("h")
    assert usage is not None and usage >= len("ab122")
    sr.hset("h", "c" * 1000, "v" * 1000)
    assert sr.memory_usage("h") >= usage + 2000
    assert sr.memory_usage("h", samples=1) > 0
    with pytest.raises(redis.ResponseError, match="DUMP"):
        sr.dump("h")
    sr.flushdb()
    assert sr.exists("h") == 0 and sr.dbsize() == 0


def test_pipelined_writes_read_their_own_writes(sr):
    p = sr.pipeline(transaction=False)
    p.hset("p", "a", "1")
    p.hincrby("p", "a", 5)
    p.hget("p", "a")
    p.hsetnx("p", "a", "x")
    p.hdel("p", "a")
    p.hlen("p")
    p.hset("p", "b", "2")
    p.hgetall("p")
    assert p.execute() == [1, 6, "6", 0, 1, 0, 1, {"b": "2"}]


def test_counters_exact_after_restart(server_factory):
    s = server_factory()
    c = s.client(decode_responses=True)
    rng = random.Random(7)
    for i in range(2000):
        k = "k%d" % rng.randrange(30)
        op = rng.randrange(4)
        if op == 0:
            c.delete(k)
        elif op == 1:
            c.hdel(k, "f%d" % rng.randrange(10))
        else:
            c.hset(k, "f%d" % rng.randrange(10), "x" * rng.randrange(50))
    live = len(c.keys("*"))
    assert c.dbsize() == live
    lens = {k: c.hlen(k) for k in c.keys("*")}
    assert all(c.hlen(k) == len(c.hkeys(k)) for k in lens)
    s.stop()
    s.start()
    c = s.client(decode_responses=True)
    assert c.dbsize() == live
    assert c.info("keyspace").get("db0", {}).get("keys", 0) == live
    assert {k: c.hlen(k) for k in c.keys("*")} == lens


def test_kill9_keeps_acknowledged_fields(server_factory):
    s = server_factory()
    c = s.client(decode_responses=True)
    acked = {}
    for batch in range(40):
        p = c.pipeline(transaction=False)
        for i in range(50):
            n = batch * 50 + i
            p.hset("h%d" % (n % 5), "f%d" % n, "v%d" % n)
        p.hincrby("counter", "n", 1)
        p.execute()
        for i in range(50):
            n = batch * 50 + i
            acked.setdefault("h%d" % (n % 5), {})["f%d" % n] = "v%d" % n
    assert s.kill9() == -9
    s.start()
    c = s.client(decode_responses=True)
    for k, fields in acked.items():
        assert c.hgetall(k) == fields
        assert c.hlen(k) == len(fields)
    assert c.hget("counter", "n") == "40"
    assert c.dbsize() == 6


def test_object_encoding(pair):
    m, r = pair
    for c in (m, r):
        c.hset("h", "a", "1")
        c.set("i", "12345")
        c.set("e", "x" * 44)
        c.set("w", "x" * 45)
    for k in ("i", "e", "w", "missing"):
        same(pair, "object", "encoding", k)
    # one record per field: Redis's name for a hash kept as separate entries
    assert raw(m, "object", "encoding", "h") == "hashtable"
    assert "ENCODING <key>" in raw(m, "object", "help")


def test_whole_hash_reads_stay_well_formed_under_concurrent_writes(sr, shared_server):
    """HGETALL/HKEYS while another connection adds and removes fields: every reply is whole
    (its header counts exactly the elements that follow), whatever the writer did meanwhile."""
    import threading
    sr.hset("c", mapping={"f%d" % i: "v" for i in range(50)})
    done = threading.Event()

    def writer():
        w = shared_server.client(decode_responses=True)
        try:
            for i in range(3000):
                w.hset("c", "n%d" % (i % 200), "x")
                w.hdel("c", "n%d" % ((i + 100) % 200))
        finally:
            done.set()
            w.close()

    t = threading.Thread(target=writer)
    t.start()
    reads = 0
    while not done.is_set() or reads < 10:
        got = sr.hgetall("c")
        assert all(k.startswith(("f", "n")) for k in got) and len(got) >= 50
        keys = sr.hkeys("c")
        assert all(isinstance(k, str) for k in keys) and len(keys) >= 50
        reads += 1
    t.join()
    assert sr.ping()
