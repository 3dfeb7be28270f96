"""Lua scripting: EVAL, EVALSHA, EVAL_RO, EVALSHA_RO and SCRIPT, compared byte for byte with
redis-server 7.0 (conversions both ways, errors, pcall, the sandbox, global protection), then
what only Mnemo can be checked for: atomicity under concurrent readers, -BUSY and SCRIPT KILL
(of a script that wrote, too), the memory and write limits, and the memory fields."""
import threading

import pytest
import redis

from conftest import SANITIZED
from helpers import encode_command, wait_until
from redis_reference import RedisServer
from resp3_client import Resp3Client


@pytest.fixture(scope="module")
def ref():
    s = RedisServer()
    yield s
    s.stop()


SETUP = [("DEL", "l", "counter", "x", "k"), ("HSET", "h", "f", "v"), ("ZADD", "z", "1.5", "m"),
         ("SADD", "st", "a"), ("SET", "s", "str"), ("RPUSH", "l", "a", "b")]

# Each script is sent as EVAL <body> 0 (or with its keys and args); the replies must be the same
# bytes as redis-server's, errors included (they carry the script's SHA1 and line).
CASES = [
    # Lua -> RESP
    ("return 1.9",), ("return -3.7",), ("return 2^53",), ("return 1e20",), ("return 0/0",),
    ("return true",), ("return false",), ("return nil",), ("return {}",), ("return 'x'",),
    ("return {1,2,{3,'a',{}}, 3.99, 'x'}",), ("return {1,2,nil,4}",), ("return {nil,2}",),
    ("return {1,false,3}",), ("return {1,true,3}",), ("return {foo='bar'}",),
    ("return {ok='fine'}",), ("return {err='bad thing'}",), ("return {err='-dash'}",),
    ("return {ok='x', err='y'}",), ("return {1, {err='in array'}, {ok='st'}, 3.5}",),
    ("return {double=3.5}",), ("return {map={a=1}}",), ("return {set={a=true}}",),
    ("return {big_number='123456789012345678901234567890'}",), ("return {double=1/0}",),
    ("return unpack({1,2,3})",), ("",), ("local t = {} for i=1,10 do t[i] = i end return t",),
    # RESP -> Lua
    ("return redis.call('ping')",), ("return type(redis.call('ping'))",),
    ("return redis.call('get','nokey')",), ("return type(redis.call('get','nokey'))",),
    ("return redis.call('hgetall','h')",), ("return redis.call('lrange','l',0,-1)",),
    ("return redis.call('zscore','z','m')",), ("return redis.call('type','s')",),
    ("redis.setresp(3); return redis.call('hgetall','h')",),
    ("redis.setresp(3); return redis.call('zscore','z','m')",),
    ("redis.setresp(3); return redis.call('smembers','st')",),
    ("redis.setresp(3); return type(redis.call('get','nokey'))",),
    ("redis.setresp(3); local t = redis.call('zscore','z','m'); return {type(t), t.double}",),
    ("redis.setresp(3); return redis.call('exists','nokey')",),
    ("return redis.call('echo', 0.1)",), ("return redis.call('echo', 3.0)",),
    ("return redis.call('echo', 1e100)",), ("return redis.call('echo', 123456789012)",),
    ("return redis.call('incr', KEYS[1])", "1", "counter"),
    ("return {KEYS[1], ARGV[1], ARGV[2]}", "1", "k", "a1", "a2"), ("return ARGV",),
    # errors, pcall, helpers
    ("return redis.call('nosuch')",), ("return redis.pcall('nosuch')",),
    ("return redis.call('incr','s')",), ("return redis.pcall('incr','s')",),
    ("return redis.call('lpush','s','x')",), ("return {1, redis.pcall('lpush','s','x'), 3}",),
    ("return redis.call('set','k')",), ("return redis.call()",), ("return redis.pcall()",),
    ("return redis.call(1.5)",), ("return redis.call('get', {})",),
    ("return redis.call('ping', 'a', 1.25, 7)",), ("return redis.call('set','x','y','ex')",),
    ("return redis.pcall('set','x','y','ex')",),
    ("local r = redis.pcall('incr','s'); return type(r) .. ':' .. r.err",),
    ("local ok, e = pcall(function() redis.call('nosuch') end); return type(e) .. e.err",),
    ("error('boom')",), ("error(1)",), ("error()",), ("error({err='X custom'})",),
    ("error({err='-X custom'})",), ("return 'a' .. nil",), ("syntax error here",),
    ("return redis.error_reply('My Error')",), ("return redis.error_reply('-My Error')",),
    ("return redis.error_reply('ERR x')",), ("return redis.error_reply()",),
    ("return redis.error_reply('E1').err",), ("return redis.status_reply('FINE')",),
    ("return redis.status_reply()",), ("return redis.status_reply('S1').ok",),
    ("return redis.sha1hex('')",), ("return redis.sha1hex('abc')",), ("return redis.sha1hex(1)",),
    ("return redis.sha1hex()",), ("return redis.log(redis.LOG_WARNING, 'from a script')",),
    ("return redis.log()",), ("return redis.log(99, 'x')",), ("return redis.log('x', 'y')",),
    ("return {redis.LOG_DEBUG, redis.LOG_VERBOSE, redis.LOG_NOTICE, redis.LOG_WARNING}",),
    ("return redis.setresp(3)",), ("return redis.setresp(4)",), ("return redis.setresp()",),
    ("return redis.replicate_commands()",), ("return redis.set_repl(redis.REPL_ALL)",),
    ("return redis.breakpoint()",),
    # the sandbox and the read-only globals
    ("a = 5",), ("return x",), ("redis.x = 1",), ("cjson.x = 1",), ("string.x = 1",),
    ("_G.x = 1",), ("rawset(_G, 'x', 1)",), ("setmetatable(_G, nil)",),
    ("table.insert(_G, 1)",), ("getmetatable('').__index.x = 1",),
    ("return getmetatable(_G) ~= nil",), ("return os",), ("return io",), ("return require",),
    ("return loadfile",), ("return dofile",), ("return package",), ("return debug",),
    ("return print",), ("return getfenv",), ("return setfenv",), ("return newproxy",),
    ("return module",), ("return type(table.getn)",), ("return loadstring('return 1')()",),
    ("return _VERSION",), ("return type(coroutine.create)",), ("return type(string.dump)",),
    ("math.randomseed(0) return {math.random(), math.random(10), math.random(5,9)}",),
    ("math.randomseed(7); return {math.random(1000)}",),
    ("return cjson.decode('[1,2,{\"a\":3}]')[3].a",), ("return cjson.encode({a=1})",),
    ("return bit.tohex(255)",), ("return bit.bxor(5,3)",), ("return bit.band(7,3)",),
    # commands scripts may not run
    ("return redis.call('eval','return 1','0')",), ("return redis.pcall('eval','return 1','0')",),
    ("return redis.call('script','load','return 1')",), ("return redis.call('auth','x')",),
    ("return redis.call('hello')",), ("return redis.call('shutdown')",),
    ("return redis.call('client','list')",), ("return redis.call('config','get','x')",),
    ("return redis.call('save')",), ("return redis.call('select','0')",),
    # pub/sub: PUBLISH is allowed (it is a write for EVAL_RO), subscribing is not
    ("return redis.call('publish', 'nochan', 'm')",), ("return redis.call('spublish', 's', 'm')",),
    ("return redis.call('subscribe', 'c')",), ("return redis.pcall('psubscribe', 'c*')",),
    ("return redis.call('ssubscribe', 'c')",), ("return redis.call('unsubscribe')",),
    ("return redis.call('publish', 'nochan')",),
    # blocking commands: the noscript ones are refused, BLMPOP and BZMPOP act as timed out
    ("return redis.call('blpop', 'l', 0)",), ("return redis.call('brpop', 'nokey', 0)",),
    ("return redis.call('blmove', 'l', 'd', 'LEFT', 'LEFT', 0)",),
    ("return redis.call('brpoplpush', 'l', 'd', 0)",), ("return redis.call('bzpopmin', 'z', 0)",),
    ("return redis.call('bzpopmax', 'z', 0)",), ("return redis.call('blmpop', 0, 1, 'nokey', 'LEFT')",),
    ("return redis.call('bzmpop', 0, 1, 'nokey', 'MIN')",),
    # cmsgpack: Redis's encodings, byte for byte, and its decoding and errors
    ("return cmsgpack.pack(0, 1, -1, 127, 128, 255, 256, 65535, 65536, 4294967295, 4294967296, "
     "-32, -33, -128, -129, -32768, -32769, -2147483648, -2147483649, 2^53, -2^53, 2^60, -2^60, "
     "2^62 + 2^57, -2^63, 2^63, 2^64)",),
    ("return cmsgpack.pack(0.5, 1.5, -2.25, 0.1, -0.1, 1e300, 1/0, -1/0, 3.4e38, 1e-30, 1e-40, "
     "123456.789, 2^-126, -0.0)",),
    ("return cmsgpack.pack(nil, true, false, '', 'x', string.rep('a', 31), string.rep('b', 32), "
     "string.rep('c', 255), string.rep('d', 256), string.rep('e', 70000))",),
    ("return cmsgpack.pack({1, 2, 3}, {}, {a = 1}, {1, 2, nil, 4}, {[1] = 1, [3] = 3}, "
     "{1, {2, {3, {4}}}}, {x = {y = {z = {}}}}, {[1.5] = 1}, {[-1] = 'n'}, {[0] = 0}, {true})",),
    ("local t = {} local c = t for i = 1, 20 do c[1] = {} c = c[1] end return cmsgpack.pack(t)",),
    ("local t = {} for i = 1, 20 do t[i] = i end return cmsgpack.pack(t, {t})",),
    ("local t = {} for i = 1, 70000 do t[i] = i % 3 end return cmsgpack.pack(t)",),
    ("local t = {} for i = 1, 20 do t['k' .. i] = i end return cmsgpack.pack(t)",),
    ("local t = {a = 1, b = {1, 2}, c = 'x', [5] = 5} return cmsgpack.pack(t)",),
    ("return cmsgpack.pack(function() end, coroutine.create(function() end))",),
    ("return {cmsgpack.unpack(cmsgpack.pack(1, 'a', {1, 2}, {k = 'v'}, 1.5, -7, 2^40))}",),
    ("local a, b, c, d, e = cmsgpack.unpack(cmsgpack.pack(nil, false, true, 0.25, {nil, 2})) "
     "return {tostring(a), tostring(b), tostring(c), tostring(d), tostring(e[1]), e[2]}",),
    ("return select('#', cmsgpack.unpack(cmsgpack.pack(nil, nil, nil)))",),
    ("local t = cmsgpack.unpack(cmsgpack.pack({a = {b = {c = 'deep'}}, n = -3.5})) "
     "return {t.a.b.c, tostring(t.n)}",),
    ("return {cmsgpack.unpack('')}",), ("return cmsgpack.unpack('\\205')",),
    ("return cmsgpack.unpack('\\193')",), ("return cmsgpack.unpack('\\212\\1\\1')",),
    ("return cmsgpack.unpack('\\218\\0\\9abc')",), ("return cmsgpack.unpack()",),
    ("return cmsgpack.unpack({})",), ("return cmsgpack.pack()",), ("return cmsgpack.unpack(12)",),
    ("return tostring(cmsgpack.unpack('\\202\\63\\192\\0\\0'))",),
    ("return cmsgpack.unpack('\\196\\2ab')",), ("return cmsgpack.unpack('\\217\\3abc')",),
    ("return {cmsgpack.unpack_one(cmsgpack.pack(1, 2, 3))}",),
    ("return {cmsgpack.unpack_one(cmsgpack.pack(1, 2, 3), 1)}",),
    ("return {cmsgpack.unpack_one(cmsgpack.pack(1, 2, 3), 2)}",),
    ("return {cmsgpack.unpack_limit(cmsgpack.pack(1, 2, 3), 2)}",),
    ("return {cmsgpack.unpack_limit(cmsgpack.pack(1, 2, 3), 5, 1)}",),
    ("return {cmsgpack.unpack_limit(cmsgpack.pack(1, 2, 3), 0, 1)}",),
    ("return {cmsgpack.unpack_limit(cmsgpack.pack(1, 2, 3), 0)}",),
    ("return {cmsgpack.unpack_one(cmsgpack.pack(1), 5)}",),
    ("return {cmsgpack.unpack_limit('\\1', -1)}",), ("return {cmsgpack.unpack_limit('\\1')}",),
    ("return cmsgpack.unpack(cmsgpack.pack(2^60)) == 2^60",),
    ("return tostring(cmsgpack.unpack(cmsgpack.pack(0.1)))",),
    ("return tostring(cmsgpack.unpack(cmsgpack.pack(-2^63)))",),
    ("cmsgpack.x = 1",), ("return {cmsgpack._NAME, cmsgpack._VERSION}",),
    ("return type(cmsgpack.unpack_one)",),
]


