"""Connection and server commands: PING, ECHO, QUIT, SELECT, AUTH, HELLO, CLIENT, COMMAND, INFO,
CONFIG, TIME, SHUTDOWN."""
import contextlib
import os
import shutil
import socket
import subprocess
import tempfile
import time

import pytest
import redis

from conftest import MNEMO_BIN, SANITIZED, log_messages
from helpers import (RawClient, RespError, assert_error, cmd_error, encode_command, raw,
                     wait_until)

NOAUTH = "Authentication required."
# The words of redis-server 7.0, the reference on this machine.
HELLO_NOAUTH = (
    "HELLO must be called with the client already authenticated, otherwise the HELLO "
    "AUTH <user> <pass> option can be used to authenticate the client and select the RESP "
    "protocol version at the same time")
WRONGPASS = "WRONGPASS invalid username-password pair or user is disabled."


@pytest.fixture
def r(sr):
    return sr  # the module shares one server; every test starts with it empty


def info_fields(client, *sections):
    """INFO as a dict of field -> text, plus '#sections' -> list of section headers."""
    text = raw(client, "INFO", *sections)
    fields = {"#sections": []}
    for line in text.split("\r\n"):
        if line.startswith("# "):
            fields["#sections"].append(line[2:])
        elif line:
            k, _, v = line.partition(":")
            fields[k] = v
    return fields


@pytest.fixture
def restore_config(shared_server):
    """Puts back every runtime setting a CONFIG SET test changed on the shared server."""
    c = shared_server.client(decode_responses=True)
    before = c.config_get("*")
    yield
    after = c.config_get("*")
    for k, v in before.items():
        if after.get(k) != v:
            c.config_set(k, v)
    c.connection_pool.disconnect()


@contextlib.contextmanager
def kill_if_hung(server):
    """A command that never answers is a server bug; kill the server so the fixture's teardown
    does not wait for a clean shutdown it cannot get, and fail with a clear message."""
    try:
        yield
    except (redis.exceptions.TimeoutError, socket.timeout) as e:
        server.kill9()
        raise AssertionError("the server stopped answering (hung worker?): %r" % e)


# ---------------------------------------------------------------------------------------------
# PING / ECHO / QUIT / SELECT / TIME


def test_ping_echo(r):
    assert raw(r, "PING") == "PONG"
    assert raw(r, "PING", "hello world") == "hello world"
    assert raw(r, "PING", "") == ""
    assert cmd_error(r, "PING", "a", "b") == "wrong number of arguments for 'ping' command"
    assert r.echo("hi") == "hi"
    assert r.echo("") == ""
    assert cmd_error(r, "ECHO") == "wrong number of arguments for 'echo' command"
    assert cmd_error(r, "ECHO", "a", "b") == "wrong number of arguments for 'echo' command"


def test_echo_binary(shared_server, sr):
    c = shared_server.client()
    v = b"\0\r\n\xff$3\r\n"
    assert c.echo(v) == v
    assert raw(c, "PING", v) == v
    c.close()


def test_quit_replies_ok_then_closes(shared_server, sr):
    with RawClient(shared_server.port) as c:
        assert c.call("SET", "before", "1") == "OK"
        c.send(b"*1\r\n$4\r\nQUIT\r\n*1\r\n$4\r\nPING\r\n")
        assert c.read_reply() == "OK"
        assert c.read_until_closed() == b""  # the PING after QUIT is not answered
    assert sr.get("before") == "1"


def test_select(r):
    assert raw(r, "SELECT", 0) == "OK"
    assert cmd_error(r, "SELECT", 1) == "DB index is out of range"
    assert cmd_error(r, "SELECT", 16) == "DB index is out of range"
    assert cmd_error(r, "SELECT", -1) == "DB index is out of range"
    assert cmd_error(r, "SELECT", "abc") == "value is not an integer or out of range"
    r.set("k", "v")
    assert r.get("k") == "v"  # still database 0


def test_time(r):
    before = time.time()
    secs, usecs = raw(r, "TIME")
    after = time.time()
    t = int(secs) + int(usecs) / 1e6
    assert 0 <= int(usecs) < 1000000
    assert before - 5 <= t <= after + 5
    assert cmd_error(r, "TIME", "x") == "wrong number of arguments for 'time' command"


# ---------------------------------------------------------------------------------------------
# AUTH / HELLO


def test_auth_without_requirepass(r):
    assert cmd_error(r, "AUTH", "foo") == (
        "AUTH <password> called without any password configured for the default user. "
        "Are you sure your configuration is correct?")
    assert cmd_error(r, "AUTH", "a", "b", "c") == "syntax error"
    assert cmd_error(r, "AUTH", "nobody", "pw") == WRONGPASS
    assert r.ping()


def test_auth_default_user_without_requirepass_is_ok(r):
    # Redis 7: the default user has no password ("nopass"), so AUTH default <anything> succeeds.
    assert raw(r, "AUTH", "default", "anything") == "OK"
    assert raw(r, "HELLO", "2", "AUTH", "default", "anything")[4:6] == ["proto", 2]


