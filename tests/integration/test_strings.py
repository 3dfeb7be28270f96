"""String commands against the real server: replies and exact error texts as Redis 7.0 gives them."""
import time

import pytest
import redis

from helpers import assert_error, cmd_error, raw, ttl_between

SYNTAX = "syntax error"
NOT_INT = "value is not an integer or out of range"
NOT_FLOAT = "value is not a valid float"


@pytest.fixture
def r(sr):
    return sr  # the module shares one server; every test starts with it empty


@pytest.fixture
def b(sr, shared_server):
    """A client that does not decode replies (bytes in, bytes out)."""
    c = shared_server.client()
    yield c
    c.close()


# ---------------------------------------------------------------------------------------------
# GET / SET


def test_get_set_overwrite(r):
    assert r.get("k") is None
    assert r.set("k", "v1") is True
    assert r.get("k") == "v1"
    assert r.set("k", "v2") is True
    assert r.get("k") == "v2"
    assert r.set("empty", "") is True
    assert r.get("empty") == ""
    assert r.exists("empty") == 1


def test_set_nx_xx(r):
    assert r.set("k", "a", xx=True) is None
    assert r.get("k") is None
    assert r.set("k", "a", nx=True) is True
    assert r.set("k", "b", nx=True) is None
    assert r.get("k") == "a"
    assert r.set("k", "c", xx=True) is True
    assert r.get("k") == "c"
    # Repeating the same condition is accepted, as in Redis.
    assert raw(r, "SET", "k", "d", "XX", "XX") == "OK"
    assert r.get("k") == "d"


def test_set_get_option_returns_old_value(r):
    assert raw(r, "SET", "k", "v1", "GET") is None
    assert r.get("k") == "v1"
    assert raw(r, "SET", "k", "v2", "GET") == "v1"
    assert r.get("k") == "v2"
    # GET with NX (allowed since Redis 7): returns the old value and does not write.
    assert raw(r, "SET", "k", "v3", "NX", "GET") == "v2"
    assert r.get("k") == "v2"
    assert raw(r, "SET", "new", "n1", "NX", "GET") is None
    assert r.get("new") == "n1"
    # GET with XX on a missing key: nil, nothing written.
    assert raw(r, "SET", "missing", "x", "XX", "GET") is None
    assert r.exists("missing") == 0
    assert raw(r, "SET", "k", "v4", "XX", "GET") == "v2"
    assert r.get("k") == "v4"


def test_set_expire_options(r):
    assert r.set("ex", "v", ex=100)
    ttl_between(r, "ex", 95, 100)
    assert r.set("px", "v", px=100000)
    assert 95000 <= r.pttl("px") <= 100000
    at = int(time.time()) + 200
    assert raw(r, "SET", "exat", "v", "EXAT", at) == "OK"
    assert r.expiretime("exat") == at
    pat = int(time.time() * 1000) + 300000
    assert raw(r, "SET", "pxat", "v", "PXAT", pat) == "OK"
    assert r.pexpiretime("pxat") == pat
    # Options are case-insensitive.
    assert raw(r, "SET", "lower", "v", "ex", "50") == "OK"
    ttl_between(r, "lower", 45, 50)
    # A plain SET drops the TTL.
    assert r.set("ex", "v2")
    assert r.ttl("ex") == -1


def test_set_absolute_expiry_in_the_past_deletes(r):
    assert raw(r, "SET", "k", "v", "EXAT", 1) == "OK"
    assert r.exists("k") == 0
    assert r.get("k") is None
    assert raw(r, "SET", "k", "v", "PXAT", 1) == "OK"
    assert r.exists("k") == 0


def test_set_keepttl(r):
    assert r.set("k", "v", ex=100)
    assert raw(r, "SET", "k", "v2", "KEEPTTL") == "OK"
    assert r.get("k") == "v2"
    ttl_between(r, "k", 95, 100)
    assert raw(r, "SET", "nottl", "v", "KEEPTTL") == "OK"
    assert r.ttl("nottl") == -1
    assert raw(r, "SET", "k", "v3", "GET", "KEEPTTL") == "v2"
    ttl_between(r, "k", 95, 100)


