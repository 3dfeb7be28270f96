"""Documented behaviour of server settings and counters that round-trip tests do not show: bind,
workers, command-line flags over the config file, the soft part of client-output-buffer-limit,
INFO stats counters (connections, network bytes, rejected connections, unknown commands) and
SCAN's invalid cursor."""
import os
import socket
import time

import pytest
import redis

from helpers import RawClient, RespError, encode_command, wait_until

MB = 1 << 20


def stats(c):
    return c.info("stats")


def test_bind_accepts_only_its_address(server_factory):
    s = server_factory(["--bind", "127.0.0.1"])
    c = s.client(decode_responses=True)
    assert c.config_get("bind") == {"bind": "127.0.0.1"}
    with RawClient(s.port) as ok:
        assert ok.call("PING") == "PONG"
    # 127.0.0.2 is another loopback address: nothing listens there.
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(("127.0.0.2", s.port), timeout=10).close()
    c.close()


def test_bind_any_address(server_factory):
    s = server_factory(["--bind", "0.0.0.0"])
    with socket.create_connection(("127.0.0.2", s.port), timeout=10) as sock:
        sock.sendall(encode_command("PING"))
        assert sock.recv(100) == b"+PONG\r\n"


def worker_threads(pid):
    names = []
    for t in os.listdir("/proc/%d/task" % pid):
        with open("/proc/%d/task/%s/comm" % (pid, t)) as f:
            names.append(f.read().strip())
    return sorted(n for n in names if n.startswith("mnemo-worker"))


@pytest.mark.parametrize("n", [1, 3])
def test_workers_sets_the_number_of_event_loops(server_factory, n):
    s = server_factory(["--workers", str(n)])
    assert worker_threads(s.proc.pid) == ["mnemo-worker-%d" % i for i in range(n)]
    # Every connection is served whichever worker takes it.
    clients = [RawClient(s.port) for _ in range(4 * n)]
    for i, cl in enumerate(clients):
        assert cl.call("SET", "k%d" % i, i) == "OK"
    for i, cl in enumerate(clients):
        assert cl.call("GET", "k%d" % (len(clients) - 1 - i)) == b"%d" % (len(clients) - 1 - i)
        cl.close()


def test_command_line_flags_override_the_config_file(server_factory):
    # conftest passes --config FILE first, then --port/--dir and these flags.
    s = server_factory(["--timeout", "7", "--maxclients", "55"],
                       config_text="timeout 5\nmaxclients 77\nproto-max-multibulk-len 5000\n")
    c = s.client(decode_responses=True)
    assert c.config_get("timeout") == {"timeout": "7"}        # flag over file
    assert c.config_get("maxclients") == {"maxclients": "55"}  # flag over file
    assert c.config_get("proto-max-multibulk-len") == {"proto-max-multibulk-len": "5000"}  # file
    c.close()


def test_soft_output_limit_closes_only_after_its_seconds(server_factory):
    """`normal 0 1mb 3`: pending replies above 1 MiB for at least 3 s close the client; the same
    excess drained sooner does not. The limit is checked when a write to the client would block,
    so the holder's reply (32 MB) is far larger than the kernel's socket buffers (a few MB):
    however it is read, the server blocks on it again while more than 1 MiB is pending."""
    s = server_factory(["--client-output-buffer-limit", "normal 0 1mb 3"])
    c = s.client(decode_responses=True)
    for i in range(32):
        c.set("big:%d" % i, "x" * MB)

    # Above the soft limit briefly (8 MB read at once): everything arrives.
    with RawClient(s.port) as quick:
        quick.send(encode_command("MGET", *["big:%d" % i for i in range(8)]) +
                   encode_command("PING"))
        reply = quick.read_reply()
        assert [len(v) for v in reply] == [MB] * 8
        assert quick.read_reply() == "PONG"

    # Above it for longer than its seconds: closed at the next write that blocks.
    holder = RawClient(s.port)
    holder.send(encode_command("MGET", *["big:%d" % i for i in range(32)]))
    wait_until(lambda: any(" omem=" in l and int(l.split(" omem=")[1].split(" ")[0]) > MB
                           for l in c.execute_command("CLIENT", "LIST").splitlines()),
               what="the holder's pending replies to pass 1 MiB")
    since = time.monotonic()
    time.sleep(3.5)  # the limit's own time: 3 s above the soft limit
    assert stats(c)["client_output_buffer_limit_disconnections"] == 0  # nothing wrote yet
    data = holder.read_until_closed(timeout=60)
    assert len(data) < 32 * MB  # the reply was cut off: the client was closed
    assert time.monotonic() - since >= 3.0
    holder.close()
    assert stats(c)["client_output_buffer_limit_disconnections"] == 1
    assert "exceed client-output-buffer-limit" in s.read_log()
    assert c.ping() is True
    c.close()