def test_requirepass(server_factory):
    s = server_factory(extra_args=["--requirepass", "secret"])
    c = s.client(decode_responses=True)
    for args in (["GET", "a"], ["SET", "a", "b"], ["PING"], ["ECHO", "x"], ["SELECT", "0"],
                 ["CLIENT", "ID"], ["INFO"], ["CONFIG", "GET", "requirepass"], ["KEYS", "*"]):
        assert_error(raw, c, *args, text=NOAUTH, exc=redis.AuthenticationError)
    assert cmd_error(c, "AUTH", "wrong") == WRONGPASS
    assert cmd_error(c, "AUTH", "default", "wrong") == WRONGPASS
    assert cmd_error(c, "AUTH", "bob", "secret") == WRONGPASS
    assert_error(raw, c, "GET", "a", text=NOAUTH, exc=redis.AuthenticationError)
    assert raw(c, "AUTH", "secret") == "OK"
    assert c.set("a", "1")
    assert c.get("a") == "1"
    assert raw(c, "AUTH", "default", "secret") == "OK"
    c.close()
    # A client configured with the password authenticates on connect.
    ok = s.client(password="secret", decode_responses=True)
    assert ok.get("a") == "1"
    ok.close()
    ok = s.client(username="default", password="secret", decode_responses=True)
    assert ok.get("a") == "1"
    ok.close()
    # QUIT needs no authentication.
    with RawClient(s.port) as rc:
        assert rc.call("QUIT") == "OK"
        assert rc.read_until_closed() == b""


def test_requirepass_set_at_runtime(server_factory):
    s = server_factory()
    c = s.client(decode_responses=True)
    assert c.config_set("requirepass", "newpw") is True
    other = s.client(decode_responses=True)
    assert_error(raw, other, "GET", "a", text=NOAUTH, exc=redis.AuthenticationError)
    assert raw(other, "AUTH", "newpw") == "OK"
    assert other.get("a") is None
    assert c.config_set("requirepass", "") is True
    c.close()
    other.close()


def test_hello(r):
    reply = raw(r, "HELLO", "2")
    assert isinstance(reply, list) and len(reply) == 16
    m = dict(zip(reply[0::2], reply[1::2]))
    assert m["proto"] == 2
    assert m["id"] == r.client_id()
    assert m["mode"] == "standalone"
    assert m["role"] == "master"
    assert m["modules"] == []
    assert m["server"] == "mnemo" and m["version"] == "7.0.0"
    assert m["mnemo_version"] == info_fields(r, "server")["mnemo_version"]
    assert set(m) == {"server", "version", "proto", "id", "mode", "role", "modules",
                      "mnemo_version"}
    assert raw(r, "HELLO")[4:6] == ["proto", 2]
    assert raw(r, "HELLO", "2", "SETNAME", "myname")[4:6] == ["proto", 2]
    assert r.client_getname() == "myname"


def test_hello_errors(r):
    for v in ("1", "4", "0", "-1", "99999999999"):
        assert cmd_error(r, "HELLO", v) == "NOPROTO unsupported protocol version"
    assert cmd_error(r, "HELLO", "abc") == "Protocol version is not an integer or out of range"
    assert cmd_error(r, "HELLO", "2", "foo") == "Syntax error in HELLO option 'foo'"
    assert cmd_error(r, "HELLO", "2", "AUTH", "default") == "Syntax error in HELLO option 'AUTH'"
    assert cmd_error(r, "HELLO", "2", "SETNAME") == "Syntax error in HELLO option 'SETNAME'"
    assert r.ping()  # still RESP2


def test_hello_setname_validates_name(r):
    assert cmd_error(r, "HELLO", "2", "SETNAME", "a b") == \
        "Client names cannot contain spaces, newlines or special characters."
    assert r.client_getname() is None


def test_hello_with_requirepass(server_factory):
    s = server_factory(extra_args=["--requirepass", "secret"])
    c = s.client(decode_responses=True)
    assert_error(raw, c, "HELLO", "2", exc=redis.AuthenticationError, text=HELLO_NOAUTH)
    assert cmd_error(c, "HELLO", "2", "AUTH", "default", "wrong") == WRONGPASS
    assert_error(raw, c, "GET", "a", text=NOAUTH, exc=redis.AuthenticationError)
    reply = raw(c, "HELLO", "2", "AUTH", "default", "secret", "SETNAME", "x")
    m = dict(zip(reply[0::2], reply[1::2]))
    assert m["proto"] == 2
    assert c.client_getname() == "x"
    assert c.get("a") is None
    c.close()