@pytest.mark.parametrize(
    "opts",
    [
        ["NX", "XX"],
        ["XX", "NX"],
        ["EX", "10", "PX", "10000"],
        ["PX", "10", "EX", "10"],
        ["EX", "10", "EXAT", "99999999999"],
        ["PXAT", "99999999999999", "EX", "10"],
        ["KEEPTTL", "EX", "10"],
        ["EX", "10", "KEEPTTL"],
        ["PX", "10", "KEEPTTL"],
        ["EX"],
        ["PX"],
        ["FOO"],
        ["NX", "BAR"],
        ["GET", "GET", "X"],
    ],
)
def test_set_bad_option_combinations_are_syntax_errors(r, opts):
    r.set("k", "old")
    assert cmd_error(r, "SET", "k", "new", *opts) == SYNTAX
    assert r.get("k") == "old"
    assert r.ttl("k") == -1


def test_set_same_expire_option_twice_is_accepted(r):
    # Redis only rejects a *different* expiry option; the last value of a repeated one wins.
    assert raw(r, "SET", "k", "v", "EX", "100", "EX", "200") == "OK"
    ttl_between(r, "k", 190, 200)
    assert raw(r, "SET", "k", "v", "PX", "100000", "PX", "300000") == "OK"
    assert 290000 <= r.pttl("k") <= 300000


@pytest.mark.parametrize(
    "opts",
    [
        ["EX", "0"],
        ["EX", "-1"],
        ["PX", "0"],
        ["PX", "-100"],
        ["EXAT", "0"],
        ["PXAT", "-5"],
        ["EX", "9999999999999999"],
        ["EX", "9223372036854775"],
        ["PX", "9223372036854775807"],
        ["EXAT", "9223372036854775807"],
    ],
)
def test_set_invalid_expire_time(r, opts):
    assert cmd_error(r, "SET", "k", "v", *opts) == "invalid expire time in 'set' command"
    assert r.exists("k") == 0


def test_set_checks_syntax_before_the_expiry_value(r):
    # As Redis: the whole option list is parsed first, then the last expiry value given.
    assert cmd_error(r, "SET", "k", "v", "EX", "abc", "KEEPTTL") == SYNTAX
    assert cmd_error(r, "SET", "k", "v", "PX", "9223372036854775807", "KEEPTTL") == SYNTAX
    assert cmd_error(r, "SET", "k", "v", "EX", "0", "PX", "100") == SYNTAX
    assert r.exists("k") == 0
    # Only the value that counts (the last) is checked.
    assert raw(r, "SET", "k", "v", "EX", "abc", "EX", "100") == "OK"
    ttl_between(r, "k", 90, 100)
    assert raw(r, "SET", "k", "w", "PX", "-1", "PX", "100000") == "OK"
    assert 90000 <= r.pttl("k") <= 100000


def test_set_non_integer_expire(r):
    assert cmd_error(r, "SET", "k", "v", "EX", "abc") == NOT_INT
    assert cmd_error(r, "SET", "k", "v", "PX", "1.5") == NOT_INT
    assert r.exists("k") == 0


def test_setnx(r):
    assert r.setnx("k", "a") is True
    assert r.setnx("k", "b") is False
    assert r.get("k") == "a"
    r.expire("k", 100)
    assert r.setnx("k", "c") is False
    ttl_between(r, "k", 95, 100)


def test_setex_psetex(r):
    assert r.setex("k", 100, "v") is True
    assert r.get("k") == "v"
    ttl_between(r, "k", 95, 100)
    assert r.psetex("p", 100000, "v") is True
    assert 95000 <= r.pttl("p") <= 100000
    for bad in ("0", "-1", "9223372036854775"):
        assert cmd_error(r, "SETEX", "x", bad, "v") == "invalid expire time in 'setex' command"
    for bad in ("0", "-1", "9223372036854775807"):
        assert cmd_error(r, "PSETEX", "x", bad, "v") == "invalid expire time in 'psetex' command"
    assert cmd_error(r, "SETEX", "x", "abc", "v") == NOT_INT
    assert cmd_error(r, "PSETEX", "x", "1.5", "v") == NOT_INT
    assert r.exists("x") == 0
    assert cmd_error(r, "SETEX", "x", "10") == "wrong number of arguments for 'setex' command"


