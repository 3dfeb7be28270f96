"""RESP3: HELLO 3 switches a connection to RESP3, and every command Mnemo has answers with the
bytes (or, where values differ by nature, the structure) redis-server 7.0 sends. The comparison
runs against a real redis-server started here (installed by scripts/install-deps.sh)."""
import os
import shutil
import subprocess
import tempfile
import time

import pytest
import redis

from conftest import SANITIZED, free_port
from helpers import RawClient, RespError, wait_until
from resp3_client import Resp3Client, plain, shape

REDIS_SERVER = shutil.which("redis-server") or "/usr/bin/redis-server"


@pytest.fixture(scope="module")
def redis_port():
    d = tempfile.mkdtemp(prefix="mnemo-it-redis-")
    port = free_port()
    proc = subprocess.Popen([REDIS_SERVER, "--port", str(port), "--bind", "127.0.0.1",
                             "--save", "", "--appendonly", "no", "--dir", d],
                            stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)

    def up():
        try:
            return redis.Redis(port=port, socket_timeout=5).ping()
        except redis.exceptions.ConnectionError:
            return False
    wait_until(up, timeout=30, what="redis-server to start")
    yield port
    proc.terminate()
    proc.wait(timeout=60)
    shutil.rmtree(d, ignore_errors=True)


# What both servers get, in order, on one RESP3 connection each. "exact": same bytes; "shape":
# same types and structure (values differ by nature: ids, times, cursors); "type": same top-level
# type only (the content differs: INFO text, MEMORY STATS fields, help lines); "jemalloc": as
# "type", but a build without jemalloc (MNEMO_SANITIZED=1) answers an error instead.
SCRIPT = [
    ("exact", "FLUSHALL"),
    ("exact", "PING"),
    ("exact", "PING", "hi"),
    ("exact", "ECHO", "x"),
    ("exact", "SELECT", "0"),
    ("exact", "SET", "k", "v"),
    ("exact", "GET", "k"),
    ("exact", "GET", "missing"),
    ("exact", "SET", "k", "v", "NX"),
    ("exact", "SET", "k", "v2", "GET"),
    ("exact", "SET", "nk", "v", "XX"),
    ("exact", "SET", "nk", "v", "XX", "GET"),
    ("exact", "SET", "fresh", "v", "NX", "GET"),
    ("exact", "SETNX", "k", "x"),
    ("exact", "SETEX", "ex", "100", "v"),
    ("exact", "PSETEX", "pex", "100000", "v"),
    ("exact", "GETSET", "k", "v3"),
    ("exact", "GETSET", "gs", "v"),
    ("exact", "MGET", "k", "missing", "ex"),
    ("exact", "MSET", "a", "1", "b", "2"),
    ("exact", "MSETNX", "a", "1", "c", "3"),
    ("exact", "GETDEL", "b"),
    ("exact", "GETDEL", "b"),
    ("exact", "GETEX", "a"),
    ("exact", "GETEX", "missing"),
    ("exact", "GETEX", "a", "PERSIST"),
    ("exact", "APPEND", "a", "23"),
    ("exact", "STRLEN", "a"),
    ("exact", "STRLEN", "missing"),
    ("exact", "INCR", "n"),
    ("exact", "DECR", "n"),
    ("exact", "INCRBY", "n", "10"),
    ("exact", "DECRBY", "n", "3"),
    ("exact", "INCRBYFLOAT", "f", "1.5"),
    ("exact", "INCRBYFLOAT", "f", "0.1"),
    ("exact", "INCR", "k"),
    ("exact", "GETRANGE", "a", "0", "1"),
    ("exact", "GETRANGE", "missing", "0", "1"),
    ("exact", "SETRANGE", "sr", "3", "abc"),
    ("exact", "GET", "sr"),
    ("exact", "EXISTS", "a", "missing", "a"),
    ("exact", "TYPE", "a"),
    ("exact", "TYPE", "missing"),
    ("exact", "EXPIRE", "a", "1000"),
    ("exact", "PEXPIRE", "c", "1000000"),
    ("exact", "EXPIRE", "missing", "10"),
    ("exact", "TTL", "a"),
    ("exact", "TTL", "missing"),
    ("exact", "TTL", "k"),
    ("shape", "PTTL", "c"),
    ("shape", "EXPIRETIME", "a"),
    ("shape", "PEXPIRETIME", "a"),
    ("exact", "PERSIST", "a"),
    ("exact", "PERSIST", "a"),
    ("exact", "EXPIREAT", "missing", "1"),
    ("exact", "PEXPIREAT", "c", "99999999999999"),
    ("exact", "RENAME", "a", "a2"),
    ("exact", "RENAME", "missing", "x"),
    ("exact", "RENAMENX", "a2", "k"),
    ("exact", "RENAMENX", "a2", "a3"),
    ("exact", "DEL", "a3", "missing"),
    ("exact", "DBSIZE"),
    ("shape", "KEYS", "*"),
    ("shape", "SCAN", "0", "COUNT", "1000"),
    ("exact", "SCAN", "0", "MATCH", "nothing*", "COUNT", "1000"),
    ("exact", "GET", "a", "b"),
    ("exact", "NOSUCHCOMMAND", "x"),
    ("exact", "CLIENT", "GETNAME"),
    ("exact", "CLIENT", "SETNAME", "me"),
    ("exact", "CLIENT", "GETNAME"),
    ("exact", "CLIENT", "SETNAME", "a b"),
    ("shape", "CLIENT", "ID"),
    ("shape", "CLIENT", "INFO"),
    ("shape", "CLIENT", "LIST"),
    ("exact", "CLIENT", "KILL", "ID", "999999"),
    ("exact", "CLIENT", "KILL", "1.2.3.4:5"),
    ("type", "CLIENT", "HELP"),
    ("type", "INFO"),
    ("type", "INFO", "keyspace"),
    ("exact", "CONFIG", "GET", "maxmemory"),
    ("exact", "CONFIG", "GET", "no-such-parameter"),
    ("exact", "CONFIG", "SET", "maxmemory", "0"),
    ("exact", "CONFIG", "RESETSTAT"),
    ("type", "CONFIG", "HELP"),
    ("shape", "TIME"),
    ("shape", "COMMAND", "COUNT"),
    ("exact", "COMMAND", "INFO", "nosuchcommand"),
    ("exact", "COMMAND", "GETKEYS", "GET", "k"),
    ("exact", "COMMAND", "GETKEYS", "MSET", "a", "1", "b", "2"),
    ("type", "COMMAND", "DOCS", "get"),
    ("exact", "COMMAND", "LIST", "FILTERBY", "PATTERN", "getdel"),
    ("shape", "MEMORY", "USAGE", "k"),
    ("exact", "MEMORY", "USAGE", "missing"),
    ("type", "MEMORY", "STATS"),
    ("type", "MEMORY", "DOCTOR"),
    ("jemalloc", "MEMORY", "MALLOC-STATS"),
    ("type", "MEMORY", "HELP"),
    ("exact", "FLUSHDB"),
    ("exact", "RANDOMKEY"),
    ("exact", "SET", "only", "1"),
    ("exact", "RANDOMKEY"),
    ("exact", "HELLO", "4"),
    ("exact", "HELLO", "3", "foo"),
]