def run_all(port, resp3):
    with Resp3Client(port) as c:
        for cmd in SETUP:
            c.call(*cmd)
        if resp3:
            c.call("HELLO", "3")
        out = []
        for case in CASES:
            body, rest = case[0], list(case[1:]) or ["0"]
            out.append((case, c.call_raw("EVAL", body, *rest)))
        return out


@pytest.mark.parametrize("resp3", [False, True])
def test_replies_match_redis(server, ref, resp3):
    mine = run_all(server.port, resp3)
    theirs = run_all(ref.port, resp3)
    for (case, a), (_, b) in zip(mine, theirs):
        assert a == b, case


def test_eval_errors_and_script_subcommands_match_redis(server, ref):
    script = "return 'loaded'"
    sequence = [
        ("EVAL", "return 1", "-1"), ("EVAL", "return 1", "3", "a"), ("EVAL", "return 1", "x"),
        ("EVAL", "return 1"), ("EVALSHA", "ffffffffffffffffffffffffffffffffffffffff", "0"),
        ("SCRIPT", "EXISTS", "b6af9d9bb9ac2a00a5d7a1a1aed4b3b4e8cbdd27"),
        ("SCRIPT", "LOAD", script), ("SCRIPT", "LOAD", "retur n"),
        ("SCRIPT", "EXISTS", "b6af9d9bb9ac2a00a5d7a1a1aed4b3b4e8cbdd27", "abc"),
        ("EVALSHA", "b6af9d9bb9ac2a00a5d7a1a1aed4b3b4e8cbdd27", "0"),
        ("EVALSHA", "B6AF9D9BB9AC2A00A5D7A1A1AED4B3B4E8CBDD27", "0"),
        ("EVALSHA_RO", "b6af9d9bb9ac2a00a5d7a1a1aed4b3b4e8cbdd27", "0"),
        ("EVAL", "return 7", "0"), ("SCRIPT", "EXISTS", "0ac9e4d3ecc2a2d4d5ddb8fa6b2c8b5f8e5ed4f5"),
        ("EVAL_RO", "return redis.call('get','k')", "0"),
        ("EVAL_RO", "return redis.call('set','k','1')", "0"),
        ("EVAL_RO", "return redis.pcall('set','k','1')", "0"), ("GET", "k"),
        ("SCRIPT", "FLUSH", "bad"), ("SCRIPT", "FLUSH", "SYNC", "x"), ("SCRIPT", "FLUSH", "ASYNC"),
        ("SCRIPT", "EXISTS", "b6af9d9bb9ac2a00a5d7a1a1aed4b3b4e8cbdd27"),
        ("EVALSHA", "b6af9d9bb9ac2a00a5d7a1a1aed4b3b4e8cbdd27", "0"), ("SCRIPT", "LOAD", script),
        ("SCRIPT", "FLUSH"), ("SCRIPT", "EXISTS", "b6af9d9bb9ac2a00a5d7a1a1aed4b3b4e8cbdd27"),
        ("SCRIPT", "KILL"), ("SCRIPT", "KILL", "x"), ("SCRIPT", "nope"), ("SCRIPT",),
        ("SCRIPT", "EXISTS"), ("SCRIPT", "LOAD"),
    ]
    with Resp3Client(server.port) as a, Resp3Client(ref.port) as b:
        for cmd in sequence:
            assert a.call_raw(*cmd) == b.call_raw(*cmd), cmd