# ---------------------------------------------------------------------------------------------
# MGET / MSET / MSETNX / GETSET / GETDEL / GETEX


def test_mget(r):
    r.set("a", "1")
    r.set("c", "3")
    assert r.mget("a", "b", "c", "a") == ["1", None, "3", "1"]
    assert r.mget("nope") == [None]
    r.set("e", "x", px=1)
    time.sleep(0.01)
    assert r.mget("e", "a") == [None, "1"]


def test_mset(r):
    assert r.mset({"a": "1", "b": "2"}) is True
    assert r.mget("a", "b") == ["1", "2"]
    # The last of a repeated key wins.
    assert raw(r, "MSET", "d", "first", "d", "second") == "OK"
    assert r.get("d") == "second"
    # MSET clears a TTL.
    r.set("t", "v", ex=100)
    r.mset({"t": "v2"})
    assert r.ttl("t") == -1
    for args in (["a"], ["a", "1", "b"], ["a", "1", "b", "2", "c"]):
        assert cmd_error(r, "MSET", *args) == "wrong number of arguments for 'mset' command"
    assert r.mget("a", "b", "c") == ["1", "2", None]


def test_msetnx(r):
    assert r.msetnx({"a": "1", "b": "2"}) is True
    assert r.msetnx({"b": "x", "c": "3"}) is False
    assert r.mget("a", "b", "c") == ["1", "2", None]
    assert r.msetnx({"c": "3", "d": "4"}) is True
    assert r.mget("c", "d") == ["3", "4"]
    for args in (["x"], ["x", "1", "y"]):
        assert cmd_error(r, "MSETNX", *args) == "wrong number of arguments for 'msetnx' command"
    assert r.exists("x", "y") == 0


def test_getset(r):
    assert r.getset("k", "v1") is None
    assert r.get("k") == "v1"
    r.expire("k", 100)
    assert r.getset("k", "v2") == "v1"
    assert r.get("k") == "v2"
    assert r.ttl("k") == -1  # GETSET drops the TTL, as in Redis


def test_getdel(r):
    r.set("k", "hello-world-long-value-123456789")
    assert r.getdel("k") == "hello-world-long-value-123456789"
    assert r.getdel("k") is None
    assert r.exists("k") == 0
    r.set("short", "9")
    assert r.getdel("short") == "9"
    assert r.exists("short") == 0


def test_short_values_read_back_exactly(server):
    """Values of a few bytes, read by every reading command, many times, on a fresh server (a
    value read from freed stack memory shows up as garbage only now and then; on a fresh server
    the very first GETDEL showed it)."""
    r = server.client(decode_responses=True)
    r.set("first", "7")
    assert r.getdel("first") == "7"
    p = r.pipeline(transaction=False)
    expected = []
    for i in range(1500):
        v = str(i % 1000)
        k = "s%d" % i
        p.set(k, v)
        p.getdel(k)
        expected += [True, v]
    assert p.execute() == expected
    bad = []
    for i in range(1500):
        v = str(i % 97)
        r.set("k", v)
        got = (r.get("k"), r.getrange("k", 0, -1), r.getex("k"), r.strlen("k"), r.getdel("k"))
        if got != (v, v, v, len(v), v):
            bad.append((v, got))
    assert bad == []