def run_script(port):
    out = []
    with Resp3Client(port) as c:
        assert c.call("HELLO", "3")[0] == "map"
        for mode, *cmd in SCRIPT:
            c.sock.sendall(__import__("helpers").encode_command(*cmd))
            out.append((mode, cmd) + c.read())
    return out


def test_every_command_answers_as_redis_does_in_resp3(server, redis_port):
    ours, theirs = run_script(server.port), run_script(redis_port)
    diffs = []
    for (mode, cmd, v, raw), (_, _, rv, rraw) in zip(ours, theirs):
        if mode == "exact":
            same = raw == rraw
        elif mode == "shape":
            same = shape(v) == shape(rv)
        elif mode == "jemalloc" and SANITIZED:
            same = v[0] == "error" and "not available" in v[1]
        else:
            same = v[0] == rv[0] and (v[0] != "verbatim" or v[1] == rv[1])
        if not same:
            diffs.append("%s %s:\n  mnemo: %r\n  redis: %r" % (mode, " ".join(cmd), raw[:300],
                                                               rraw[:300]))
    assert not diffs, "\n".join(diffs)


def test_hello_reply_matches_redis_but_for_identity(server, redis_port):
    with Resp3Client(server.port) as m, Resp3Client(redis_port) as r:
        ours, theirs = m.call("HELLO", "3"), r.call("HELLO", "3")
    assert ours[0] == theirs[0] == "map"
    om, tm = plain(ours), plain(theirs)
    assert list(om)[:7] == list(tm) == ["server", "version", "proto", "id", "mode", "role",
                                        "modules"]
    assert om["server"] == "mnemo" and om["version"] == "7.0.0" and om["proto"] == 3
    assert om["mnemo_version"] and list(om)[7:] == ["mnemo_version"]
    assert om["modules"] == [] and om["mode"] == "standalone" and om["role"] == "master"


