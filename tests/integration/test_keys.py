"""Generic key commands: DEL, EXISTS, TYPE, expiry, TTL family, KEYS, SCAN, RENAME, RANDOMKEY,
DBSIZE, FLUSHDB, FLUSHALL. (Only strings exist yet, so WRONGTYPE is not tested here.)"""
import time

import pytest

from helpers import cmd_error, raw, ttl_between

NOT_INT = "value is not an integer or out of range"


@pytest.fixture
def r(sr):
    return sr  # the module shares one server; every test starts with it empty


# ---------------------------------------------------------------------------------------------
# DEL / UNLINK / EXISTS / TYPE


@pytest.mark.parametrize("cmd", ["DEL", "UNLINK"])
def test_del_counts_each_existing_key_once(r, cmd):
    r.mset({"a": "1", "b": "2", "c": "3"})
    assert raw(r, cmd, "a", "a", "b", "missing") == 2
    assert r.exists("a", "b") == 0
    assert r.get("c") == "3"
    assert raw(r, cmd, "a") == 0
    assert raw(r, cmd, "c", "c", "c") == 1
    assert r.dbsize() == 0


def test_exists_counts_duplicates(r):
    r.set("a", "1")
    r.set("b", "")
    assert r.exists("a") == 1
    assert r.exists("a", "a", "a", "missing") == 3
    assert r.exists("a", "b") == 2
    assert r.exists("missing") == 0


def test_type(r):
    r.set("s", "v")
    assert r.type("s") == "string"
    assert r.type("missing") == "none"
    r.set("e", "x", px=1)
    time.sleep(0.01)
    assert r.type("e") == "none"


# ---------------------------------------------------------------------------------------------
# EXPIRE family, TTL family, PERSIST


def test_expire_and_ttl_family(r):
    r.set("k", "v")
    assert r.ttl("k") == -1
    assert r.pttl("k") == -1
    assert r.expiretime("k") == -1
    assert r.pexpiretime("k") == -1
    assert r.expire("k", 100) is True
    ttl_between(r, "k", 95, 100)
    assert 95000 <= r.pttl("k") <= 100000
    now = time.time()
    assert now + 90 <= r.expiretime("k") <= now + 101
    assert r.pexpire("k", 200000) is True
    assert 195000 <= r.pttl("k") <= 200000
    at = int(time.time()) + 300
    assert r.expireat("k", at) is True
    assert r.expiretime("k") == at
    assert r.pexpiretime("k") == at * 1000
    pat = int(time.time() * 1000) + 400123
    assert r.pexpireat("k", pat) is True
    assert r.pexpiretime("k") == pat
    assert r.expiretime("k") == pat // 1000
    for cmd in ("TTL", "PTTL", "EXPIRETIME", "PEXPIRETIME"):
        assert raw(r, cmd, "missing") == -2


def test_expire_missing_key(r):
    for cmd, arg in (("EXPIRE", 100), ("PEXPIRE", 100), ("EXPIREAT", 99999999999),
                     ("PEXPIREAT", 99999999999999)):
        assert raw(r, cmd, "missing", arg) == 0
        assert raw(r, cmd, "missing", arg, "XX") == 0
        assert raw(r, cmd, "missing", arg, "NX") == 0
    assert r.exists("missing") == 0


def test_expire_nx_xx_gt_lt(r):
    r.set("k", "v")
    assert raw(r, "EXPIRE", "k", 100, "XX") == 0  # no TTL yet
    assert raw(r, "EXPIRE", "k", 100, "GT") == 0  # no TTL counts as infinite
    assert r.ttl("k") == -1
    assert raw(r, "EXPIRE", "k", 100, "NX") == 1
    assert raw(r, "EXPIRE", "k", 200, "NX") == 0
    ttl_between(r, "k", 95, 100)
    assert raw(r, "EXPIRE", "k", 150, "XX") == 1
    ttl_between(r, "k", 145, 150)
    assert raw(r, "EXPIRE", "k", 50, "GT") == 0
    assert raw(r, "EXPIRE", "k", 200, "GT") == 1
    ttl_between(r, "k", 195, 200)
    assert raw(r, "EXPIRE", "k", 300, "LT") == 0
    assert raw(r, "EXPIRE", "k", 50, "LT") == 1
    ttl_between(r, "k", 45, 50)
    assert raw(r, "EXPIRE", "k", 100, "XX", "GT") == 1
    ttl_between(r, "k", 95, 100)
    assert raw(r, "PEXPIRE", "k", 10000, "gt") == 0  # options are case-insensitive
    r.set("p", "v")
    assert raw(r, "EXPIRE", "p", 100, "LT") == 1  # no TTL counts as infinite
    ttl_between(r, "p", 95, 100)
    r.set("q", "v")
    assert raw(r, "EXPIRE", "q", 100, "XX", "LT") == 0