def test_getex(r):
    r.set("k", "v")
    assert r.getex("k") == "v"
    assert r.ttl("k") == -1
    assert r.getex("k", ex=100) == "v"
    ttl_between(r, "k", 95, 100)
    assert r.getex("k", px=200000) == "v"
    assert 195000 <= r.pttl("k") <= 200000
    at = int(time.time()) + 300
    assert r.getex("k", exat=at) == "v"
    assert r.expiretime("k") == at
    pat = int(time.time() * 1000) + 400000
    assert r.getex("k", pxat=pat) == "v"
    assert r.pexpiretime("k") == pat
    assert r.getex("k", persist=True) == "v"
    assert r.ttl("k") == -1
    assert r.getex("missing", ex=10) is None
    assert r.exists("missing") == 0
    # An absolute time in the past deletes the key after returning it.
    assert raw(r, "GETEX", "k", "EXAT", 1) == "v"
    assert r.exists("k") == 0


def test_getex_errors(r):
    r.set("k", "v")
    for opts in (["PERSIST", "EX", "10"], ["EX", "10", "PERSIST"], ["EX", "10", "PX", "100"],
                 ["EX"], ["FOO"], ["PX", "100", "EXAT", "99999999999"]):
        assert cmd_error(r, "GETEX", "k", *opts) == SYNTAX
    for opts in (["EX", "0"], ["EX", "-1"], ["PX", "0"], ["EXAT", "0"], ["PXAT", "-1"],
                 ["EXAT", "9223372036854775807"]):
        assert cmd_error(r, "GETEX", "k", *opts) == "invalid expire time in 'getex' command"
    assert cmd_error(r, "GETEX", "k", "EX", "ten") == NOT_INT
    assert r.get("k") == "v"
    assert r.ttl("k") == -1


def test_getex_answers_a_missing_key_before_checking_the_expiry_value(r):
    # Redis looks the key up before it reads the number: null for a missing key.
    assert raw(r, "GETEX", "nokey", "EX", "abc") is None
    assert raw(r, "GETEX", "nokey", "PX", "0") is None
    assert r.exists("nokey") == 0
    assert cmd_error(r, "GETEX", "nokey", "EX", "abc", "PERSIST") == SYNTAX
    r.set("k", "v")
    assert cmd_error(r, "GETEX", "k", "EX", "abc") == NOT_INT
    # The last of a repeated option is the one checked.
    assert raw(r, "GETEX", "k", "EX", "abc", "EX", "100") == "v"
    ttl_between(r, "k", 90, 100)


def test_getex_same_option_twice_is_accepted(r):
    # As for SET, Redis only rejects a *different* second expiry option.
    r.set("k", "v", ex=100)
    assert raw(r, "GETEX", "k", "PERSIST", "PERSIST") == "v"
    assert r.ttl("k") == -1
    assert raw(r, "GETEX", "k", "EX", "100", "EX", "200") == "v"
    ttl_between(r, "k", 190, 200)


# ---------------------------------------------------------------------------------------------
# APPEND / STRLEN


def test_append_strlen(r):
    assert r.strlen("k") == 0
    assert r.append("k", "foo") == 3
    assert r.append("k", "bar") == 6
    assert r.get("k") == "foobar"
    assert r.strlen("k") == 6
    assert r.append("k", "") == 6
    # APPEND of nothing to a missing key creates an empty string, as in Redis.
    assert r.append("e", "") == 0
    assert r.exists("e") == 1
    assert r.get("e") == ""
    # APPEND keeps the TTL.
    r.expire("k", 100)
    assert r.append("k", "!") == 7
    ttl_between(r, "k", 95, 100)


# ---------------------------------------------------------------------------------------------
# INCR / DECR / INCRBY / DECRBY / INCRBYFLOAT


def test_incr_decr(r):
    assert r.incr("n") == 1
    assert r.incr("n") == 2
    assert r.decr("n") == 1
    assert r.incrby("n", 10) == 11
    assert r.decrby("n", 20) == -9
    assert r.incrby("n", -1) == -10
    assert r.get("n") == "-10"
    assert r.decr("fresh") == -1
    r.set("n", "41", ex=100)
    assert r.incr("n") == 42
    ttl_between(r, "n", 95, 100)  # INCR keeps the TTL


