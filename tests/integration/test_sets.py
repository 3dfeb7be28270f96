"""Set commands against the real server, each scripted case run on redis-server 7.0 too and the
replies compared (order-insensitive where Redis's order is unspecified; random picks checked
against the reference's contents); seeded random sequences; generic commands on sets; restart and
kill -9; exact counters; absurd counts."""
import os
import random
import shlex
import threading
import time

import pytest
import redis

from helpers import cmd_error, raw, wait_until
from redis_reference import RedisServer
from resp3_client import Resp3Client

WRONGTYPE = "WRONGTYPE Operation against a key holding the wrong kind of value"
UNORDERED = {"SMEMBERS", "SINTER", "SUNION", "SDIFF"}
RANDOM = {"SPOP", "SRANDMEMBER"}


@pytest.fixture(scope="module")
def ref_server():
    s = RedisServer()
    yield s
    s.stop()


@pytest.fixture
def ref(ref_server):
    c = ref_server.client(decode_responses=True)
    c.flushall()
    yield c
    c.close()


def call(c, *args):
    try:
        return raw(c, *args)
    except redis.ResponseError as e:
        return ("error", str(e))


def full_sscan(c, key, *opts):
    cursor, seen = "0", []
    for _ in range(10000):
        reply = call(c, "SSCAN", key, cursor, *opts)
        if isinstance(reply, tuple):
            return reply
        cursor, members = reply
        seen.extend(members)
        if cursor == "0":
            return sorted(seen)
    raise AssertionError("SSCAN did not finish")


def run_both(mine, ref, args):
    """Runs one command on both servers and asserts their replies agree. A random pick is checked
    against the reference's contents and applied to it, so both hold the same sets after."""
    name = args[0].upper()
    if name == "SSCAN" and len(args) >= 3 and args[2] == "0":
        a, b = full_sscan(mine, args[1], *args[3:]), full_sscan(ref, args[1], *args[3:])
        assert a == b, args
        return a
    if name in RANDOM and len(args) <= 3:
        return check_random(mine, ref, args)
    a, b = call(mine, *args), call(ref, *args)
    if name in UNORDERED and isinstance(a, list) and isinstance(b, list):
        a, b = sorted(a), sorted(b)
    if name == "TTL" and isinstance(a, int) and isinstance(b, int) and a >= 0 and b >= 0:
        b = a if abs(a - b) <= 1 else b  # the two servers read the clock at other moments
    assert a == b, "%s: mnemo %r, redis %r" % (" ".join(map(str, args)), a, b)
    return a


def check_random(mine, ref, args):
    name, key = args[0].upper(), args[1]
    got = call(mine, *args)
    if len(args) == 3 and isinstance(got, tuple):  # a bad count: the same error
        assert got == call(ref, *args), args
        return got
    before = call(ref, "SMEMBERS", key)
    if isinstance(before, tuple):  # wrong type
        assert got == before, args
        return got
    members = set(before)
    picks = []
    if len(args) == 2:
        if not members:
            assert got is None, args
        else:
            assert got in members, args
            picks = [got]
    else:
        count = int(args[2])
        assert isinstance(got, list), (args, got)
        if count >= 0:
            assert len(got) == min(count, len(members)), (args, got)
            assert len(set(got)) == len(got), (args, got)
        else:
            assert len(got) == (-count if members else 0), (args, got)
        assert set(got) <= members, (args, got)
        picks = got
    if name == "SPOP" and picks:
        ref.srem(key, *set(picks))
        assert set(call(mine, "SMEMBERS", key)) == members - set(picks), args
    return got