def test_hello_version_3_with_requirepass(server_factory):
    # Only versions outside 2..3 are refused (-NOPROTO) before authentication; an
    # unauthenticated HELLO 3 gets -NOAUTH, as in Redis 7.
    s = server_factory(extra_args=["--requirepass", "secret"])
    with RawClient(s.port) as c:
        assert c.call("HELLO", "3") == RespError("NOAUTH " + HELLO_NOAUTH)
        assert c.call("HELLO", "4") == RespError("NOPROTO unsupported protocol version")
        assert c.call("HELLO", "1") == RespError("NOPROTO unsupported protocol version")
        assert c.call("HELLO", "3", "AUTH", "default", "wrong") == RespError(WRONGPASS)
        # A bad name after the right password: refused, and nothing is applied.
        assert c.call("HELLO", "2", "AUTH", "default", "secret", "SETNAME", "a b") == \
            RespError("ERR Client names cannot contain spaces, newlines or special characters.")
        assert c.call("GET", "a") == RespError("NOAUTH " + NOAUTH)
        # SETNAME is not applied (nor its name checked) before authentication.
        assert c.call("HELLO", "2", "SETNAME", "x") == RespError("NOAUTH " + HELLO_NOAUTH)
        assert c.call("HELLO", "2", "SETNAME", "a b") == RespError("NOAUTH " + HELLO_NOAUTH)
        assert c.call("AUTH", "secret") == "OK"
        assert c.call("CLIENT", "GETNAME") is None
        assert c.call("HELLO", "4") == RespError("NOPROTO unsupported protocol version")
        assert c.call("HELLO", "2")[4:6] == [b"proto", 2]


def test_hello_auth_checks_the_user_name(server_factory):
    s = server_factory(extra_args=["--requirepass", "secret"])
    c = s.client(decode_responses=True)
    assert cmd_error(c, "HELLO", "2", "AUTH", "bob", "secret") == WRONGPASS
    assert_error(raw, c, "GET", "a", text=NOAUTH, exc=redis.AuthenticationError)
    c.close()


# ---------------------------------------------------------------------------------------------
# CLIENT


def test_client_id_setname_getname_info(r, shared_server):
    i1 = r.client_id()
    other = shared_server.client(decode_responses=True)
    i2 = other.client_id()
    assert isinstance(i1, int) and i1 > 0
    assert i2 != i1
    assert r.client_getname() is None
    assert r.client_setname("worker-1") is True
    assert r.client_getname() == "worker-1"
    assert other.client_getname() is None
    assert cmd_error(r, "CLIENT", "SETNAME", "a b") == \
        "Client names cannot contain spaces, newlines or special characters."
    assert cmd_error(r, "CLIENT", "SETNAME", "a\nb") == \
        "Client names cannot contain spaces, newlines or special characters."
    assert r.client_getname() == "worker-1"
    assert r.client_setname("") is True
    assert r.client_getname() is None
    r.client_setname("me")
    info = raw(r, "CLIENT", "INFO")
    assert info.endswith("\n") and info.count("\n") == 1
    fields = dict(f.split("=", 1) for f in info.split())
    assert fields["id"] == str(i1)
    assert fields["name"] == "me"
    assert fields["db"] == "0"
    assert fields["cmd"].startswith("client")
    other.close()


def test_client_subcommand_errors(r):
    assert cmd_error(r, "CLIENT", "FOO") == "unknown subcommand 'FOO'. Try CLIENT HELP."
    assert cmd_error(r, "CLIENT", "SETNAME") == \
        "wrong number of arguments for 'client|setname' command"
    assert cmd_error(r, "CLIENT", "GETNAME", "x") == \
        "wrong number of arguments for 'client|getname' command"
    assert cmd_error(r, "CLIENT", "ID", "x") == "wrong number of arguments for 'client|id' command"
    assert cmd_error(r, "CLIENT") == "wrong number of arguments for 'client' command"


def test_client_list(server_factory):
    s = server_factory()
    a = s.client(decode_responses=True, socket_timeout=8)
    with RawClient(s.port, timeout=8) as b:
        a.client_setname("alpha")
        assert b.call("CLIENT", "SETNAME", "beta") == "OK"
        b_id = b.call("CLIENT", "ID")
        host, port = b.sock.getsockname()[:2]
        with kill_if_hung(s):
            text = raw(a, "CLIENT", "LIST")
        lines = [l for l in text.split("\n") if l]
        rows = [dict(f.split("=", 1) for f in l.split()) for l in lines]
        by_id = {int(row["id"]): row for row in rows}
        assert by_id[a.client_id()]["name"] == "alpha"
        assert by_id[b_id]["name"] == "beta"
        assert by_id[b_id]["addr"] == "%s:%d" % (host, port)
        assert by_id[a.client_id()]["cmd"].startswith("client")
        assert len(lines) == len(by_id)  # one line per client
    a.close()