@pytest.mark.parametrize(
    "opts,text",
    [
        (["NX", "XX"], "NX and XX, GT or LT options at the same time are not compatible"),
        (["NX", "GT"], "NX and XX, GT or LT options at the same time are not compatible"),
        (["LT", "NX"], "NX and XX, GT or LT options at the same time are not compatible"),
        (["GT", "LT"], "GT and LT options at the same time are not compatible"),
        (["FOO"], "Unsupported option FOO"),
        (["NX", "bar"], "Unsupported option bar"),
    ],
)
@pytest.mark.parametrize("cmd", ["EXPIRE", "PEXPIRE", "EXPIREAT", "PEXPIREAT"])
def test_expire_option_errors(r, cmd, opts, text):
    r.set("k", "v")
    assert cmd_error(r, cmd, "k", "99999999999", *opts) == text
    assert r.ttl("k") == -1


@pytest.mark.parametrize("cmd", ["EXPIRE", "PEXPIRE", "EXPIREAT", "PEXPIREAT"])
def test_expire_checks_options_before_the_value(r, cmd):
    # As Redis: a bad option combination is reported even when the time is bad too.
    r.set("k", "v")
    assert cmd_error(r, cmd, "k", "abc", "NX", "XX") == \
        "NX and XX, GT or LT options at the same time are not compatible"
    assert cmd_error(r, cmd, "k", "9223372036854775807", "GT", "LT") == \
        "GT and LT options at the same time are not compatible"
    assert cmd_error(r, cmd, "k", "abc", "FOO") == "Unsupported option FOO"
    assert r.ttl("k") == -1


def test_expire_bad_values(r):
    r.set("k", "v")
    assert cmd_error(r, "EXPIRE", "k", "abc") == NOT_INT
    assert cmd_error(r, "PEXPIRE", "k", "1.5") == NOT_INT
    assert cmd_error(r, "EXPIRE", "k", "9223372036854775807") == \
        "invalid expire time in 'expire' command"
    assert cmd_error(r, "PEXPIRE", "k", "9223372036854775807") == \
        "invalid expire time in 'pexpire' command"
    assert cmd_error(r, "EXPIREAT", "k", "9223372036854775807") == \
        "invalid expire time in 'expireat' command"
    assert cmd_error(r, "EXPIRE", "k", "-9223372036854775808") == \
        "invalid expire time in 'expire' command"
    assert r.ttl("k") == -1
    assert cmd_error(r, "EXPIRE", "k") == "wrong number of arguments for 'expire' command"


@pytest.mark.parametrize(
    "cmd,arg",
    [("EXPIRE", 0), ("EXPIRE", -1), ("PEXPIRE", 0), ("PEXPIRE", -100), ("EXPIREAT", 0),
     ("EXPIREAT", 1), ("PEXPIREAT", 1), ("PEXPIREAT", -5)],
)
def test_non_positive_or_past_expire_deletes(r, cmd, arg):
    r.set("k", "v", ex=100)
    assert raw(r, cmd, "k", arg) == 1
    assert r.exists("k") == 0
    assert r.get("k") is None
    assert r.ttl("k") == -2
    assert r.dbsize() == 0


def test_persist(r):
    r.set("k", "v", ex=100)
    assert r.persist("k") is True
    assert r.ttl("k") == -1
    assert r.persist("k") is False
    assert r.persist("missing") is False
    assert r.get("k") == "v"