# Scripted cases: each line is one case ("|" separates commands), run on a fresh keyspace.
CASES = [
    "SADD s a b a | SMEMBERS s | SCARD s", "SADD s '' | SISMEMBER s '' | SCARD s",
    "SET k v | SADD k a", "SADD s a | TYPE s", "SADD s", "SADD s 1 2 3 | SADD s 3 4 | SMEMBERS s",
    "SREM s a", "SADD s a b | SREM s a a c | SREM s b | EXISTS s", "SET k v | SREM k a", "SREM s",
    "SISMEMBER s a", "SADD s a | SISMEMBER s a | SISMEMBER s b", "SET k v | SISMEMBER k a",
    "SISMEMBER s", "SMISMEMBER s a b", "SADD s a | SMISMEMBER s a b a", "SET k v | SMISMEMBER k a",
    "SMISMEMBER s", "SMEMBERS s", "SET k v | SMEMBERS k", "SMEMBERS s x", "SCARD s",
    "SET k v | SCARD k", "SCARD", "SPOP s", "SPOP s 3", "SADD s a | SPOP s | EXISTS s",
    "SADD s a b c | SPOP s 2 | SCARD s",
    "SADD s a b c | SPOP s 0 | SPOP s -1 | SPOP s x | SPOP s 1 2 | SCARD s",
    "SADD s a b c | SPOP s 9223372036854775807 | EXISTS s", "SET k v | SPOP k", "SET k v | SPOP k 2",
    "SPOP k -1", "SRANDMEMBER s", "SRANDMEMBER s 3", "SADD s a b c | SRANDMEMBER s | SRANDMEMBER s 2",
    "SADD s a b c | SRANDMEMBER s 5 | SRANDMEMBER s -5 | SRANDMEMBER s 0 | SRANDMEMBER s x",
    "SADD s a | SRANDMEMBER s -9223372036854775808", "SET k v | SRANDMEMBER k",
    "SET k v | SRANDMEMBER k -3", "SRANDMEMBER s 1 2", "SRANDMEMBER s -3",
    "SMOVE a b m", "SADD a m | SMOVE a b m | SMEMBERS b | EXISTS a", "SADD a m | SMOVE a a m",
    "SADD a m | SMOVE a a x", "SADD a m | SET b v | SMOVE a b m | SMEMBERS a",
    "SET b v | SMOVE a b m", "SET a v | SMOVE a b m",
    "SADD a m n | SADD b m | SMOVE a b m | SCARD b | SMEMBERS a", "SADD a m | SMOVE a b x",
    "SMOVE a b", "SADD a m | EXPIRE a 100 | SMOVE a b m | TTL b",
    "SINTER a b", "SADD a x y | SADD b y z | SINTER a b | SINTER a c | SINTER c a",
    "SET k v | SINTER k", "SET k v | SINTER nokey k", "SADD a x | SINTER a a", "SINTER",
    "SADD a x y | SADD b y | SINTERCARD 2 a b | SINTERCARD 2 a b LIMIT 1 | SINTERCARD 2 a b LIMIT 0",
    "SINTERCARD 0 a", "SINTERCARD 2 a", "SINTERCARD 1 a LIMIT -1", "SINTERCARD x a",
    "SINTERCARD 1 a FOO 1", "SINTERCARD 1 a LIMIT", "SINTERCARD 1 a LIMIT x", "SINTERCARD 1",
    "SET k v | SINTERCARD 1 k", "SADD a x | SINTERCARD 1 a LIMIT 5 LIMIT 1",
    "SUNION a b", "SADD a x y | SADD b y z | SUNION a b c", "SET k v | SUNION k",
    "SET k v | SUNION a k", "SADD a x | SUNION a a",
    "SDIFF a b", "SADD a x y | SADD b y | SDIFF a b | SDIFF b a | SDIFF a c", "SET k v | SDIFF k",
    "SADD a x | SDIFF a a", "SADD a x y z | SADD b x | SADD c z | SDIFF a b c", "SET k v | SDIFF a k",
    "SADD a x y | SADD b y | SINTERSTORE d a b | SMEMBERS d | TYPE d",
    "SET d v | SINTERSTORE d a | EXISTS d", "SET k v | SINTERSTORE d k",
    "SADD a x | SET d v EX 100 | SINTERSTORE d a | TYPE d | TTL d", "SINTERSTORE d",
    "SADD a x | SADD b y | SUNIONSTORE d a b | SMEMBERS d", "SUNIONSTORE d a | EXISTS d",
    "SADD a x | SADD b y | SUNIONSTORE a a b | SMEMBERS a", "SADD d z | SUNIONSTORE d d | SMEMBERS d",
    "SADD a x y | SADD b y | SDIFFSTORE d a b | SMEMBERS d", "SDIFFSTORE d a | EXISTS d",
    "SADD a x | SDIFFSTORE a a | EXISTS a", "SADD d v | SDIFFSTORE d a | EXISTS d",
    "SSCAN s 0", "SADD s a b c | SSCAN s 0 | SSCAN s 0 MATCH a COUNT 1", "SET k v | SSCAN k 0",
    "SSCAN s x", "SSCAN nokey 0 FOO 1", "SADD s a | SSCAN s 0 COUNT 0", "SADD s a | SSCAN s 0 MATCH",
    "SADD s a | SSCAN s 0 COUNT x", "SADD s a | SSCAN s 0 TYPE set", "SADD s a | SSCAN s 0 FOO 1",
    "SADD s a | SSCAN s 18446744073709551616", "SADD s a | INCRBYFLOAT s x | INCRBY s x",
]