def test_client_kill_by_id_addr_and_old_form(server_factory):
    s = server_factory()
    killer = s.client(decode_responses=True, socket_timeout=8)
    victims = [RawClient(s.port, timeout=8) for _ in range(3)]
    ids = [v.call("CLIENT", "ID") for v in victims]
    addrs = ["%s:%d" % v.sock.getsockname()[:2] for v in victims]
    with kill_if_hung(s):
        assert raw(killer, "CLIENT", "KILL", "ID", ids[0]) == 1
        assert victims[0].read_until_closed() == b""
        assert raw(killer, "CLIENT", "KILL", "ADDR", addrs[1]) == 1
        assert victims[1].read_until_closed() == b""
        assert raw(killer, "CLIENT", "KILL", addrs[2]) == "OK"
        assert victims[2].read_until_closed() == b""
        assert raw(killer, "CLIENT", "KILL", "ID", ids[0]) == 0
        assert raw(killer, "CLIENT", "KILL", "ADDR", "1.2.3.4:5") == 0
        assert cmd_error(killer, "CLIENT", "KILL", "1.2.3.4:5") == "No such client"
        assert cmd_error(killer, "CLIENT", "KILL", "ID", "abc") == "client-id should be greater than 0"
        assert cmd_error(killer, "CLIENT", "KILL", "ID", "0") == "client-id should be greater than 0"
        assert cmd_error(killer, "CLIENT", "KILL", "FOO", "bar") == "syntax error"
        assert killer.ping()
    for v in victims:
        v.close()
    killer.close()


def test_client_kill_skipme(server_factory):
    s = server_factory()
    with RawClient(s.port, timeout=8) as c:
        my_id = c.call("CLIENT", "ID")
        try:
            # The new form skips the calling client unless SKIPME no.
            assert c.call("CLIENT", "KILL", "ID", my_id) == 0
            assert c.call("PING") == "PONG"
            assert c.call("CLIENT", "KILL", "ID", my_id, "SKIPME", "maybe") == \
                RespError("ERR syntax error")
            c.send_command("CLIENT", "KILL", "ID", my_id, "SKIPME", "no")
            assert c.read_until_closed(timeout=8) == b":1\r\n"  # answered, then closed
        except (socket.timeout, AssertionError):
            s.kill9()
            raise
    probe = s.client(socket_timeout=8)
    assert probe.ping()
    probe.close()


# ---------------------------------------------------------------------------------------------
# COMMAND


def test_command_count_info_docs(r):
    n = raw(r, "COMMAND", "COUNT")
    assert isinstance(n, int) and n >= 50
    assert len(raw(r, "COMMAND")) == n
    info = raw(r, "COMMAND", "INFO", "get", "SET", "nosuchcommand")
    assert len(info) == 3
    get, set_, none = info
    assert get[:6] == ["get", 2, ["readonly", "fast"], 1, 1, 1]
    assert set_[0] == "set" and set_[1] == -3 and "write" in set_[2]
    assert set_[3:6] == [1, 1, 1]
    assert none is None
    mset = raw(r, "COMMAND", "INFO", "mset")[0]
    assert mset[:2] == ["mset", -3] and mset[3:6] == [1, -1, 2]
    docs = raw(r, "COMMAND", "DOCS", "get")
    assert docs[0] == "get"
    d = dict(zip(docs[1][0::2], docs[1][1::2]))
    assert d["summary"] == "Get the value of a key"
    assert d["group"] == "string"
    assert raw(r, "COMMAND", "DOCS", "nosuchcommand") == []


def test_command_subcommand_errors(r):
    assert cmd_error(r, "COMMAND", "FOO") == "unknown subcommand 'FOO'. Try COMMAND HELP."
    assert cmd_error(r, "COMMAND", "COUNT", "x") == \
        "wrong number of arguments for 'command|count' command"
    assert cmd_error(r, "COMMAND", "HELP", "x") == \
        "wrong number of arguments for 'command|help' command"
    # Redis 7.0: COMMAND GETKEYS needs a command and at least one argument.
    for args in (["GETKEYS"], ["GETKEYS", "get"], ["GETKEYS", "nosuchcommand"]):
        assert cmd_error(r, "COMMAND", *args) == \
            "wrong number of arguments for 'command|getkeys' command"


def test_command_list(r):
    names = raw(r, "COMMAND", "LIST")
    assert len(names) == raw(r, "COMMAND", "COUNT")
    assert sorted(names) == sorted(info[0] for info in raw(r, "COMMAND"))
    assert {"get", "set", "mset", "command", "config", "hello"} <= set(names)
    assert sorted(raw(r, "COMMAND", "LIST", "FILTERBY", "PATTERN", "pset*")) == ["psetex"]
    # Case-insensitive both in the keywords and in the pattern, as in Redis.
    assert raw(r, "command", "list", "filterby", "pattern", "P?NG") == ["ping"]
    got = raw(r, "COMMAND", "LIST", "FILTERBY", "PATTERN", "*set*")
    assert {"set", "getset", "mset", "setex"} <= set(got)
    assert all("set" in n for n in got)
    assert raw(r, "COMMAND", "LIST", "FILTERBY", "PATTERN", "nosuch*") == []
    # No modules: nothing matches. ACL categories are the rows' (Redis 7.0's), case-insensitive.
    assert raw(r, "COMMAND", "LIST", "FILTERBY", "MODULE", "json") == []
    strings = raw(r, "COMMAND", "LIST", "FILTERBY", "ACLCAT", "STRING")
    assert {"get", "set", "getrange"} <= set(strings) and "del" not in strings
    for args in (["x"], ["FILTERBY"], ["FILTERBY", "PATTERN"], ["FILTERBY", "foo", "bar"],
                 ["FILTERBY", "PATTERN", "a", "b"],
                 ["FILTERBY", "PATTERN", "a", "FILTERBY", "PATTERN", "b"]):
        assert cmd_error(r, "COMMAND", "LIST", *args) == "syntax error"