def test_script_help_lists_redis_subcommands_mnemo_has(r):
    lines = r.execute_command("SCRIPT", "HELP")
    assert lines[0] == "SCRIPT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:"
    for sub in ("EXISTS <sha1> [<sha1> ...]", "FLUSH [ASYNC|SYNC]", "KILL", "LOAD <script>"):
        assert sub in lines


def test_script_writes_wake_blocked_clients(server):
    """A script's push serves a client blocked on the key, in the script's commit."""
    c, blocked = server.client(), Resp3Client(server.port)
    try:
        c.delete("wq")
        blocked.sock.sendall(encode_command("BLPOP", "wq", "0"))
        wait_until(lambda: int(c.info("clients")["blocked_clients"]) == 1, what="blocked")
        assert c.eval("return redis.call('rpush', KEYS[1], 'a', 'b')", 1, "wq") == 2
        assert blocked.read()[1] == b"*2\r\n$2\r\nwq\r\n$1\r\na\r\n"
        assert c.lrange("wq", 0, -1) == [b"b"]
    finally:
        blocked.close()


def test_writes_and_namespaces(r):
    assert r.eval("redis.call('set', KEYS[1], ARGV[1]); return redis.call('get', KEYS[1])",
                  1, "k", "v") == "v"
    assert r.get("k") == "v"
    # A script that fails after writing keeps its writes, as in Redis.
    with pytest.raises(redis.ResponseError):
        r.eval("redis.call('set', KEYS[1], 'w') error('late')", 1, "k2")
    assert r.get("k2") == "w"
    # MSET inside a script goes into the script's batch like every other write.
    assert r.eval("return redis.call('mset', 'm1', '1', 'm2', '2')", 0) == "OK"
    assert r.mget("m1", "m2") == ["1", "2"]
    # Reads inside a script see the script's own writes.
    assert r.eval("redis.call('incr','c') redis.call('incr','c') return redis.call('get','c')",
                  0) == "2"