def test_incr_pipelined_among_other_commands(r):
    """Consecutive INCRs of a pipeline share one write; every other command, and every error,
    sees them committed, in order."""
    p = r.pipeline(transaction=False)
    p.set("n", 5)
    p.incr("n")
    p.incr("n")
    p.get("n")
    p.incrby("n", 10)
    p.set("n", "x")
    p.incr("n")
    p.incr("m")
    p.decr("m")
    p.decrby("m", 4)
    p.get("m")
    p.delete("n")
    p.incr("n")
    p.set("t", 1, px=60000)
    p.incr("t")
    p.incr("t")
    got = p.execute(raise_on_error=False)
    assert got[:6] == [True, 6, 7, "7", 17, True]
    assert isinstance(got[6], redis.ResponseError) and "not an integer" in str(got[6])
    assert got[7:] == [1, 0, -4, "-4", 1, 1, True, 2, 3]
    assert r.get("n") == "1" and r.get("m") == "-4"
    assert 0 < r.pttl("t") <= 60000  # the TTL survives INCRs in one batch
    # Then let it run out: 200 ms after a 100 ms TTL was set it has passed, however slow we are.
    assert r.pexpire("t", 100) is True
    time.sleep(0.2)
    p = r.pipeline(transaction=False)
    for _ in range(3):
        p.incr("t")  # expired: starts again from 0, with no TTL
    assert p.execute() == [1, 2, 3]
    assert r.ttl("t") == -1


@pytest.mark.parametrize("value", ["abc", "1.5", " 1", "1 ", "01", "", "+1", "0x10", "1e3",
                                   "9223372036854775808", "-9223372036854775809"])
def test_incr_non_integer_value(r, value):
    r.set("n", value)
    assert cmd_error(r, "INCR", "n") == NOT_INT
    assert cmd_error(r, "DECR", "n") == NOT_INT
    assert cmd_error(r, "INCRBY", "n", "2") == NOT_INT
    assert r.get("n") == value


def test_incrby_bad_increment(r):
    r.set("n", "1")
    for bad in ("abc", "1.5", "", "9223372036854775808"):
        assert cmd_error(r, "INCRBY", "n", bad) == NOT_INT
        assert cmd_error(r, "DECRBY", "n", bad) == NOT_INT
    assert r.get("n") == "1"


def test_incr_overflow(r):
    over = "increment or decrement would overflow"
    r.set("n", "9223372036854775807")
    assert cmd_error(r, "INCR", "n") == over
    assert cmd_error(r, "INCRBY", "n", "1") == over
    assert r.get("n") == "9223372036854775807"
    r.set("n", "-9223372036854775808")
    assert cmd_error(r, "DECR", "n") == over
    assert cmd_error(r, "DECRBY", "n", "1") == over
    assert cmd_error(r, "INCRBY", "n", "-1") == over
    assert r.get("n") == "-9223372036854775808"
    r.set("n", "1")
    assert cmd_error(r, "INCRBY", "n", "9223372036854775807") == over
    assert cmd_error(r, "DECRBY", "n", "-9223372036854775808") == "decrement would overflow"
    assert r.get("n") == "1"
    assert r.incrby("m", 9223372036854775807) == 9223372036854775807
    assert r.incrby("m", -9223372036854775807) == 0


@pytest.mark.parametrize(
    "start,incr,expected",
    [
        (None, "10.5", "10.5"),
        ("10", "0.5", "10.5"),
        ("3.0", "1.5", "4.5"),
        ("10", "5.0e3", "5010"),
        (None, "5.0e3", "5000"),
        ("5.0e3", "0", "5000"),
        ("1.5", "-1.5", "0"),
        ("10.50", "0.1", "10.6"),
        ("1.1", "2.2", "3.3"),
        (None, "1.1", "1.1"),
        (None, "1.23456789012345678", "1.23456789012345678"),
        ("0x10", "1", "17"),
        ("1", "1.", "2"),
        ("1", ".5", "1.5"),
        ("1", "+3", "4"),
        (None, "0.0000001", "0.0000001"),
        (None, "1e17", "100000000000000000"),
        (None, "-0", "0"),
    ],
)
def test_incrbyfloat_formats_like_redis(r, start, incr, expected):
    if start is not None:
        r.set("f", start)
    assert raw(r, "INCRBYFLOAT", "f", incr) == expected
    assert r.get("f") == expected