def test_command_getkeys(r):
    assert raw(r, "COMMAND", "GETKEYS", "GET", "k") == ["k"]
    assert raw(r, "COMMAND", "GETKEYS", "set", "k", "v", "EX", "10") == ["k"]
    assert raw(r, "COMMAND", "GETKEYS", "DEL", "a", "b", "c") == ["a", "b", "c"]
    assert raw(r, "COMMAND", "GETKEYS", "MSET", "a", "1", "b", "2") == ["a", "b"]
    assert raw(r, "COMMAND", "GETKEYS", "MSET", "a", "1", "b") == ["a", "b"]  # as Redis
    assert raw(r, "COMMAND", "GETKEYS", "RENAME", "a", "b") == ["a", "b"]
    assert raw(r, "COMMAND", "GETKEYS", "GET", "a\r\nb") == ["a\r\nb"]
    assert cmd_error(r, "COMMAND", "GETKEYS", "nosuchcommand", "a") == "Invalid command specified"
    assert cmd_error(r, "COMMAND", "GETKEYS", "PING", "x") == "The command has no key arguments"
    assert cmd_error(r, "COMMAND", "GETKEYS", "CONFIG", "GET", "x") == \
        "The command has no key arguments"
    for args in (["GET", "a", "b"], ["RENAME", "a"], ["MSET", "a"], ["SETEX", "k", "10"]):
        assert cmd_error(r, "COMMAND", "GETKEYS", *args) == \
            "Invalid number of arguments specified for command"
    # The checks come in Redis's order: unknown command, then no keys, then arity.
    assert cmd_error(r, "COMMAND", "GETKEYS", "TIME", "x", "y") == \
        "The command has no key arguments"
    assert r.dbsize() == 0  # GETKEYS only looks at the arguments


def test_command_help(r):
    lines = raw(r, "COMMAND", "HELP")
    assert lines[0] == "COMMAND <subcommand> [<arg> [value] [opt] ...]. Subcommands are:"
    assert lines[-2:] == ["HELP", "    Prints this help."]
    subcommands = [l.split()[0] for l in lines[1:] if not l.startswith(" ")]
    assert subcommands == ["(no", "COUNT", "LIST", "INFO", "DOCS", "GETKEYS", "HELP"]
    assert "GETKEYS <full-command>" in lines
    # Every subcommand the help names exists.
    for sub in subcommands[1:]:
        if sub != "GETKEYS":
            assert raw(r, "COMMAND", sub) is not None


# ---------------------------------------------------------------------------------------------
# INFO


def test_every_info_field_is_documented(r):
    """docs/info.md names every field of every section but memory and governor, which
    docs/memory.md documents."""
    r.set("k", "v")
    r.get("k")  # so commandstats has a line
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    docs = {}
    for name in ("info.md", "memory.md"):
        with open(os.path.join(root, "docs", name)) as f:
            docs[name] = f.read()
    section = None
    for line in raw(r, "INFO", "everything").split("\r\n"):
        if line.startswith("# "):
            section = line[2:].lower()
        elif line:
            field = line.split(":", 1)[0]
            if field.startswith("cmdstat_"):
                field = "cmdstat_<name>"
            if field.startswith("ns_") and section == "namespaces":
                field = "ns_<namespace>"
            doc = "memory.md" if section in ("memory", "governor") else "info.md"
            if field.endswith("_human") and "`%s`" % field[:-6] in docs[doc]:
                continue  # documented with the number it spells out
            assert "`%s`" % field in docs[doc], "%s (INFO %s) is not in docs/%s" % (
                field, section, doc)


def test_info_sections_and_fields(r, shared_server):
    default = info_fields(r)
    assert default["#sections"][:3] == ["Server", "Clients", "Memory"]
    assert "Stats" in default["#sections"] and "Keyspace" in default["#sections"]
    assert "Commandstats" not in default["#sections"]
    assert int(default["tcp_port"]) == shared_server.port
    assert default["redis_version"].count(".") == 2
    assert int(default["process_id"]) == shared_server.proc.pid
    assert int(default["used_memory_rss"]) > 0
    # Under the sanitizers there is no jemalloc: allocator numbers are 0 (see test_memory.py).
    assert int(default["used_memory"]) >= (0 if SANITIZED else 1)
    assert default["mem_allocator"] != ""
    assert int(default["connected_clients"]) >= 1
    assert int(default["total_commands_processed"]) >= 1

    only = info_fields(r, "memory")
    assert only["#sections"] == ["Memory"]
    assert "used_memory" in only and "connected_clients" not in only
    two = info_fields(r, "server", "clients")
    assert two["#sections"] == ["Server", "Clients"]
    assert info_fields(r, "CLIENTS")["#sections"] == ["Clients"]
    assert info_fields(r, "nosuchsection")["#sections"] == []
    everything = info_fields(r, "everything")
    assert "Commandstats" in everything["#sections"] and "Memory" in everything["#sections"]