# ---------------------------------------------------------------------------------------------
# KEYS


GLOB_KEYS = ["hello", "hallo", "hxllo", "hllo", "heeeello", "a*b", "a?b", "a[b", "axb", "a\\b",
             "a]b", "a-b"]


@pytest.mark.parametrize(
    "pattern,expected",
    [
        ("*", GLOB_KEYS),
        ("h?llo", ["hello", "hallo", "hxllo"]),
        ("h*llo", ["hello", "hallo", "hxllo", "hllo", "heeeello"]),
        ("h[ae]llo", ["hello", "hallo"]),
        ("h[^e]llo", ["hallo", "hxllo"]),
        ("h[a-e]llo", ["hallo", "hello"]),
        ("h[a-b]llo", ["hallo"]),
        ("a\\*b", ["a*b"]),
        ("a\\?b", ["a?b"]),
        ("a\\[b", ["a[b"]),
        ("a\\\\b", ["a\\b"]),
        ("a[\\]]b", ["a]b"]),
        ("a[*]b", ["a*b"]),
        ("a[x-z]b", ["axb"]),
        ("a[z-x]b", ["axb"]),
        ("a?b", ["a*b", "a?b", "a[b", "axb", "a\\b", "a]b", "a-b"]),
        ("nomatch*", []),
        ("hello", ["hello"]),
        ("", []),
    ],
)
def test_keys_glob(r, pattern, expected):
    r.mset({k: "1" for k in GLOB_KEYS})
    got = r.keys(pattern)
    assert sorted(got) == sorted(expected)
    assert len(got) == len(set(got))


def test_keys_empty_db(r):
    assert r.keys("*") == []


# ---------------------------------------------------------------------------------------------
# SCAN


def full_scan(r, **kw):
    seen = []
    cursor = 0
    steps = 0
    while True:
        cursor, keys = r.scan(cursor, **kw)
        seen += keys
        steps += 1
        assert steps < 100000
        if cursor == 0:
            return seen, steps


def test_scan_full_iteration_each_key_once(r):
    keys = ["key:%d" % i for i in range(700)]
    r.mset({k: "v" for k in keys})
    seen, steps = full_scan(r, count=13)
    assert len(seen) == len(keys)
    assert set(seen) == set(keys)
    assert steps > 1
    seen, _ = full_scan(r)
    assert sorted(seen) == sorted(keys)


def test_scan_match_count_type(r):
    keys = ["user:%d" % i for i in range(300)] + ["other:%d" % i for i in range(300)]
    r.mset({k: "v" for k in keys})
    seen, _ = full_scan(r, match="user:1*", count=7)
    expected = [k for k in keys if k.startswith("user:1")]
    assert sorted(seen) == sorted(expected)
    seen, _ = full_scan(r, match="*", count=1000, _type="string")
    assert sorted(seen) == sorted(keys)
    seen, _ = full_scan(r, count=50, _type="hash")
    assert seen == []
    seen, _ = full_scan(r, match="nothing*", count=5)
    assert seen == []
    # A name no type has matches no key (as in Redis, which keeps this over an error).
    assert raw(r, "SCAN", "0", "TYPE", "nosuch") == ["0", []]
    seen, _ = full_scan(r, count=50, _type="STRING")
    assert sorted(seen) == sorted(keys)


def test_scan_reports_stable_keys_once_while_keyspace_changes(r):
    stable = ["s:%03d" % i for i in range(200)]
    r.mset({k: "v" for k in stable})
    r.mset({"t:%03d" % i: "v" for i in range(200)})
    seen = []
    cursor = 0
    step = 0
    while True:
        cursor, keys = r.scan(cursor, count=10)
        seen += keys
        # Churn: delete and add other keys between steps.
        r.delete("t:%03d" % step)
        r.set("n:%03d" % step, "v")
        step += 1
        if cursor == 0:
            break
    stable_seen = [k for k in seen if k.startswith("s:")]
    assert sorted(stable_seen) == stable
    assert len(seen) == len(set(seen))