def test_script_is_atomic_for_concurrent_readers(server):
    """A script increments 10 keys; readers reading them in order can only ever see a prefix
    at the new value and the rest at the old one reversed: never a later key ahead of an
    earlier one (which a partially visible script would show)."""
    keys = ["atom%d" % i for i in range(10)]
    body = "for i, k in ipairs(KEYS) do redis.call('incr', k) end return 1"
    runs = 60 if SANITIZED else 200
    stop = threading.Event()
    bad = []

    def reader(order):
        c = server.client()
        while not stop.is_set():
            vals = [int(v or 0) for v in c.mget(*[keys[i] for i in order])]
            # Values read later may only be newer (higher or equal), never older.
            if any(vals[i] > vals[i + 1] for i in range(len(vals) - 1)):
                bad.append((order[0], vals))
            via_script = c.eval("return redis.call('mget', unpack(KEYS))", 10, *keys)
            if len(set(via_script)) != 1:
                bad.append(("script", via_script))

    readers = [threading.Thread(target=reader, args=(o,))
               for o in (list(range(10)), list(range(9, -1, -1)))]
    for t in readers:
        t.start()
    w = server.client()
    try:
        for _ in range(runs):
            w.eval(body, 10, *keys)
    finally:
        stop.set()
        for t in readers:
            t.join(timeout=60)
    assert not bad, bad[:3]
    assert [int(v) for v in w.mget(*keys)] == [runs] * 10