def parse_case(line):
    commands, current = [], []
    for word in shlex.split(line):
        if word == "|":
            commands.append(current)
            current = []
        else:
            current.append(word)
    commands.append(current)
    return commands


@pytest.mark.parametrize("line", CASES)
def test_scripted_case_matches_redis(sr, ref, line):
    for args in parse_case(line):
        run_both(sr, ref, args)


def test_large_sets_match_redis(sr, ref):
    # Past the small-set thresholds of both servers: 2000 members, several overlapping sets.
    for c in (sr, ref):
        p = c.pipeline(transaction=False)
        p.sadd("a", *["m%d" % i for i in range(2000)])
        p.sadd("b", *["m%d" % i for i in range(0, 4000, 3)])
        p.sadd("c", *["m%d" % i for i in range(1000, 1200)])
        p.execute()
    for line in ["SCARD a", "SINTER a b c", "SUNION a b c", "SDIFF a b c", "SINTERCARD 3 a b c",
                 "SINTERCARD 2 a b LIMIT 10", "SUNIONSTORE u a b | SCARD u | SMEMBERS u",
                 "SDIFFSTORE u b a | SMEMBERS u", "SSCAN a 0 COUNT 7", "SSCAN a 0 MATCH m1?? COUNT 3",
                 "SPOP a 50 | SCARD a", "SRANDMEMBER b 40", "SRANDMEMBER b -40", "SPOP b | SCARD b",
                 "SPOP c 1000 | EXISTS c", "SREM a m1 m2 m3 | SCARD a | SMEMBERS a"]:
        for args in parse_case(line):
            run_both(sr, ref, args)


def test_random_sequences_match_redis(sr, ref):
    seed = int(os.environ.get("SET_SEED", random.randrange(1 << 30)))
    print("set sequence seed", seed)
    rnd = random.Random(seed)
    keys = ["s1", "s2", "s3", "str"]
    members = ["a", "b", "c", "d", "e", "", "x" * 40, "1", "10"]
    for c in (sr, ref):
        c.set("str", "v")

    def some(n):
        return [rnd.choice(members) for _ in range(rnd.randint(1, n))]

    gens = [
        lambda: ["SADD", rnd.choice(keys)] + some(4),
        lambda: ["SADD", rnd.choice(keys)] + some(4),
        lambda: ["SREM", rnd.choice(keys)] + some(3),
        lambda: ["SISMEMBER", rnd.choice(keys), rnd.choice(members)],
        lambda: ["SMISMEMBER", rnd.choice(keys)] + some(3),
        lambda: ["SMEMBERS", rnd.choice(keys)], lambda: ["SCARD", rnd.choice(keys)],
        lambda: ["SPOP", rnd.choice(keys)] + ([str(rnd.randint(-1, 4))] if rnd.random() < .6 else []),
        lambda: ["SRANDMEMBER", rnd.choice(keys)] + ([str(rnd.randint(-5, 5))] if rnd.random() < .7 else []),
        lambda: ["SMOVE", rnd.choice(keys), rnd.choice(keys), rnd.choice(members)],
        lambda: [rnd.choice(["SINTER", "SUNION", "SDIFF"])] + rnd.sample(keys, rnd.randint(1, 3)),
        lambda: [rnd.choice(["SINTERSTORE", "SUNIONSTORE", "SDIFFSTORE"]), rnd.choice(keys[:3])] +
        rnd.sample(keys, rnd.randint(1, 3)),
        lambda: ["SINTERCARD", "2"] + rnd.sample(keys, 2) + ["LIMIT", str(rnd.randint(0, 3))],
        lambda: ["SSCAN", rnd.choice(keys), "0", "COUNT", str(rnd.randint(1, 3))],
        lambda: ["DEL", rnd.choice(keys[:3])], lambda: ["TYPE", rnd.choice(keys)],
        lambda: ["EXPIRE", rnd.choice(keys[:3]), "100"], lambda: ["TTL", rnd.choice(keys)],
        lambda: ["RENAME"] + rnd.sample(keys[:3], 2),
        lambda: ["DBSIZE"],
    ]
    for step in range(1500):
        args = rnd.choice(gens)()
        try:
            run_both(sr, ref, args)
        except AssertionError as e:
            raise AssertionError("seed %d step %d: %s" % (seed, step, e))
    for k in keys:
        assert run_both(sr, ref, ["TYPE", k]) in ("set", "string", "none")
        if call(ref, "TYPE", k) == "set":
            run_both(sr, ref, ["SMEMBERS", k])