def test_incrbyfloat_out_of_range_numbers_are_not_floats(r):
    # As Redis's string2ld: an overflow or an underflow to zero is not a valid float, either as
    # the increment or as the stored value; a denormal is (and prints as 0).
    for bad in ("1e5000", "-1e5000", "1e-5000"):
        assert cmd_error(r, "INCRBYFLOAT", "f", bad) == NOT_FLOAT
        r.set("g", bad)
        assert cmd_error(r, "INCRBYFLOAT", "g", "1") == NOT_FLOAT
        assert r.get("g") == bad
    assert r.exists("f") == 0
    assert raw(r, "INCRBYFLOAT", "f", "1e-4940") == "0"


def test_incrbyfloat_huge_result_formats_all_digits(r):
    # Redis prints long doubles in full (%.17Lf): 2e308 has 309 digits.
    expected = (
        "1999999999999999999933717593116912913211201996948311344155940959898434697376761237442002"
        "5384377707864089349445010802644630426949918792116719484162886039283753591820003920638155"
        "7326219209014213335878306791577877829121087126122536729803237260434173178506889763247582"
        "601711514636284849020905456510092687857156096"
    )
    r.set("f", "1e308")
    got = raw(r, "INCRBYFLOAT", "f", "1e308")
    assert got == expected
    assert r.get("f") == expected


def test_incrbyfloat_errors_and_ttl(r):
    r.set("f", "1", ex=100)
    assert r.incrbyfloat("f", 1.5) == 2.5
    ttl_between(r, "f", 95, 100)  # keeps the TTL
    for bad in ("abc", "", " 1", "nan", "1,5"):
        assert cmd_error(r, "INCRBYFLOAT", "f", bad) == NOT_FLOAT
    for bad in ("inf", "-inf", "+inf"):
        assert cmd_error(r, "INCRBYFLOAT", "f", bad) == "increment would produce NaN or Infinity"
    assert r.get("f") == "2.5"
    for stored in ("abc", " 1.5", ""):
        r.set("g", stored)
        assert cmd_error(r, "INCRBYFLOAT", "g", "1") == NOT_FLOAT
        assert r.get("g") == stored


# ---------------------------------------------------------------------------------------------
# GETRANGE / SETRANGE


@pytest.mark.parametrize(
    "start,end,expected",
    [
        (0, 4, "Hello"),
        (-5, -1, "World"),
        (-1, -5, ""),
        (5, 3, ""),
        (0, -1, "Hello World"),
        (0, 100, "Hello World"),
        (100, 200, ""),
        (-100, -50, "H"),
        (-100, 2, "Hel"),
        (3, -100, ""),
        (-3, -100, ""),
        (10, 10, "d"),
        (11, 11, ""),
        (0, 9223372036854775807, "Hello World"),
        (-9223372036854775808, 9223372036854775807, "Hello World"),
    ],
)
def test_getrange(r, start, end, expected):
    r.set("s", "Hello World")
    assert r.getrange("s", start, end) == expected


def test_getrange_missing_empty_and_errors(r):
    assert r.getrange("missing", 0, 10) == ""
    r.set("e", "")
    assert r.getrange("e", 0, -1) == ""
    assert r.getrange("e", -1, -1) == ""
    r.set("s", "abc")
    assert cmd_error(r, "GETRANGE", "s", "a", "1") == NOT_INT
    assert cmd_error(r, "GETRANGE", "s", "0", "1.5") == NOT_INT
    assert cmd_error(r, "GETRANGE", "s", "0") == "wrong number of arguments for 'getrange' command"