def test_undeclared_keys_are_written_atomically(r):
    # Keys outside KEYS are locked as the script touches them (or the script reruns).
    assert r.eval("for i = 1, 5 do redis.call('incr', 'u' .. i) end return 1", 0) == 1
    assert r.mget("u1", "u5") == ["1", "1"]


def test_undeclared_key_under_concurrent_writers_loses_nothing(server):
    """A key outside KEYS that other clients write at the same time: the script either takes
    its stripe or is run again with it locked, so no increment of either side is lost."""
    rounds, per_script, per_pipeline = (20, 20, 50) if SANITIZED else (60, 50, 100)
    stop = threading.Event()
    done = [0]

    def writer():
        c = server.client()
        while not stop.is_set():
            p = c.pipeline(transaction=False)
            for _ in range(per_pipeline):
                p.incr("shared")
            p.execute()
            done[0] += per_pipeline

    t = threading.Thread(target=writer)
    t.start()
    c = server.client()
    try:
        for _ in range(rounds):
            c.eval("for i = 1, %d do redis.call('incr', 'shared') end return 1" % per_script, 0)
    finally:
        stop.set()
        t.join(timeout=120)
    assert int(c.get("shared")) == rounds * per_script + done[0]


def test_busy_and_script_kill(server):
    c = server.client()
    c.config_set("busy-reply-threshold", "50")
    assert c.config_get("lua-time-limit") == {"lua-time-limit": "50"}
    looper = Resp3Client(server.port)
    other = Resp3Client(server.port)
    try:
        looper.sock.sendall(encode_command("EVAL", "while true do end", "0"))
        wait_until(lambda: other.call_raw("PING").startswith(b"-BUSY"), what="-BUSY")
        busy = other.call_raw("GET", "x")
        assert busy == (b"-BUSY Mnemo is busy running a script. You can only call SCRIPT KILL "
                        b"or SHUTDOWN NOSAVE.\r\n")
        assert other.call_raw("SCRIPT", "LOAD", "return 1").startswith(b"-BUSY")
        assert other.call_raw("SCRIPT", "KILL") == b"+OK\r\n"
        killed = looper.read()[1]
        assert killed.startswith(b"-ERR Script killed by user with SCRIPT KILL... script: ")
        assert other.call_raw("PING") == b"+PONG\r\n"
        # A script that wrote is killed too: nothing of it was visible, so all of it is dropped.
        looper.sock.sendall(encode_command(
            "EVAL", "redis.call('set', KEYS[1], 'partial') while true do end", "1", "wk"))
        wait_until(lambda: other.call_raw("PING").startswith(b"-BUSY"), what="-BUSY")
        assert other.call_raw("SCRIPT", "KILL") == b"+OK\r\n"
        assert looper.read()[1].startswith(b"-ERR Script killed by user")
        assert other.call_raw("GET", "wk") == b"$-1\r\n"
        assert other.call_raw("SCRIPT", "KILL") == \
            b"-NOTBUSY No scripts in execution right now.\r\n"
    finally:
        looper.close()
        other.close()
        c.config_set("busy-reply-threshold", "5000")