def test_resp3_reply_types_match_redis(shared_server, ref_server, sr, ref):
    for c in (sr, ref):
        c.sadd("s", "a", "b", "c")
    with Resp3Client(shared_server.port) as m, Resp3Client(ref_server.port) as r:
        for c in (m, r):
            c.call("HELLO", "3")
        for args in [("SMEMBERS", "s"), ("SMEMBERS", "none"), ("SINTER", "s", "s"),
                     ("SUNION", "none"), ("SDIFF", "s", "none"), ("SRANDMEMBER", "s", "5"),
                     ("SRANDMEMBER", "s", "0"), ("SRANDMEMBER", "none"), ("SPOP", "none"),
                     ("SPOP", "none", "2"), ("SMISMEMBER", "s", "a", "z"), ("SSCAN", "none", "0"),
                     ("SPOP", "s", "0"), ("SPOP", "s", "10")]:
            a, b = m.call(*args), r.call(*args)
            assert a[0] == b[0], (args, a, b)
            if a[0] in ("set", "array"):
                assert sorted(map(repr, a[1])) == sorted(map(repr, b[1])), (args, a, b)
            else:
                assert a == b, args


def test_generic_commands_on_sets(sr):
    sr.sadd("s", "a", "b", "c")
    assert sr.type("s") == "set"
    assert sr.exists("s") == 1
    assert sr.expire("s", 100) is True
    assert 95 <= sr.ttl("s") <= 100
    assert sr.persist("s") is True
    assert sr.ttl("s") == -1
    assert sr.rename("s", "t") is True
    assert sr.smembers("t") == {"a", "b", "c"} and sr.exists("s") == 0
    sr.sadd("u", "a", "b", "c", "d")  # (COPY has no command yet; Database::Copy is generic)
    assert sr.smembers("t") == {"a", "b", "c"} and sr.smembers("u") == {"a", "b", "c", "d"}
    sr.set("str", "x")
    assert sorted(raw(sr, "SCAN", "0", "TYPE", "set", "COUNT", "100")[1]) == ["t", "u"]
    assert sorted(sr.keys("*")) == ["str", "t", "u"]
    assert sr.randomkey() in ("str", "t", "u")
    usage = sr.memory_usage("u")
    assert usage is not None and usage > 4
    big = ["member-%04d" % i for i in range(1000)]
    sr.sadd("big", *big)
    assert sr.memory_usage("big") > sum(map(len, big))
    assert sr.delete("t", "u") == 2 and sr.exists("t", "u") == 0
    assert "DUMP supports only string values" in cmd_error(sr, "DUMP", "big")  # no RDB sets yet
    assert raw(sr, "UNLINK", "big") == 1
    sr.sadd("e", "x")
    assert raw(sr, "PEXPIRE", "e", "1") == 1
    wait_until(lambda: sr.exists("e") == 0, what="set to expire")
    assert sr.scard("e") == 0 and sr.smembers("e") == set()
    sr.flushdb()
    assert sr.dbsize() == 0


