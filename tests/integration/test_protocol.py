"""RESP over raw sockets: inline commands, pipelining, malformed input, size limits, maxclients,
fragmented and very large requests."""
import os
import socket
import threading
import time

import pytest
import redis

from conftest import SANITIZED
from helpers import RawClient, RespError, encode_command, wait_until


@pytest.fixture
def port(sr, shared_server):
    return shared_server.port  # the module shares one server; every test starts with it empty


def expect_protocol_error_and_close(port, data, error):
    """Sends data on a new connection; expects the replies to end with `error` and the
    connection to be closed. Returns the replies before the error."""
    with RawClient(port) as c:
        c.send(data)
        out = c.read_until_closed()
    assert out.endswith(b"-ERR " + error + b"\r\n"), out
    return out[: -len(b"-ERR " + error + b"\r\n")]


# ---------------------------------------------------------------------------------------------
# Inline commands


def test_inline_commands(port):
    with RawClient(port) as c:
        c.send(b"PING\r\n")
        assert c.read_reply() == "PONG"
        c.send(b"SET a b\r\nGET a\r\n")
        assert c.read_reply() == "OK"
        assert c.read_reply() == b"b"
        c.send(b'SET q "hello world"\r\nGET q\r\n')
        assert c.read_reply() == "OK"
        assert c.read_reply() == b"hello world"
        c.send(b'SET q "a\\x41\\n\\t\\"z"\r\nGET q\r\n')
        assert c.read_reply() == "OK"
        assert c.read_reply() == b'aA\n\t"z'
        c.send(b"SET q 'x \"y\" z'\r\nGET q\r\n")
        assert c.read_reply() == "OK"
        assert c.read_reply() == b'x "y" z'
        c.send(b"SET e ''\r\nGET e\r\n")
        assert c.read_reply() == "OK"
        assert c.read_reply() == b""
        c.send(b"\r\n\r\n   PING   \r\nPING\n")  # blank lines ignored, spaces trimmed, bare LF ok
        assert c.read_reply() == "PONG"
        assert c.read_reply() == "PONG"
        c.send(b"ECHO  two   spaces\r\n")
        assert c.read_reply() == RespError("ERR wrong number of arguments for 'echo' command")
        c.send(b"FOO bar\r\n")
        assert c.read_reply() == RespError(
            "ERR unknown command 'FOO', with args beginning with: 'bar' ")
        c.send(b"INCR n\r\n*1\r\n$4\r\nPING\r\nINCR n\r\n")  # inline and multibulk mixed
        assert c.read_reply() == 1
        assert c.read_reply() == "PONG"
        assert c.read_reply() == 2


@pytest.mark.parametrize("data", [b'GET "a\r\n', b"SET a 'b\r\n", b'SET a "b"c\r\n'])
def test_inline_unbalanced_quotes(port, data):
    expect_protocol_error_and_close(port, data, b"Protocol error: unbalanced quotes in request")


# ---------------------------------------------------------------------------------------------
# Pipelining


def test_pipeline_1000_commands_in_one_send(port):
    cmds, expected = [], []
    for i in range(250):
        cmds.append(encode_command("SET", "key:%d" % i, "value:%d" % i))
        expected.append("OK")
        cmds.append(encode_command("GET", "key:%d" % i))
        expected.append(b"value:%d" % i)
        cmds.append(encode_command("INCR", "counter"))
        expected.append(i + 1)
        cmds.append(encode_command("ECHO", "e%d" % i))
        expected.append(b"e%d" % i)
    assert len(cmds) == 1000
    with RawClient(port) as c:
        c.send(b"".join(cmds))
        got = [c.read_reply() for _ in range(1000)]
        assert got == expected
        assert c.call("GET", "counter") == b"250"