def test_exact_resp3_bytes(server):
    with Resp3Client(server.port) as c:
        hello = c.call_raw("HELLO", "3")
        assert hello.startswith(b"%8\r\n$6\r\nserver\r\n$5\r\nmnemo\r\n$7\r\nversion\r\n$5\r\n7.0.0\r\n"
                                b"$5\r\nproto\r\n:3\r\n$2\r\nid\r\n:")
        assert c.call_raw("GET", "missing") == b"_\r\n"
        assert c.call_raw("MGET", "missing") == b"*1\r\n_\r\n"
        assert c.call_raw("CONFIG", "GET", "maxmemory") == b"%1\r\n$9\r\nmaxmemory\r\n$1\r\n0\r\n"
        assert c.call_raw("EXISTS", "missing") == b":0\r\n"
        assert c.call_raw("CLIENT", "GETNAME") == b"_\r\n"
        assert c.call_raw("COMMAND", "INFO", "nosuch") == b"*1\r\n_\r\n"
        info = c.call("INFO", "server")
        assert info[0] == "verbatim" and info[1] == "txt" and b"redis_version:7.0.0" in info[2]
        stats = c.call("MEMORY", "STATS")
        assert stats[0] == "map"
        kinds = {plain(k): v[0] for k, v in stats[1]}
        assert kinds["peak.percentage"] == "double" and kinds["keys.count"] == "int"
        # Back to RESP2 on the same connection.
        assert c.call_raw("HELLO", "2").startswith(b"*16\r\n")
        assert c.call_raw("GET", "missing") == b"$-1\r\n"
        assert c.call_raw("CONFIG", "GET", "maxmemory") == b"*2\r\n$9\r\nmaxmemory\r\n$1\r\n0\r\n"
        assert c.call_raw("INFO", "server").startswith(b"$")


def test_hello_without_version_keeps_the_protocol(server):
    with Resp3Client(server.port) as c:
        flat = c.call("HELLO")
        assert flat[0] == "array"  # RESP2: a flat key, value list
        assert dict(zip(plain(flat)[0::2], plain(flat)[1::2]))["proto"] == 2
        assert c.call_raw("GET", "missing") == b"$-1\r\n"
        assert plain(c.call("HELLO", "3"))["proto"] == 3
        hello = c.call("HELLO")
        assert hello[0] == "map" and plain(hello)["proto"] == 3
        assert c.call_raw("GET", "missing") == b"_\r\n"


def test_hello_auth_and_setname_in_one_call(server_factory):
    s = server_factory(extra_args=["--requirepass", "secret"])
    with Resp3Client(s.port) as c:
        assert c.call("HELLO", "3", "AUTH", "default", "wrong") == \
            ("error", "WRONGPASS invalid username-password pair or user is disabled.")
        assert c.call("GET", "x")[0] == "error"  # still unauthenticated, still RESP2
        assert c.call_raw("HELLO", "3", "AUTH", "default", "secret", "SETNAME", "app")[:4] == \
            b"%8\r\n"
        assert c.call("CLIENT", "GETNAME") == ("bulk", b"app")
        assert c.call_raw("GET", "x") == b"_\r\n"
        info = plain(c.call("CLIENT", "INFO"))
        assert " name=app " in info and " resp=3 " in info


def test_deferred_replies_use_the_connection_protocol(server):
    with Resp3Client(server.port) as c:
        c.call("HELLO", "3")
        listing = c.call("CLIENT", "LIST")  # built on the background thread
        assert listing[0] == "verbatim" and b" resp=3 " in listing[2]
        assert c.call("CLIENT", "KILL", "ID", "999999") == ("int", 0)
        assert c.call("CLIENT", "KILL", "1.2.3.4:5") == ("error", "ERR No such client")
    with RawClient(server.port) as c:
        assert isinstance(c.call("CLIENT", "LIST"), bytes)  # RESP2: a bulk string


def test_redis_py_sees_resp3_clients_in_client_list(server):
    # The installed redis-py (4.3) speaks RESP2 only; it still reads the fields RESP3 clients
    # leave behind.
    c = redis.Redis(port=server.port, decode_responses=True, socket_timeout=30)
    with Resp3Client(server.port) as other:
        other.call("HELLO", "3", "SETNAME", "r3")
        listing = {x["name"]: x for x in c.client_list()}
        assert listing["r3"]["resp"] == "3"
    assert c.client_info()["resp"] == "2"
    assert c.info("server")["redis_version"] == "7.0.0"
    c.close()