def test_setrange(r):
    r.set("s", "Hello World")
    assert r.setrange("s", 6, "Redis") == 11
    assert r.get("s") == "Hello Redis"
    assert r.setrange("s", 20, "x") == 21
    assert r.get("s") == "Hello Redis" + "\0" * 9 + "x"
    assert r.setrange("new", 3, "ab") == 5
    assert r.get("new") == "\0\0\0ab"
    # An empty value changes nothing and creates nothing.
    assert r.setrange("s", 1, "") == 21
    assert r.setrange("none", 10, "") == 0
    assert r.exists("none") == 0
    # SETRANGE keeps the TTL.
    r.set("t", "abc", ex=100)
    assert r.setrange("t", 1, "X") == 3
    assert r.get("t") == "aXc"
    ttl_between(r, "t", 95, 100)


def test_setrange_errors(r):
    r.set("s", "abc")
    assert cmd_error(r, "SETRANGE", "s", "-1", "x") == "offset is out of range"
    assert cmd_error(r, "SETRANGE", "s", "-1", "") == "offset is out of range"
    too_big = "string exceeds maximum allowed size (proto-max-bulk-len)"
    assert cmd_error(r, "SETRANGE", "s", "536870912", "x") == too_big
    assert cmd_error(r, "SETRANGE", "s", "9223372036854775807", "x") == too_big
    assert cmd_error(r, "SETRANGE", "other", "536870911", "xy") == too_big
    assert cmd_error(r, "SETRANGE", "s", "abc", "x") == NOT_INT
    assert r.get("s") == "abc"
    assert r.exists("other") == 0


def test_append_beyond_proto_max_bulk_len(server_factory):
    s = server_factory(extra_args=["--proto-max-bulk-len", "1mb"])
    c = s.client(decode_responses=True)
    c.set("k", "a" * (1024 * 1024 - 1))
    assert c.append("k", "b") == 1024 * 1024
    assert cmd_error(c, "APPEND", "k", "c") == "string exceeds maximum allowed size (proto-max-bulk-len)"
    assert c.strlen("k") == 1024 * 1024
    assert cmd_error(c, "SETRANGE", "k2", str(1024 * 1024), "x") == \
        "string exceeds maximum allowed size (proto-max-bulk-len)"
    assert c.setrange("k2", 1024 * 1024 - 1, "x") == 1024 * 1024
    c.close()


# ---------------------------------------------------------------------------------------------
# Binary safety and arity


def test_binary_safe_values_and_keys(b):
    value = bytes(range(256)) + b"\r\n\0\r\n$5\r\n*1\r\n\0"
    key = b"k\0\r\n\xff"
    assert b.set(key, value) is True
    assert b.get(key) == value
    assert b.strlen(key) == len(value)
    assert b.exists(key) == 1
    assert b.get(b"k") is None  # the key is not truncated at the zero byte
    assert b.mget(key, b"k") == [value, None]
    assert b.append(key, b"\0\0") == len(value) + 2
    assert b.getrange(key, 0, 3) == b"\0\x01\x02\x03"
    assert b.getrange(key, -2, -1) == b"\0\0"
    assert b.setrange(key, 1, b"\r\n") == len(value) + 2
    assert b.get(key) == b"\0\r\n" + value[3:] + b"\0\0"
    assert b.getset(key, b"\0") == b"\0\r\n" + value[3:] + b"\0\0"
    assert b.getdel(key) == b"\0"
    assert b.exists(key) == 0
    assert b.mset({b"\0a": b"\r\n", b"\0b": b"\0"}) is True
    assert b.mget(b"\0a", b"\0b") == [b"\r\n", b"\0"]
    assert b.incr(b"\0\0counter") == 1


@pytest.mark.parametrize(
    "args",
    [
        ["GET"], ["GET", "a", "b"], ["SET", "k"], ["SETNX", "k"], ["GETSET", "k"], ["MGET"],
        ["MSET"], ["GETDEL"], ["GETEX"], ["APPEND", "k"], ["STRLEN"], ["INCR"], ["DECR", "a", "b"],
        ["INCRBY", "k"], ["DECRBY", "k"], ["INCRBYFLOAT", "k"], ["SETRANGE", "k", "0"],
        ["PSETEX", "k", "100"],
    ],
)
def test_wrong_arity(r, args):
    assert cmd_error(r, *args) == "wrong number of arguments for '%s' command" % args[0].lower()