def test_pipeline_sees_its_own_writes_in_order(port):
    script = [
        (["SET", "k", "1"], "OK"),
        (["INCR", "k"], 2),
        (["GET", "k"], b"2"),
        (["SET", "k", "5"], "OK"),
        (["GET", "k"], b"5"),
        (["INCRBY", "k", "10"], 15),
        (["SET", "k", "x"], "OK"),
        (["APPEND", "k", "y"], 2),
        (["GET", "k"], b"xy"),
        (["SET", "k", "v", "EX", "100"], "OK"),
        (["TTL", "k"], 100),
        (["SET", "k", "w"], "OK"),
        (["TTL", "k"], -1),
        (["MSET", "k", "7", "j", "8"], "OK"),
        (["INCRBY", "k", "3"], 10),
        (["MGET", "k", "j"], [b"10", b"8"]),
        (["SETEX", "k", "100", "9"], "OK"),
        (["INCR", "k"], 10),
        (["SET", "k", "a"], "OK"),
        (["SET", "k", "b", "GET"], b"a"),
        (["SET", "k", "c"], "OK"),
        (["SETNX", "k", "d"], 0),
        (["SET", "k", "e"], "OK"),
        (["GETDEL", "k"], b"e"),
        (["EXISTS", "k"], 0),
        (["SET", "k", "f"], "OK"),
        (["DEL", "k"], 1),
        (["SET", "k", "g"], "OK"),
        (["RENAME", "k", "k2"], "OK"),
        (["SET", "k", "h"], "OK"),
        (["MGET", "k", "k2"], [b"h", b"g"]),
        (["PSETEX", "k", "100000", "i"], "OK"),
        (["PERSIST", "k"], 1),
        (["SET", "k", "j"], "OK"),
        (["FLUSHALL"], "OK"),
        (["GET", "k"], None),
        (["SET", "k", "after-flush"], "OK"),
        (["DBSIZE"], 1),
    ]
    with RawClient(port) as c:
        c.send(b"".join(encode_command(*a) for a, _ in script))
        got = [c.read_reply() for _ in script]
    for (args, want), reply in zip(script, got):
        if args[0] == "TTL" and want == 100:
            assert 95 <= reply <= 100, (args, reply)
        else:
            assert reply == want, (args, reply, want)


@pytest.mark.parametrize(
    "script",
    [
        [(["SET", "k", "a"], "OK"), (["SET", "k", "b", "GET"], b"a"), (["GET", "k"], b"b")],
        [(["SET", "k", "a"], "OK"), (["SET", "k", "b", "NX"], None), (["GET", "k"], b"a")],
        [(["SET", "k", "a"], "OK"), (["SET", "k", "b", "XX"], "OK"), (["GET", "k"], b"b")],
        [(["SET", "k", "a", "EX", "100"], "OK"), (["SET", "k", "b", "KEEPTTL"], "OK"),
         (["GET", "k"], b"b"), (["PERSIST", "k"], 1)],
        [(["MSET", "k", "1"], "OK"), (["SET", "k", "2", "GET"], b"1"), (["GET", "k"], b"2")],
        [(["SETEX", "k", "100", "a"], "OK"), (["SET", "k", "b", "XX", "GET"], b"a"),
         (["GET", "k"], b"b")],
    ],
    ids=["get", "nx", "xx", "keepttl", "mset-then-get", "setex-then-xx-get"],
)
def test_pipeline_conditional_set_after_blind_set(port, script):
    """A SET with NX/XX/GET/KEEPTTL must see the plain SETs sent before it on the same
    connection, and its own write must not be overwritten by them afterwards."""
    with RawClient(port) as c:
        c.send(b"".join(encode_command(*a) for a, _ in script))
        got = [c.read_reply() for _ in script]
        final = c.call("GET", "k")
    assert got == [want for _, want in script]
    assert final == [want for a, want in script if a[0] == "GET"][-1]


def test_long_pipeline_of_blind_writes_then_reads(port):
    # More blind writes than one batch holds (1024), then reads of all of them, in one send.
    n = 3000
    data = b"".join(encode_command("SET", "b:%d" % i, "v%d" % i) for i in range(n))
    data += b"".join(encode_command("GET", "b:%d" % i) for i in range(n))
    data += encode_command("DBSIZE")
    with RawClient(port) as c:
        c.send(data)
        assert [c.read_reply() for _ in range(n)] == ["OK"] * n
        assert [c.read_reply() for _ in range(n)] == [b"v%d" % i for i in range(n)]
        assert c.read_reply() == n


