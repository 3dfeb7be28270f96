"""The governor's ladder driven deterministically: `debug-used-memory` (a test-only config key)
feeds the governor a used-memory figure through the same path as the allocator's, so every level
and every action of it is reached exactly, in the normal build and in the sanitizer build (which
has no jemalloc and so no real figure). Covers the hard level end to end (oversized requests
refused at exactly 64 KiB, clients holding big replies closed, profiling paused and resumed),
the full level, and the behaviour of maxmemory-soft-ratio, -hard-ratio and -hysteresis.
"""
import re

import pytest
import redis

from conftest import SANITIZED
from helpers import RawClient, RespError, encode_command, wait_until

MB = 1 << 20
LIMIT = 64 * MB
HARD_TEXT = "OOM request too large while used memory is near 'maxmemory'."
FULL_TEXT = "OOM command not allowed when used memory > 'maxmemory'."


def gov(c):
    return c.info("governor")


def set_used(c, nbytes):
    assert c.config_set("debug-used-memory", int(round(nbytes))) is True


def wait_level(c, level):
    wait_until(lambda: gov(c)["memory_level"] == level, timeout=30, interval=0.05,
               what="memory_level %s (now %s)" % (level, gov(c)["memory_level"]))


def kp(c, *args):
    return c.execute_command("KPROFILE", "MEMORY", *args)


def kp_info(c):
    flat = kp(c, "INFO")
    return dict(zip(flat[0::2], flat[1::2]))


def client_line(c, name):
    for line in c.execute_command("CLIENT", "LIST").splitlines():
        if " name=%s " % name in line:
            return dict(kv.split("=", 1) for kv in line.split(" ") if "=" in kv)
    return None


def test_debug_used_memory_feeds_the_governor(server_factory):
    s = server_factory(["--maxmemory", "64mb"])
    c = s.client(decode_responses=True)
    assert c.config_get("debug-used-memory") == {"debug-used-memory": "0"}
    set_used(c, 12345678)
    wait_until(lambda: gov(c)["governor_used_memory"] == 12345678, what="the figure to be used")
    assert gov(c)["memory_level"] == "normal"
    set_used(c, 0)  # off: the allocator's figure again (0 without jemalloc)
    g = gov(c)
    assert g["governor_used_memory"] != 12345678
    assert (g["governor_used_memory"] == 0) == SANITIZED
    c.close()


def test_hard_level_end_to_end(server_factory):
    """At hard: a request of a command that can add data is refused above 64 KiB of arguments
    and accepted at exactly 64 KiB; a client that stopped reading with pending replies over its
    configured client-output-buffer-limit (the soft 4 MiB for 1 s) is closed by the governor's
    tick, which applies the limit to every client at hard (below hard it is checked only as
    replies are produced, and this client produces none), while an idle client is not; active heap profiling is paused, and resumed with its sampling rate
    when the level falls below hard. Reads and deletes keep working throughout."""
    s = server_factory(["--maxmemory", "64mb", "--client-output-buffer-limit",
                        "normal 0 4mb 1"])
    c = s.client(decode_responses=True)
    if SANITIZED:
        assert "not available" in str(pytest.raises(redis.ResponseError, kp, c, "ENABLE").value)
    else:
        assert kp(c, "ENABLE", "SAMPLE", "64kb") == "OK"
        assert kp_info(c)["sample-bytes"] == 65536
    for i in range(16):
        c.set("big:%d" % i, "x" * MB)
    # A client that asks for a 16 MB reply and never reads it: most of it stays pending.
    holder = RawClient(s.port)
    holder.call("CLIENT", "SETNAME", "holder")
    holder.send(encode_command("MGET", *["big:%d" % i for i in range(16)]))
    wait_until(lambda: int(client_line(c, "holder")["omem"]) > 4 * MB,
               what="the holder's pending replies to pass 4 MiB")
    idle = RawClient(s.port)
    assert idle.call("CLIENT", "SETNAME", "idle") == "OK"
    before = gov(c)
    assert before["governor_clients_closed"] == 0 and before["memory_level"] == "normal"

    set_used(c, LIMIT * 0.96)
    wait_level(c, "hard")
    # The holder is closed (what it had received so far is part of the MGET reply, never an
    # error), the idle client is not. It reads nothing until then: reading would drain its
    # replies below the limit.
    wait_until(lambda: gov(c)["governor_clients_closed"] == 1, what="governor_clients_closed 1")
    holder.read_until_closed(timeout=30)
    holder.close()
    assert client_line(c, "holder") is None
    assert idle.call("PING") == "PONG"
    # Oversized requests: the arguments of SET k <value> total 3 + 1 + len(value) bytes.
    limit_value = "v" * (64 * 1024 - 4)
    assert c.set("k", limit_value) is True  # exactly 64 KiB: accepted
    with pytest.raises(redis.ResponseError) as e:
        c.set("k", limit_value + "v")  # one byte more: refused, k unchanged
    assert "OOM " + str(e.value) == HARD_TEXT or str(e.value) == HARD_TEXT
    assert c.strlen("k") == len(limit_value)
    assert c.set("small", "s") is True  # small writes still work at hard
    assert len(c.get("big:0")) == MB and c.delete("big:15") == 1  # reads and deletes work
    g = gov(c)
    assert g["oom_rejected_oversized_requests"] == 1 and g["oom_rejected_commands"] == 0
    if not SANITIZED:
        assert kp(c, "STATUS") == "disabled"
        assert g["governor_profiling_paused"] == 1 and g["governor_profiling_pauses"] == 1
    else:
        assert g["governor_profiling_paused"] == 0

    # Below hard again: profiling resumes at its rate, oversized requests are accepted.
    set_used(c, LIMIT * 0.5)
    wait_level(c, "normal")
    assert c.set("k", limit_value + "v") is True
    if not SANITIZED:
        wait_until(lambda: kp(c, "STATUS") == "enabled", what="profiling to resume")
        assert kp_info(c)["sample-bytes"] == 65536
        assert gov(c)["governor_profiling_paused"] == 0
        assert "heap profiling resumed" in s.read_log()
    assert idle.call("PING") == "PONG"
    idle.close()
    log = s.read_log()
    assert "memory level soft -> hard" in log and "memory level hard -> soft" in log
    c.close()