def test_info_clients_counts_connections(r, shared_server):
    extra = [shared_server.client() for _ in range(3)]
    for c in extra:
        c.ping()
    with_extra = int(info_fields(r, "clients")["connected_clients"])
    assert with_extra >= 4
    for c in extra:
        c.connection_pool.disconnect()
    wait_until(lambda: int(info_fields(r, "clients")["connected_clients"]) <= with_extra - 3,
               what="connected_clients to drop by 3")


def test_info_stats_and_commandstats(r):
    start = int(info_fields(r, "stats")["total_commands_processed"])
    for _ in range(5):
        r.get("k")
    r.set("k", "v")
    after = int(info_fields(r, "stats")["total_commands_processed"])
    assert after >= start + 7  # 5 GET, 1 SET, 1 INFO
    cs = info_fields(r, "commandstats")
    assert cs["#sections"] == ["Commandstats"]
    get = dict(kv.split("=") for kv in cs["cmdstat_get"].split(","))
    assert int(get["calls"]) >= 5
    assert {"calls", "usec", "usec_per_call", "rejected_calls", "failed_calls"} <= set(get)
    assert "cmdstat_set" in cs


def test_commandstats_counts_rejected_and_failed_calls(r):
    assert r.config_resetstat() is True
    cmd_error(r, "GET")                      # wrong arity: rejected before it runs
    r.set("n", "abc")
    cmd_error(r, "INCR", "n")                # runs and fails
    cmd_error(r, "SET", "k", "v", "FOO")     # runs and fails (syntax error)
    r.get("n")
    cs = info_fields(r, "commandstats")

    def stat(name):
        return {k: v for k, v in (kv.split("=") for kv in cs["cmdstat_" + name].split(","))}

    assert (stat("get")["calls"], stat("get")["rejected_calls"], stat("get")["failed_calls"]) == \
        ("1", "1", "0")
    assert (stat("incr")["calls"], stat("incr")["failed_calls"]) == ("1", "1")
    assert (stat("set")["calls"], stat("set")["failed_calls"]) == ("2", "1")


def test_total_error_replies(r, shared_server):
    assert r.config_resetstat() is True
    assert int(info_fields(r, "stats")["total_error_replies"]) == 0
    r.set("n", "abc")
    r.get("n")
    assert int(info_fields(r, "stats")["total_error_replies"]) == 0  # successes do not count
    cmd_error(r, "NOSUCHCOMMAND", "x")       # unknown command
    cmd_error(r, "GET")                      # wrong arity (rejected)
    cmd_error(r, "INCR", "n")                # fails while running
    cmd_error(r, "SET", "k", "v", "FOO")     # syntax error
    cmd_error(r, "CLIENT", "FOO")            # unknown subcommand
    cmd_error(r, "CLIENT", "KILL", "1.2.3.4:5")  # error built by a deferred job
    with RawClient(shared_server.port) as c:
        # A pipeline: each error reply counts.
        c.send(b"".join(encode_command(*a) for a in (["GET"], ["PING"], ["GET"])))
        assert [c.read_reply() for _ in range(3)] == [
            RespError("ERR wrong number of arguments for 'get' command"), "PONG",
            RespError("ERR wrong number of arguments for 'get' command")]
    with RawClient(shared_server.port) as c:
        c.send(b"*1\r\n$x\r\n")           # protocol error: replied, then closed
        assert c.read_until_closed().startswith(b"-ERR Protocol error")
    assert int(info_fields(r, "stats")["total_error_replies"]) == 9
    assert r.config_resetstat() is True
    assert int(info_fields(r, "stats")["total_error_replies"]) == 0


def test_total_error_replies_counts_noauth(server_factory):
    s = server_factory(extra_args=["--requirepass", "secret"])
    admin = s.client(password="secret", decode_responses=True)
    before = int(info_fields(admin, "stats")["total_error_replies"])
    with RawClient(s.port) as c:
        assert c.call("GET", "a") == RespError("NOAUTH " + NOAUTH)
        assert c.call("HELLO", "3") == RespError("NOAUTH " + HELLO_NOAUTH)
        assert c.call("AUTH", "wrong") == RespError(WRONGPASS)
    assert int(info_fields(admin, "stats")["total_error_replies"]) == before + 3
    admin.close()


def test_info_keyspace(r):
    # An empty keyspace has no db0 line; then the exact counts.
    ks = info_fields(r, "keyspace")
    assert ks["#sections"] == ["Keyspace"] and "db0" not in ks
    r.mset({"k%d" % i: "v" for i in range(100)})
    ks = info_fields(r, "keyspace")
    line = dict(kv.split("=") for kv in ks["db0"].split(","))
    assert line == {"keys": "100", "expires": "0", "avg_ttl": "0"}
    r.mset({"n%d" % i: "v" for i in range(50)})
    r.expire("n0", 1000)
    line = dict(kv.split("=") for kv in info_fields(r, "keyspace")["db0"].split(","))
    assert line["keys"] == "150" and line["expires"] == "1"
    assert 900000 <= int(line["avg_ttl"]) <= 1000000


