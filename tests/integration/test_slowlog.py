"""SLOWLOG and INFO latencystats compared with redis-server 7.0: the same commands against both,
the replies' shapes equal (times and ids differ), the argument truncation rules and every error
text exactly equal."""
import re

import pytest

from helpers import raw
from redis_reference import RedisServer


@pytest.fixture(scope="module")
def ref():
    s = RedisServer()
    yield s
    s.stop()


@pytest.fixture
def pair(server, ref):
    """(mnemo client, redis client), each named, logging every command, log emptied."""
    out = []
    for s in (server, ref):
        c = s.client(decode_responses=True)
        c.client_setname("tester")
        c.config_set("slowlog-log-slower-than", "0")
        c.config_set("slowlog-max-len", "128")
        c.slowlog_reset()
        out.append(c)
    yield out
    for c in out:
        c.close()


def raw_get(c, *args):
    return c.execute_command("SLOWLOG", "GET", *args)


def both(pair, fn):
    return [fn(c) for c in pair]


def error_of(c, *args):
    try:
        c.execute_command(*args)
    except Exception as e:  # redis.ResponseError
        return type(e).__name__, str(e)
    raise AssertionError("no error for %r" % (args,))


def check_entry(entry, args, client):
    assert len(entry) == 6, entry
    ident, when, usec, got_args, addr, name = entry
    assert isinstance(ident, int) and isinstance(when, int) and isinstance(usec, int)
    assert usec >= 0
    assert got_args == args
    assert addr == client.client_info()["addr"]
    assert name == "tester"


def test_entry_shape_and_order(pair):
    for c in pair:
        c.set("foo", "bar")
        c.get("foo")
    for c in pair:
        entries = raw_get(c, "2")
        assert len(entries) == 2
        # Newest first: GET, then SET; ids count up.
        check_entry(entries[0], ["GET", "foo"], c)
        check_entry(entries[1], ["SET", "foo", "bar"], c)
        assert entries[0][0] == entries[1][0] + 1


def test_truncation_exactly_as_redis(pair):
    many = ["v%d" % i for i in range(40)]
    for c in pair:
        c.rpush("list", *many)
        c.set("long", "x" * 200)
        c.rpush("list2", *["y" * 130] * 31)  # 33 arguments: the last kept one is replaced
    got = both(pair, lambda c: [e[3] for e in raw_get(c, "3")])
    assert got[0] == got[1]
    set_args, rpush2_args, rpush_args = got[0][1], got[0][0], got[0][2]
    assert set_args == ["SET", "long", "x" * 128 + "... (72 more bytes)"]
    assert len(rpush_args) == 32 and rpush_args[-1] == "... (11 more arguments)"
    assert rpush2_args[-1] == "... (2 more arguments)"
    assert rpush2_args[2] == "y" * 128 + "... (2 more bytes)"


def test_len_reset_max_len_and_get_counts(pair):
    for c in pair:
        for i in range(20):
            c.incr("n")
    lens = both(pair, lambda c: c.slowlog_len())
    assert lens[0] == lens[1] >= 20
    for c in pair:
        assert len(raw_get(c)) == 10          # default count
        assert len(raw_get(c, "3")) == 3
        assert len(raw_get(c, "0")) == 0
        n = c.slowlog_len()
        assert len(raw_get(c, "-1")) == n + 1  # -1: every entry, LEN's own included
        c.config_set("slowlog-max-len", "4")
        c.set("x", "1")
        assert c.slowlog_len() == 4
        assert len(raw_get(c, "-1")) == 4
        assert c.execute_command("SLOWLOG", "RESET") == "OK"
        # RESET itself is logged after it ran, as in Redis (then LEN).
        assert c.slowlog_len() == 1
        assert [e[3] for e in raw_get(c, "-1")] == [["SLOWLOG", "LEN"], ["SLOWLOG", "RESET"]]


def test_threshold_off_and_high(pair):
    for c in pair:
        c.config_set("slowlog-log-slower-than", "-1")
        c.slowlog_reset()
        c.set("a", "1")
        assert c.slowlog_len() == 0
        c.config_set("slowlog-log-slower-than", "10000000")  # 10 s: nothing here is that slow
        c.set("a", "2")
        assert c.slowlog_len() == 0
        assert c.config_get("slowlog-log-slower-than") == {"slowlog-log-slower-than": "10000000"}


def test_secrets_are_redacted(server, ref):
    got = []
    for s in (server, ref):
        c = s.client(decode_responses=True)
        c.config_set("slowlog-log-slower-than", "0")
        c.config_set("requirepass", "pw")
        try:
            c.execute_command("AUTH", "pw")
            c.slowlog_reset()
            c.execute_command("AUTH", "pw")
            c.execute_command("AUTH", "default", "pw")
            c.execute_command("HELLO", "2", "AUTH", "default", "pw", "SETNAME", "n")
            got.append([e[3] for e in raw_get(c, "3")])
        finally:
            c.config_set("requirepass", "")
            c.close()
    assert got[0] == got[1]
    assert got[0] == [["HELLO", "2", "AUTH", "(redacted)", "(redacted)", "SETNAME", "n"],
                      ["AUTH", "(redacted)", "(redacted)"], ["AUTH", "(redacted)"]]


def test_help_and_errors_equal(pair):
    assert both(pair, lambda c: c.execute_command("SLOWLOG", "HELP"))[0] == \
        both(pair, lambda c: c.execute_command("SLOWLOG", "HELP"))[1]
    for args in (("SLOWLOG", "GET", "-2"), ("SLOWLOG", "GET", "abc"), ("SLOWLOG", "GET", "1", "2"),
                 ("SLOWLOG", "LEN", "3"), ("SLOWLOG", "RESET", "x"), ("SLOWLOG", "FOO"),
                 ("SLOWLOG",), ("CONFIG", "SET", "slowlog-log-slower-than", "-2"),
                 ("CONFIG", "SET", "slowlog-max-len", "-1")):
        mnemo, redis_ = both(pair, lambda c: error_of(c, *args))
        assert mnemo == redis_, args


LATENCY = re.compile(r"^p50=\d+\.\d{3},p99=\d+\.\d{3},p99\.9=\d+\.\d{3}$")


def test_info_latencystats(pair):
    for c in pair:
        c.config_set("latency-tracking", "yes")
        c.config_resetstat()
        for i in range(30):
            c.set("k%d" % i, i)
            c.get("k%d" % i)
    texts = both(pair, lambda c: raw(c, "INFO", "latencystats"))
    for text in texts:
        assert text.startswith("# Latencystats\r\n"), text
        fields = dict(line.split(":", 1) for line in text.split("\r\n")[1:] if line)
        for cmd in ("set", "get"):
            v = fields["latency_percentiles_usec_" + cmd]
            assert LATENCY.match(v), v
            p50, p99, p999 = (float(x.split("=")[1]) for x in v.split(","))
            assert 0 <= p50 <= p99 <= p999
    # Not in the default INFO, in INFO everything; empty while latency-tracking is off.
    for c in pair:
        assert "latency_percentiles_usec_set" not in raw(c, "INFO")
        assert "latency_percentiles_usec_set" in raw(c, "INFO", "everything")
        c.config_set("latency-tracking", "no")
        assert raw(c, "INFO", "latencystats").strip() == "# Latencystats"
        c.config_set("latency-tracking", "yes")