def test_memory_bomb_is_stopped(server):
    c = server.client()
    c.config_set("lua-memory-limit", "16mb")
    with pytest.raises(redis.ResponseError, match="lua-memory-limit"):
        c.eval("local t={} for i=1,1e9 do t[i]=string.rep('x',1000) end", 0)
    assert c.ping()
    assert int(c.info("memory")["used_memory_lua"]) < 16 * 1024 * 1024
    assert c.eval("return 'still fine'", 0) == b"still fine"
    # A write made before the bomb is dropped with it.
    with pytest.raises(redis.ResponseError, match="lua-memory-limit"):
        c.eval("redis.call('set','before','1') local t={} while true do t[#t+1]={} end", 0)
    assert c.get("before") is None
    c.config_set("lua-memory-limit", "128mb")


def test_write_limit_rolls_the_script_back(server):
    c = server.client()
    c.config_set("lua-write-limit", "1mb")
    big = "x" * 100000
    with pytest.raises(redis.ResponseError, match="lua-write-limit"):
        c.eval("for i = 1, 50 do redis.call('set', 'big' .. i, ARGV[1]) end", 0, big)
    assert c.exists("big1") == 0
    c.config_set("lua-write-limit", "64mb")


def test_memory_fields(r):
    r.script_flush()
    r.script_load("return 'a'")
    r.eval("return 'b'", 0)
    mem = r.info("memory")
    assert mem["number_of_cached_scripts"] == 2
    assert int(mem["used_memory_lua"]) > 10000
    assert mem["used_memory_vm_eval"] == mem["used_memory_lua"]
    assert int(mem["used_memory_scripts"]) >= len("return 'a'") + len("return 'b'")
    assert int(mem["mem_lua"]) == int(mem["used_memory_lua"]) + int(mem["used_memory_scripts"])
    stats = r.memory_stats()
    assert stats["lua.caches"] == int(mem["used_memory_scripts"])
    r.script_flush()
    assert r.info("memory")["number_of_cached_scripts"] == 0


def test_eval_cache_is_bounded(r):
    r.script_flush()
    loaded = r.script_load("return 'kept'")
    for i in range(520):
        r.eval("return %d" % i, 0)
    assert r.info("memory")["number_of_cached_scripts"] == 501
    assert r.script_exists(loaded) == [True]
    assert r.evalsha(loaded, 0) == "kept"