def test_scan_errors(r):
    r.set("k", "v")
    assert cmd_error(r, "SCAN", "0", "COUNT", "0") == "syntax error"
    assert cmd_error(r, "SCAN", "0", "COUNT", "-1") == "syntax error"
    assert cmd_error(r, "SCAN", "0", "COUNT", "abc") == NOT_INT
    assert cmd_error(r, "SCAN", "0", "MATCH") == "syntax error"
    assert cmd_error(r, "SCAN", "0", "FOO", "bar") == "syntax error"
    assert cmd_error(r, "SCAN", "abc") == "invalid cursor"
    assert cmd_error(r, "SCAN", "1.5") == "invalid cursor"
    assert cmd_error(r, "SCAN", "18446744073709551616") == "invalid cursor"
    assert cmd_error(r, "SCAN") == "wrong number of arguments for 'scan' command"


def test_scan_unknown_cursor_is_an_error(r):
    # Mnemo's documented behaviour (docs/internals.md): a cursor it never handed out (or one that
    # was overwritten in its ring) is refused rather than silently ending the scan.
    r.set("k", "v")
    assert cmd_error(r, "SCAN", "987654321") == "invalid cursor"


# ---------------------------------------------------------------------------------------------
# RENAME / RENAMENX


def test_rename(r):
    r.set("a", "1", ex=100)
    r.set("b", "2")
    assert r.rename("a", "c") is True
    assert r.get("c") == "1"
    assert r.exists("a") == 0
    ttl_between(r, "c", 95, 100)  # the TTL moves with the value
    assert r.rename("b", "c") is True  # overwrites the destination, and its TTL
    assert r.get("c") == "2"
    assert r.ttl("c") == -1
    assert r.rename("c", "c") is True
    assert r.get("c") == "2"
    assert cmd_error(r, "RENAME", "missing", "x") == "no such key"
    assert r.exists("x") == 0


def test_renamenx(r):
    r.set("a", "1")
    r.set("b", "2")
    assert r.renamenx("a", "b") is False
    assert r.mget("a", "b") == ["1", "2"]
    assert r.renamenx("a", "c") is True
    assert r.mget("a", "c") == [None, "1"]
    assert r.renamenx("c", "c") is False
    assert r.get("c") == "1"
    assert cmd_error(r, "RENAMENX", "missing", "x") == "no such key"


# ---------------------------------------------------------------------------------------------
# RANDOMKEY / DBSIZE / FLUSHDB / FLUSHALL


def test_randomkey(r):
    assert r.randomkey() is None
    keys = {"k%d" % i for i in range(20)}
    r.mset({k: "v" for k in keys})
    for _ in range(20):
        assert r.randomkey() in keys
    r.set("only", "1")
    r.delete(*keys)
    assert r.randomkey() == "only"


def test_dbsize(r):
    assert r.dbsize() == 0
    r.mset({"k%d" % i: "v" for i in range(50)})
    assert r.dbsize() == 50
    r.set("k0", "again")
    assert r.dbsize() == 50
    r.delete("k1", "k2")
    assert r.dbsize() == 48
    r.expire("k3", 0)
    assert r.dbsize() == 47


@pytest.mark.parametrize("cmd", ["FLUSHDB", "FLUSHALL"])
@pytest.mark.parametrize("mode", [None, "ASYNC", "SYNC", "async"])
def test_flush(r, cmd, mode):
    r.mset({"k%d" % i: "v" for i in range(100)})
    r.set("t", "v", ex=100)
    args = [cmd] + ([mode] if mode else [])
    assert raw(r, *args) == "OK"
    assert r.dbsize() == 0
    assert r.keys("*") == []
    assert r.get("k1") is None
    assert r.set("k1", "new")
    assert r.get("k1") == "new"


@pytest.mark.parametrize("cmd", ["FLUSHDB", "FLUSHALL"])
@pytest.mark.parametrize("args", [["foo"], ["SYNC", "extra"], ["ASYNC", "ASYNC"]])
def test_flush_syntax_errors(r, cmd, args):
    r.set("k", "v")
    assert cmd_error(r, cmd, *args) == "syntax error"
    assert r.get("k") == "v"