def test_pipeline_errors_do_not_break_order(port):
    cmds = [
        ["SET", "a", "1"], ["INCR", "a"], ["FOO"], ["GET"], ["SET", "a", "x"], ["INCR", "a"],
        ["GET", "a"], ["SET", "k", "v", "EX", "0"], ["GET", "k"],
    ]
    with RawClient(port) as c:
        c.send(b"".join(encode_command(*a) for a in cmds))
        got = [c.read_reply() for _ in cmds]
    assert got == [
        "OK", 2, RespError("ERR unknown command 'FOO', with args beginning with: "),
        RespError("ERR wrong number of arguments for 'get' command"), "OK",
        RespError("ERR value is not an integer or out of range"), b"x",
        RespError("ERR invalid expire time in 'set' command"), None,
    ]


def test_pipeline_with_replies_larger_than_socket_buffers(port):
    value = os.urandom(1 << 20)
    with RawClient(port) as c:
        assert c.call("SET", "big", value) == "OK"
        n = 60
        data = b"".join(encode_command("GET", "big") for _ in range(n)) + encode_command("PING")
        sender = threading.Thread(target=c.send, args=(data,))
        sender.start()
        for _ in range(n):
            assert c.read_reply() == value
        assert c.read_reply() == "PONG"
        sender.join()


def test_empty_and_null_multibulk_are_ignored(port):
    with RawClient(port) as c:
        c.send(b"*0\r\n*-1\r\n*1\r\n$4\r\nPING\r\n")
        assert c.read_reply() == "PONG"
        c.send(b"*1\r\n$0\r\n\r\n")
        assert c.read_reply() == RespError("ERR unknown command '', with args beginning with: ")


# ---------------------------------------------------------------------------------------------
# Malformed input


@pytest.mark.parametrize(
    "data,error",
    [
        (b"*abc\r\n", b"Protocol error: invalid multibulk length"),
        (b"*1\r\n$-5\r\n", b"Protocol error: invalid bulk length"),
        (b"*1\r\n$abc\r\n", b"Protocol error: invalid bulk length"),
        (b"*2\r\n$4\r\nPING\r\n$-1\r\n", b"Protocol error: invalid bulk length"),
        (b"*1\r\n+foo\r\n", b"Protocol error: expected '$', got '+'"),
        (b"*2\r\n$3\r\nGET\r\n:1\r\n", b"Protocol error: expected '$', got ':'"),
    ],
)
def test_malformed_input_closes_only_that_connection(port, data, error):
    bystander = RawClient(port)
    assert bystander.call("SET", "x", "1") == "OK"
    before = expect_protocol_error_and_close(port, encode_command("SET", "y", "2") + data, error)
    assert before == b"+OK\r\n"  # commands before the bad one ran and were answered
    assert bystander.call("MGET", "x", "y") == [b"1", b"2"]
    bystander.close()


def test_inline_dollar_line_is_an_unknown_command(port):
    with RawClient(port) as c:
        c.send(b"$-5\r\n")
        assert c.read_reply() == RespError("ERR unknown command '$-5', with args beginning with: ")
        assert c.call("PING") == "PONG"


def test_bulk_over_proto_max_bulk_len_is_refused(server_factory):
    s = server_factory(extra_args=["--proto-max-bulk-len", "1mb"])
    limit = 1024 * 1024
    with RawClient(s.port) as c:
        assert c.call("SET", "k", b"a" * limit) == "OK"  # exactly the limit is fine
        assert c.call("STRLEN", "k") == limit
    expect_protocol_error_and_close(
        s.port, b"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$%d\r\n" % (limit + 1),
        b"Protocol error: invalid bulk length")
    with RawClient(s.port) as c:
        assert c.call("STRLEN", "k") == limit