def test_redis_cli_resp3(server):
    out = subprocess.run(["redis-cli", "--no-raw", "-3", "-p", str(server.port), "hello", "3"],
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert "proto" in out.stdout and "NOPROTO" not in out.stdout + out.stderr
    lines = out.stdout.split("\n")
    assert lines[0].startswith("1# \"server\" => \"mnemo\"")
    assert '3# "proto" => (integer) 3' in out.stdout


def test_errors_and_resp2_default(server):
    with RawClient(server.port) as c:
        assert c.call("HELLO", "1") == RespError("NOPROTO unsupported protocol version")
        assert c.call("HELLO", "4") == RespError("NOPROTO unsupported protocol version")
        assert c.call("HELLO", "x") == RespError(
            "ERR Protocol version is not an integer or out of range")
        assert c.call("GET", "missing") is None  # still RESP2


REDIS_70_CLIENT_FIELDS = [
    "id", "addr", "laddr", "fd", "name", "age", "idle", "flags", "db", "sub", "psub", "ssub",
    "multi", "qbuf", "qbuf-free", "argv-mem", "multi-mem", "rbs", "rbp", "obl", "oll", "omem",
    "tot-mem", "events", "cmd", "user", "redir", "resp"]


def client_fields(line):
    return [f.split("=", 1)[0] for f in line.strip().split(" ")]


def test_client_info_fields_in_redis_order(server, redis_port):
    with Resp3Client(redis_port) as c:
        theirs = client_fields(plain(c.call("CLIENT", "INFO")))
    assert theirs == REDIS_70_CLIENT_FIELDS  # the redis-server on this machine is 7.0
    with Resp3Client(server.port) as c:
        c.call("HELLO", "3")
        ours = client_fields(plain(c.call("CLIENT", "INFO")))
        listed = [client_fields(l) for l in plain(c.call("CLIENT", "LIST")).split("\n") if l]
    # Redis 7.0's fields, then Redis 7.2's CLIENT SETINFO fields, then Mnemo's own.
    assert ours == REDIS_70_CLIENT_FIELDS + ["lib-name", "lib-ver", "ns"]
    assert listed and all(f == ours for f in listed)


def test_client_setinfo_shows_in_client_list(server):
    c = server.client(decode_responses=True)
    assert c.execute_command("CLIENT", "SETINFO", "LIB-NAME", "mylib") == "OK"
    assert c.execute_command("CLIENT", "SETINFO", "lib-ver", "1.2.3") == "OK"
    me = c.client_info()
    assert (me["lib-name"], me["lib-ver"], me["resp"]) == ("mylib", "1.2.3", "2")
    row = [x for x in c.client_list() if int(x["id"]) == c.client_id()][0]
    assert (row["lib-name"], row["lib-ver"], row["ns"]) == ("mylib", "1.2.3", "__namespace")
    with pytest.raises(redis.ResponseError) as e:
        c.execute_command("CLIENT", "SETINFO", "lib-color", "x")
    assert str(e.value) == "Unrecognized option 'lib-color'"
    with pytest.raises(redis.ResponseError) as e:
        c.execute_command("CLIENT", "SETINFO", "lib-name", "a b")
    assert str(e.value) == "lib-name cannot contain spaces, newlines or special characters."
    assert c.client_info()["lib-name"] == "mylib"  # unchanged by the refused call
    c.close()


def test_command_info_flags_are_sets_as_in_redis(server, redis_port):
    for port in (server.port, redis_port):
        with Resp3Client(port) as c:
            c.call("HELLO", "3")
            kind, entries = c.call("COMMAND", "INFO", "get")
            assert kind == "array" and entries[0][0] == "array"
            info = entries[0][1]
            assert info[2][0] == "set" and ("simple", "readonly") in info[2][1]
            assert info[6][0] == "set"  # ACL categories


def test_kprofile_info_is_a_map_in_resp3(server):
    with Resp3Client(server.port) as c:
        c.call("HELLO", "3")
        reply = c.call("KPROFILE", "MEMORY", "INFO")
        if SANITIZED:  # no jemalloc: the profiler is not armed
            assert reply[0] == "error"
        else:
            assert reply[0] == "map" and "active" in plain(reply)
        c.call("HELLO", "2")
        reply = c.call("KPROFILE", "MEMORY", "INFO")
        assert reply[0] == ("error" if SANITIZED else "array")


def test_client_list_cmd_names_the_subcommand(server):
    c = server.client(decode_responses=True)
    assert c.client_info()["cmd"] == "client|info"
    c_id = c.client_id()
    c.config_get("maxmemory")
    other = server.client(decode_responses=True)
    rows = {int(x["id"]): x for x in other.client_list()}
    assert rows[c_id]["cmd"] == "config|get"
    assert rows[other.client_id()]["cmd"] == "client|list"
    c.memory_stats()
    assert {int(x["id"]): x for x in other.client_list()}[c_id]["cmd"] == "memory|stats"
    c.get("x")
    assert {int(x["id"]): x for x in other.client_list()}[c_id]["cmd"] == "get"
    c.close()
    other.close()