# ---------------------------------------------------------------------------------------------
# CONFIG


def test_config_get(r):
    assert r.config_get("timeout") == {"timeout": "0"}
    assert r.config_get("time*") == {"timeout": "0"}
    got = raw(r, "CONFIG", "GET", "timeout", "maxclients")
    assert dict(zip(got[0::2], got[1::2])) == {"timeout": "0", "maxclients": "10000"}
    got = raw(r, "CONFIG", "GET", "maxclients", "timeout", "maxclients", "max*")
    d = dict(zip(got[0::2], got[1::2]))
    assert len(got) == 2 * len(d)  # no key twice
    assert d["maxclients"] == "10000" and d["timeout"] == "0"
    assert "maxmemory" in d
    assert r.config_get("proto-max-bulk-len") == {"proto-max-bulk-len": "536870912"}
    assert r.config_get("nosuchkey") == {}
    everything = r.config_get("*")
    assert {"port", "bind", "dir", "timeout", "requirepass", "maxclients"} <= set(everything)


def test_config_set(r, restore_config):
    assert r.config_set("timeout", 30) is True
    assert r.config_get("timeout") == {"timeout": "30"}
    assert raw(r, "CONFIG", "SET", "timeout", "40", "maxclients", "5000") == "OK"
    assert r.config_get("timeout") == {"timeout": "40"}
    assert r.config_get("maxclients") == {"maxclients": "5000"}
    assert raw(r, "CONFIG", "SET", "TIMEOUT", "0") == "OK"  # names are case-insensitive
    assert r.config_get("timeout") == {"timeout": "0"}
    assert raw(r, "CONFIG", "SET", "proto-max-bulk-len", "2mb") == "OK"
    assert r.config_get("proto-max-bulk-len") == {"proto-max-bulk-len": "2097152"}


def test_config_set_errors(r, restore_config):
    assert cmd_error(r, "CONFIG", "SET", "port", "1234") == \
        "CONFIG SET failed (possibly related to argument 'port') - can't set immutable config"
    assert cmd_error(r, "CONFIG", "SET", "nosuchkey", "1") == \
        "Unknown option or number of arguments for CONFIG SET - 'nosuchkey'"
    assert cmd_error(r, "CONFIG", "SET", "timeout", "abc") == (
        "CONFIG SET failed (possibly related to argument 'timeout') - "
        "argument couldn't be parsed into an integer")
    assert r.config_get("timeout") == {"timeout": "0"}


def test_config_set_is_all_or_nothing(r, restore_config):
    msg = cmd_error(r, "CONFIG", "SET", "timeout", "10", "maxclients", "abc")
    assert msg.startswith("CONFIG SET failed (possibly related to argument 'maxclients')")
    assert r.config_get("timeout") == {"timeout": "0"}
    msg = cmd_error(r, "CONFIG", "SET", "maxclients", "100", "timeout", "abc")
    assert r.config_get("maxclients") == {"maxclients": "10000"}


def test_config_set_duplicate_parameter(r, restore_config):
    assert cmd_error(r, "CONFIG", "SET", "timeout", "5", "timeout", "0") == \
        "CONFIG SET failed (possibly related to argument 'timeout') - duplicate parameter"
    assert r.config_get("timeout") == {"timeout": "0"}


def test_config_subcommand_errors(r):
    assert cmd_error(r, "CONFIG", "FOO") == "unknown subcommand 'FOO'. Try CONFIG HELP."
    assert cmd_error(r, "CONFIG", "RESETSTAT", "x") == \
        "wrong number of arguments for 'config|resetstat' command"
    assert cmd_error(r, "CONFIG", "GET") == "wrong number of arguments for 'config|get' command"
    assert cmd_error(r, "CONFIG", "SET", "timeout") == \
        "wrong number of arguments for 'config|set' command"
    assert cmd_error(r, "CONFIG") == "wrong number of arguments for 'config' command"


def test_config_help(r):
    assert raw(r, "CONFIG", "HELP") == [
        "CONFIG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
        "GET <pattern>",
        "    Return parameters matching the glob-like <pattern> and their values.",
        "SET <directive> <value>",
        "    Set the configuration <directive> to <value>.",
        "RESETSTAT",
        "    Reset statistics reported by the INFO command.",
        "REWRITE",
        "    Rewrite the configuration file.",
        "HELP",
        "    Prints this help.",
    ]
    assert raw(r, "config", "help")[0].startswith("CONFIG <subcommand>")
    assert cmd_error(r, "CONFIG", "HELP", "x") == \
        "wrong number of arguments for 'config|help' command"


def test_config_rewrite_without_file(r):
    assert cmd_error(r, "CONFIG", "REWRITE") == "The server is running without a config file"