def test_info_connection_and_byte_counters(server_factory):
    s = server_factory(["--maxclients", "2"])
    admin = RawClient(s.port)

    def info_stats():
        text = admin.call("INFO", "stats").decode()
        return dict(l.split(":", 1) for l in text.split("\r\n") if ":" in l), len(text)

    # The start-up check's connection may still be closing: wait until admin is the only one.
    wait_until(lambda: b"\r\nconnected_clients:1\r\n" in admin.call("INFO", "clients"),
               what="connected_clients 1")
    before, _ = info_stats()
    # rejected_connections: a third client over maxclients 2 is refused.
    second = RawClient(s.port)
    assert second.call("PING") == "PONG"
    third = RawClient(s.port)
    assert third.read_until_closed().startswith(b"-ERR max number of clients reached")
    third.close()
    second.close()
    wait_until(lambda: int(info_stats()[0]["rejected_connections"]) ==
               int(before["rejected_connections"]) + 1, what="rejected_connections + 1")
    after, _ = info_stats()
    assert int(after["total_connections_received"]) == int(before["total_connections_received"]) + 2

    # unknown_commands: exact count, and the connection goes on.
    assert admin.call("NOSUCHCOMMAND", "x").text.startswith("ERR unknown command")
    assert admin.call("ALSONOT") == RespError(
        "ERR unknown command 'ALSONOT', with args beginning with: ")
    now, _ = info_stats()
    assert int(now["unknown_commands"]) == int(after["unknown_commands"]) + 2

    # total_net_input_bytes / total_net_output_bytes: between two INFO calls on the only
    # connection, exactly the bytes of what was sent and received in between (the first INFO's
    # reply is counted as it is written, after its figures were taken).
    a, a_len = info_stats()
    ping = encode_command("ECHO", "x" * 1000)
    assert admin.call("ECHO", "x" * 1000) == b"x" * 1000
    b, _ = info_stats()
    info_request = encode_command("INFO", "stats")
    assert int(b["total_net_input_bytes"]) - int(a["total_net_input_bytes"]) == \
        len(ping) + len(info_request)
    first_info_reply = len(b"$%d\r\n" % a_len) + a_len + 2
    echo_reply = len(b"$1000\r\n") + 1000 + 2
    assert int(b["total_net_output_bytes"]) - int(a["total_net_output_bytes"]) == \
        first_info_reply + echo_reply
    admin.close()


def test_scan_invalid_cursor(sr):
    sr.mset({"k%d" % i: "v" for i in range(30)})
    for bad in ("123456789", "18446744073709551615", "-1", "abc", "1.5"):
        with pytest.raises(Exception) as e:
            sr.execute_command("SCAN", bad)
        assert str(e.value) == "invalid cursor", bad
    # A cursor the server gave out works; once 16384 later steps overwrote its slot it is invalid.
    cursor, keys = sr.scan(0, count=5)
    assert cursor != 0 and len(keys) == 5
    p = sr.pipeline(transaction=False)
    for _ in range(16384):
        p.execute_command("SCAN", "0", "COUNT", "1")
    assert all(int(r[0]) != 0 for r in p.execute())
    with pytest.raises(Exception) as e:
        sr.scan(cursor, count=5)
    assert str(e.value) == "invalid cursor"
    assert sr.scan(0, count=100)[1]  # scanning afresh works


def test_loglevel_filters_the_log_at_startup_and_at_run_time(server_factory):
    # notice (the default): startup and shutdown lines are written.
    s = server_factory([])
    c = s.client(decode_responses=True)
    assert c.config_get("loglevel") == {"loglevel": "notice"}
    assert " * ready on " in s.read_log()
    # Switched to warning at run time: the notice lines of the shutdown are not, but a warning
    # (a memory level change) still is.
    assert c.config_set("loglevel", "warning")
    c.config_set("maxmemory", "64mb")
    c.config_set("debug-used-memory", str(80 * MB))
    wait_until(lambda: c.info("governor")["memory_level"] == "full", what="level full")
    c.close()
    assert s.stop() == 0
    log = s.read_log()
    assert "memory level" in log and "-> full" in log, log
    assert "stopping workers" not in log and "bye" not in log, log


@pytest.mark.parametrize("level,notice_lines", [("warning", False), ("debug", True)])
def test_loglevel_from_the_command_line(server_factory, level, notice_lines):
    s = server_factory(["--loglevel", level])
    assert s.client().ping()
    assert s.stop() == 0
    log = s.read_log()
    assert ("ready on" in log) == notice_lines and ("bye" in log) == notice_lines, log


def test_loglevel_refuses_an_unknown_level(server_factory):
    s = server_factory([])
    c = s.client()
    with pytest.raises(Exception) as e:
        c.config_set("loglevel", "loud")
    assert "loglevel" in str(e.value), str(e.value)
    assert c.config_get("loglevel") == {"loglevel": "notice"}


def test_logfile_gets_redis_like_lines_filtered_by_loglevel(server_factory, data_dir):
    import re
    path = os.path.join(data_dir, "mnemo.log")
    s = server_factory(["--logfile", path, "--maxmemory", "64mb"])
    c = s.client()
    line = re.compile(r"^(\d+):(\d+) \d\d [A-Z][a-z]{2} \d{4} \d\d:\d\d:\d\d\.\d{3} ([.*#-]) (.*)$")
    with open(path) as f:
        lines = f.read().splitlines()
    assert lines, "nothing logged to the logfile"
    assert all(line.match(l) for l in lines), lines
    ready = [l for l in lines if " * ready on 127.0.0.1:%d " % s.port in l]
    assert len(ready) == 1, lines
    assert int(line.match(ready[0]).group(1)) == s.proc.pid
    assert c.config_get("logfile") == {"logfile": path}
    # At loglevel warning a policy firing (a warning) still gets through, with its mark.
    assert c.config_set("loglevel", "warning") is True
    c.config_set("debug-used-memory", 1 << 20)  # a `used` figure in sanitizer builds too
    c.execute_command("MEMORY", "POLICY", "ADD", "w", "used > 1 -> log")
    wait_until(lambda: "memory policy 'w' fired" in open(path).read(), what="policy line")
    fired = [l for l in open(path).read().splitlines() if "memory policy 'w' fired" in l]
    assert len(fired) == 1 and line.match(fired[0]).group(3) == "#"
    with pytest.raises(redis.ResponseError, match="can't set immutable config|immutable|protected"):
        c.config_set("logfile", os.path.join(data_dir, "other.log"))