def test_wrongtype_everywhere(sr):
    sr.set("str", "v")
    sr.sadd("s", "a")
    for args in [("SADD", "str", "a"), ("SREM", "str", "a"), ("SISMEMBER", "str", "a"),
                 ("SMISMEMBER", "str", "a"), ("SMEMBERS", "str"), ("SCARD", "str"),
                 ("SPOP", "str"), ("SPOP", "str", "2"), ("SRANDMEMBER", "str"),
                 ("SRANDMEMBER", "str", "2"), ("SMOVE", "str", "s", "a"), ("SMOVE", "s", "str", "a"),
                 ("SINTER", "s", "str"), ("SUNION", "s", "str"), ("SDIFF", "s", "str"),
                 ("SINTERCARD", "2", "s", "str"), ("SINTERSTORE", "d", "s", "str"),
                 ("SSCAN", "str", "0"), ("GET", "s"), ("INCR", "s"), ("APPEND", "s", "x")]:
        assert cmd_error(sr, *args) == WRONGTYPE, args
    assert sr.smembers("s") == {"a"} and sr.get("str") == "v"
    assert sr.exists("d") == 0


def test_counters_exact_after_random_writes(sr, ref):
    rnd = random.Random(4242)
    for _ in range(600):
        k = "k%d" % rnd.randint(0, 6)
        op = rnd.random()
        args = (["SADD", k] + ["m%d" % rnd.randint(0, 9) for _ in range(3)] if op < .5 else
                ["SREM", k, "m%d" % rnd.randint(0, 9)] if op < .7 else
                ["SPOP", k, str(rnd.randint(0, 3))] if op < .8 else
                ["SUNIONSTORE", k, "k%d" % rnd.randint(0, 6)] if op < .9 else
                ["EXPIRE", k, "1000"] if op < .95 else ["DEL", k])
        run_both(sr, ref, args)
    assert sr.dbsize() == ref.dbsize()
    mine = raw(sr, "INFO", "keyspace")
    theirs = raw(ref, "INFO", "keyspace")
    pick = lambda info: info.split("db0:")[1].split(",avg_ttl")[0] if "db0:" in info else ""
    assert pick(mine) == pick(theirs)


def test_absurd_counts_are_prompt_and_bounded(sr):
    sr.sadd("s", "a", "b", "c")
    rss = lambda: int(sr.info("memory")["used_memory_rss"])
    before = rss()
    t = time.time()
    err = cmd_error(sr, "SRANDMEMBER", "s", "-9223372036854775807")
    assert "proto-max-bulk-len" in err
    assert sorted(raw(sr, "SRANDMEMBER", "s", "9223372036854775807")) == ["a", "b", "c"]
    assert sorted(raw(sr, "SPOP", "s", "9223372036854775807")) == ["a", "b", "c"]
    assert sr.exists("s") == 0
    assert raw(sr, "SPOP", "s", "9223372036854775807") == []
    assert raw(sr, "SRANDMEMBER", "s", "-9223372036854775807") == []
    sr.sadd("s", "a")
    assert len(raw(sr, "SRANDMEMBER", "s", "-100000")) == 100000
    assert time.time() - t < 30
    assert rss() - before < 256 << 20