def test_config_rewrite(server_factory, data_dir):
    text = "# my settings\ntimeout 0\nmaxclients 100\nproto-max-bulk-len 512mb\n"
    s = server_factory(config_text=text)
    path = os.path.join(data_dir, "mnemo.conf")
    c = s.client(decode_responses=True)
    assert c.config_get("maxclients") == {"maxclients": "100"}
    assert c.config_set("timeout", 30) is True
    assert raw(c, "CONFIG", "REWRITE") == "OK"
    with open(path) as f:
        lines = f.read().splitlines()
    assert "# my settings" in lines
    assert "timeout 30" in lines
    assert "timeout 0" not in lines
    assert "maxclients 100" in lines
    assert "proto-max-bulk-len 512mb" in lines  # unchanged value keeps its spelling
    c.close()
    assert s.stop() == 0
    s.start()
    c = s.client(decode_responses=True)
    assert c.config_get("timeout") == {"timeout": "30"}
    assert c.config_get("maxclients") == {"maxclients": "100"}
    c.close()


def test_config_resetstat(r):
    for _ in range(5):
        r.get("k")
    assert int(info_fields(r, "stats")["total_commands_processed"]) >= 5
    assert r.config_resetstat() is True
    stats = info_fields(r, "stats")
    assert int(stats["total_commands_processed"]) <= 1
    assert "cmdstat_get" not in info_fields(r, "commandstats")


# ---------------------------------------------------------------------------------------------
# SHUTDOWN


def test_shutdown_syntax_error(r):
    assert cmd_error(r, "SHUTDOWN", "foo") == "syntax error"
    assert cmd_error(r, "SHUTDOWN", "NOSAVE", "foo") == "syntax error"
    assert r.ping()


@pytest.mark.parametrize("kwargs", [{}, {"nosave": True}])
def test_shutdown_exits_zero_and_keeps_data(server_factory, kwargs):
    s = server_factory()
    c = s.client(decode_responses=True)
    c.set("k", "v")
    other = RawClient(s.port)
    assert c.shutdown(**kwargs) is None  # redis-py treats the closed connection as success
    assert s.proc.wait(timeout=60) == 0
    assert other.read_until_closed() == b""
    other.close()
    assert s.stop() == 0
    s.start()
    c = s.client(decode_responses=True)
    assert c.get("k") == "v"
    c.close()


# ---------------------------------------------------------------------------------------------
# Listening: the port is the server's alone, shared only among its workers


def start_refused(port, *extra):
    """Runs a second binary on `port` (its own data directory); expects it to refuse at once."""
    d = tempfile.mkdtemp(prefix="mnemo-it-")
    try:
        out = subprocess.run([MNEMO_BIN, "--port", str(port), "--dir", d] + list(extra),
                             capture_output=True, text=True, timeout=120)
    finally:
        shutil.rmtree(d, ignore_errors=True)
    assert out.returncode == 1, out.stderr
    return log_messages(out.stderr)


def test_second_server_on_a_taken_port_refuses_to_start(server_factory):
    first = server_factory(["--workers", "2"])
    c = first.client(decode_responses=True)
    c.set("k", "first")
    assert (start_refused(first.port, "--workers", "2") ==
            "cannot listen on 127.0.0.1:%d: Address already in use" % first.port)
    # The first still serves every new connection (none went to the second).
    for _ in range(20):
        fresh = first.client(decode_responses=True)
        assert fresh.get("k") == "first"
        fresh.close()
        fresh.connection_pool.disconnect()
    assert first.proc.poll() is None


def test_port_held_by_another_program_is_refused():
    with socket.socket() as other:
        other.bind(("127.0.0.1", 0))
        other.listen(1)
        port = other.getsockname()[1]
        assert (start_refused(port) ==
                "cannot listen on 127.0.0.1:%d: Address already in use" % port)


def test_every_worker_accepts_connections(server_factory):
    # The kernel spreads connections over the workers' sockets by a hash of the addresses: of
    # 64 connections held open at once, some land on each worker, and every one must be served.
    s = server_factory(["--workers", "2"])
    conns = [socket.create_connection(("127.0.0.1", s.port), timeout=60) for _ in range(64)]
    try:
        for i, sock in enumerate(conns):
            sock.sendall(encode_command("ECHO", "c%d" % i))
        for i, sock in enumerate(conns):
            want = b"$%d\r\nc%d\r\n" % (len("c%d" % i), i)
            got = b""
            while len(got) < len(want):
                chunk = sock.recv(len(want) - len(got))
                assert chunk, "connection %d closed" % i
                got += chunk
            assert got == want
    finally:
        for sock in conns:
            sock.close()


def test_restart_on_the_same_port_after_serving_clients(server_factory):
    # Connections the server closed linger in TIME_WAIT; they do not count as the port in use.
    first = server_factory()
    port = first.port
    clients = [first.client() for _ in range(5)]
    for c in clients:
        assert c.ping()
    assert first.stop() == 0
    second = server_factory(start=False)
    second.start(port=port)
    assert second.client().ping()