def test_multibulk_over_proto_max_multibulk_len_is_refused(server_factory):
    s = server_factory(extra_args=["--proto-max-multibulk-len", "1024"])
    with RawClient(s.port) as c:
        args = ["MSET"] + ["k%d" % (i // 2) for i in range(1022)] + ["x"]
        assert len(args) == 1024
        assert c.call(*args) == RespError("ERR wrong number of arguments for 'mset' command")
    expect_protocol_error_and_close(s.port, b"*1025\r\n", b"Protocol error: invalid multibulk length")


def test_query_buffer_limit_closes_the_connection(server_factory):
    s = server_factory(extra_args=["--client-query-buffer-limit", "1mb"])
    bystander = RawClient(s.port)
    assert bystander.call("PING") == "PONG"
    value = b"v" * (3 * 1024 * 1024)
    with RawClient(s.port) as c:
        try:
            c.send(encode_command("SET", "big", value))
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server closed while we were still sending: that is the point
        out = c.read_until_closed()
    # The server counts the disconnection and says why before it closes. The reply can be lost:
    # closing a socket with unread input resets the connection, which may discard it on our
    # side; if it arrives it is exactly this.
    assert b"\r\nclient_query_buffer_limit_disconnections:1\r\n" in bystander.call("INFO", "stats")
    assert out in (b"", b"-ERR Protocol error: query buffer limit exceeded "
                        b"(client-query-buffer-limit)\r\n")
    assert bystander.call("EXISTS", "big") == 0
    assert bystander.call("PING") == "PONG"
    bystander.close()
    with RawClient(s.port) as c:  # a request within the limit still works
        assert c.call("SET", "ok", b"v" * (512 * 1024)) == "OK"


def test_query_buffer_limit_counts_the_arguments_of_an_unfinished_request(server_factory):
    # Complete arguments leave the query buffer for the parser while the request is still
    # arriving: many of them, each well under the limit, must not add up past it unbounded.
    s = server_factory(extra_args=["--client-query-buffer-limit", "1mb"])
    bystander = RawClient(s.port)
    piece = b"v" * (64 * 1024)
    with RawClient(s.port) as c:
        try:
            c.send(b"*1001\r\n$4\r\nMSET\r\n")
            for i in range(64):  # 4 MB of arguments, never the last one
                c.send(b"$1\r\n%d\r\n" % (i % 10) + b"$%d\r\n" % len(piece) + piece + b"\r\n")
        except (BrokenPipeError, ConnectionResetError):
            pass
        out = c.read_until_closed()
    assert b"\r\nclient_query_buffer_limit_disconnections:1\r\n" in bystander.call("INFO", "stats")
    assert out in (b"", b"-ERR Protocol error: query buffer limit exceeded "
                        b"(client-query-buffer-limit)\r\n")
    assert bystander.call("PING") == "PONG"
    bystander.close()


def info_field(client, name):
    return int(client.call("INFO", "memory").split(name + b":")[1].split(b"\r\n")[0])


def test_arguments_of_a_request_being_assembled_count_as_query_buffer(server_factory):
    s = server_factory()
    observer = RawClient(s.port)
    before = info_field(observer, b"mem_client_query_buffers")
    size = 4 * 1024 * 1024
    with RawClient(s.port) as c:
        c.call("CLIENT", "SETNAME", "assembling")
        # SET k <4 MB> KEEPTTL without its last argument: the value is parsed out of the query
        # buffer and waits in the parser for the rest.
        c.send(b"*4\r\n$3\r\nSET\r\n$1\r\nk\r\n$%d\r\n" % size + b"x" * size + b"\r\n")

        def held():
            q = info_field(observer, b"mem_client_query_buffers")
            return q if q >= before + size else None

        wait_until(held, what="the parsed arguments counted in mem_client_query_buffers")
        if not SANITIZED:  # without jemalloc used_memory and mem_unaccounted read 0
            assert info_field(observer, b"mem_unaccounted") < size // 2
        top = observer.call("MEMORY", "TOP", "CLIENTS", "10")
        mine = [dict(zip(e[0::2], e[1::2])) for e in top]
        mine = [m for m in mine if m[b"name"] == b"assembling"][0]
        assert mine[b"query-buffer"] >= size
        assert mine[b"tot-mem"] >= size
        c.send(b"$7\r\nKEEPTTL\r\n")  # the last argument: the command runs
        assert c.read_reply() == "OK"
        assert c.call("STRLEN", "k") == size

        # Once run, its arguments are freed: the idle connection holds no 4 MB.
        def released():
            top = observer.call("MEMORY", "TOP", "CLIENTS", "10")
            ms = [dict(zip(e[0::2], e[1::2])) for e in top]
            m = [m for m in ms if m[b"name"] == b"assembling"][0]
            return m if m[b"query-buffer"] < size // 4 else None

        wait_until(released, what="the run command's arguments released")
        if not SANITIZED:  # and not held unnamed either
            assert info_field(observer, b"mem_unaccounted") < size // 2
    observer.close()


def test_maxclients(server_factory):
    s = server_factory(extra_args=["--maxclients", "2"])

    def connect_admitted():
        c = RawClient(s.port, timeout=10)
        c.send(encode_command("PING"))
        try:
            if c.read_reply() == "PONG":
                return c
        except ConnectionError:
            pass
        c.close()
        return None

    # The fixture's own startup connection may take a moment to be released.
    a = wait_until(connect_admitted, what="first client admitted")
    b = wait_until(connect_admitted, what="second client admitted")
    with RawClient(s.port) as third:
        assert third.read_until_closed() == b"-ERR max number of clients reached\r\n"
    assert a.call("PING") == "PONG"
    assert b.call("PING") == "PONG"
    b.close()
    c = wait_until(connect_admitted, what="a client admitted after one left")
    assert c.call("SET", "k", "v") == "OK"
    a.close()
    c.close()


def test_request_sent_one_byte_at_a_time(port):
    data = encode_command("SET", "frag", "hello\r\nworld") + encode_command("GET", "frag")
    data += b"ECHO inline\r\n"
    with RawClient(port) as c:
        for i in range(len(data)):
            c.send(data[i:i + 1])
            if i % 16 == 0:
                time.sleep(0.001)
        assert c.read_reply() == "OK"
        assert c.read_reply() == b"hello\r\nworld"
        assert c.read_reply() == b"inline"


def test_50mb_value_round_trip(shared_server, sr):
    value = os.urandom(50 * 1024 * 1024)
    c = shared_server.client(socket_timeout=120)
    assert c.set("big", value) is True
    assert c.strlen("big") == len(value)
    assert c.get("big") == value
    assert c.getrange("big", len(value) - 10, -1) == value[-10:]
    assert c.append("big", b"!") == len(value) + 1
    assert c.delete("big") == 1
    c.connection_pool.disconnect()


def test_connection_closed_mid_request_leaves_server_healthy(port):
    for _ in range(20):
        s = socket.create_connection(("127.0.0.1", port))
        s.sendall(b"*3\r\n$3\r\nSET\r\n$1\r\nz\r\n$100\r\nabc")  # value never completed
        s.close()
    with RawClient(port) as c:
        assert c.call("EXISTS", "z") == 0
        assert c.call("PING") == "PONG"


def test_config_set_limits_apply_to_open_connections(server):
    admin = server.client()
    c = server.client()
    assert c.set("small", "x") is True  # connection open before the limit changes
    admin.config_set("proto-max-bulk-len", "1mb")
    with pytest.raises((redis.ResponseError, redis.ConnectionError)) as err:
        c.set("big", b"x" * (2 * 1024 * 1024))
    if isinstance(err.value, redis.ResponseError):
        assert "Protocol error: invalid bulk length" in str(err.value)
    assert admin.exists("big") == 0
    assert admin.set("ok", b"y" * 1000) is True
    admin.close()
    c.close()