def test_srandmember_distribution(sr):
    # Redis's own test: 10 members, chi-square with 9 degrees of freedom below 40.
    sr.sadd("s", *"abcdefghij")

    def chi(items):
        exp = len(items) / 10
        return sum((items.count(x) - exp) ** 2 / exp for x in "abcdefghij")

    assert chi(raw(sr, "SRANDMEMBER", "s", "-1000")) < 40
    for size in (8, 2):
        picks = []
        for _ in range(1000 // size):
            picks += raw(sr, "SRANDMEMBER", "s", str(size))
        assert chi(picks) < 40
    # Large sets (random seeks): every tenth of 5000 fixed-width members is reached.
    sr.sadd("big", *["element:%012d" % i for i in range(5000)])
    tenths = [0] * 10
    for m in raw(sr, "SRANDMEMBER", "big", "-3000"):
        tenths[int(m.split(":")[1]) // 500] += 1
    assert min(tenths) > 150, tenths


def test_spop_drains_a_large_set_exactly(sr):
    members = {"element:%012d" % i for i in range(3000)}
    sr.sadd("big", *members)
    popped = []
    while True:
        got = raw(sr, "SPOP", "big", "97")
        if not got:
            break
        popped += got
    single = []
    assert len(popped) == 3000 and set(popped) == members
    sr.sadd("big", *list(members)[:600])
    while (m := raw(sr, "SPOP", "big")) is not None:
        single.append(m)
    assert len(single) == 600 and len(set(single)) == 600
    assert sr.exists("big") == 0 and sr.dbsize() == 0


def test_pipelined_writes_share_a_context(sr):
    p = sr.pipeline(transaction=False)
    for i in range(200):
        p.sadd("p", "m%d" % (i % 50))
        p.scard("p")
    replies = p.execute()
    assert replies[0::2] == [1] * 50 + [0] * 150
    assert replies[1::2] == list(range(1, 51)) + [50] * 150
    assert sr.scard("p") == 50


def test_concurrent_sadd_smove_spop_keep_members(shared_server, sr):
    # Four clients move members between two sets while two add; none is lost or duplicated.
    sr.sadd("x", *["m%d" % i for i in range(300)])
    errors = []

    def mover(src, dst):
        c = shared_server.client(decode_responses=True)
        try:
            for i in range(300):
                c.smove(src, dst, "m%d" % i)
        except Exception as e:
            errors.append(e)

    def adder(tag):
        c = shared_server.client(decode_responses=True)
        try:
            for i in range(300):
                c.sadd("x" if i % 2 else "y", "%s%d" % (tag, i))
        except Exception as e:
            errors.append(e)

    threads = [threading.Thread(target=mover, args=a) for a in [("x", "y"), ("y", "x")] * 2]
    threads += [threading.Thread(target=adder, args=(t,)) for t in ("p", "q")]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not errors, errors
    x, y = sr.smembers("x"), sr.smembers("y")
    assert not (x & y)
    assert x | y == {"m%d" % i for i in range(300)} | {"%s%d" % (t, i) for t in "pq" for i in range(300)}
    assert sr.scard("x") == len(x) and sr.scard("y") == len(y)


def test_restart_and_kill9_keep_acknowledged_members(server_factory):
    s = server_factory()
    c = s.client(decode_responses=True)
    c.sadd("kept", *["k%d" % i for i in range(500)])
    c.srem("kept", "k0")
    c.connection_pool.disconnect()
    assert s.stop() == 0
    s.start()
    c = s.client(decode_responses=True)
    assert c.scard("kept") == 499 and "k0" not in c.smembers("kept")
    acked, stop = set(), threading.Event()
    errors = []

    def writer():
        w = s.client(decode_responses=True, socket_timeout=30)
        i = 0
        try:
            while not stop.is_set():
                p = w.pipeline(transaction=False)
                batch = ["w%d" % (i + j) for j in range(20)]
                for m in batch:
                    p.sadd("live", m)
                p.execute()
                acked.update(batch)
                i += 20
        except (redis.ConnectionError, redis.TimeoutError):
            pass
        except Exception as e:
            errors.append(e)

    t = threading.Thread(target=writer)
    t.start()
    wait_until(lambda: len(acked) >= 2000 or errors, timeout=60, what="writes to go on")
    assert s.kill9() == -9
    stop.set()
    t.join(timeout=60)
    assert not errors, errors
    s.start()
    c = s.client(decode_responses=True, socket_timeout=60)
    live = c.smembers("live")
    assert acked <= live
    assert c.scard("live") == len(live)
    assert c.scard("kept") == 499
    assert c.dbsize() == 2