def test_full_level_refuses_writes_keeps_reads_and_deletes(server_factory):
    s = server_factory(["--maxmemory", "64mb"])
    c = s.client(decode_responses=True)
    c.set("a", "1")
    c.set("b", "2")
    set_used(c, LIMIT)
    wait_level(c, "full")
    for cmd in (("SET", "n", "x"), ("INCR", "a"), ("APPEND", "a", "x"), ("MSET", "x", "1")):
        with pytest.raises(redis.ResponseError) as e:
            c.execute_command(*cmd)
        assert str(e.value) in (FULL_TEXT, FULL_TEXT[4:]), (cmd, str(e.value))
    assert gov(c)["oom_rejected_commands"] == 4
    assert c.get("a") == "1" and c.delete("b") == 1 and c.exists("n") == 0
    assert c.dbsize() == 1
    set_used(c, LIMIT * 0.5)
    wait_level(c, "normal")
    assert c.set("n", "x") is True
    c.close()


@pytest.mark.parametrize("steps", [[
    # (used share of the limit, level expected) with soft 0.5, hard 0.7, hysteresis 0.1
    (0.49, "normal"), (0.50, "soft"), (0.69, "soft"), (0.70, "hard"), (0.99, "hard"),
    (1.00, "full"), (0.91, "full"), (0.89, "hard"), (0.61, "hard"), (0.59, "soft"),
    (0.41, "soft"), (0.39, "normal"), (0.72, "hard"), (0.30, "normal"),
]])
def test_soft_hard_ratios_and_hysteresis(server_factory, steps):
    """Each level is entered at its ratio of the limit and left only `hysteresis` below it; the
    ratios and the hysteresis are read live (CONFIG SET takes effect at once)."""
    s = server_factory(["--maxmemory", "100mb", "--maxmemory-soft-ratio", "0.5",
                        "--maxmemory-hard-ratio", "0.7", "--maxmemory-hysteresis", "0.1"])
    c = s.client(decode_responses=True)
    limit = 100 * MB
    changes = 0
    level = "normal"
    order = ["normal", "soft", "hard", "full"]
    for share, want in steps:
        set_used(c, limit * share)
        wait_level(c, want)
        changes += abs(order.index(want) - order.index(level))
        level = want
        assert gov(c)["memory_level_changes"] == changes, (share, want)
    # Live changes: at 0.45 the level is normal; lowering the soft ratio to 0.4 enters soft, a
    # hysteresis of 0.1 keeps it at 0.35, and 0.29 leaves it.
    set_used(c, limit * 0.45)
    wait_level(c, "normal")
    assert c.config_set("maxmemory-soft-ratio", "0.4") is True
    wait_level(c, "soft")
    set_used(c, limit * 0.35)
    assert gov(c)["memory_level"] == "soft"
    assert c.config_set("maxmemory-hysteresis", "0.01") is True
    wait_level(c, "normal")
    # A hard ratio below the soft one is raised to it: hard and soft are entered together.
    assert c.config_set("maxmemory-hard-ratio", "0.3") is True
    set_used(c, limit * 0.41)
    wait_level(c, "hard")
    assert re.search(r"memory level normal -> soft \(used 41\.00M of limit 100\.00M\)",
                     s.read_log())
    c.close()
