"""COPY and OBJECT compared with redis-server 7.0 started with `--databases 1` (Mnemo has one
database, so COPY ... DB n answers what Redis answers for an index beyond `databases`), then what
Mnemo answers where a disk store differs (OBJECT ENCODING from the value, REFCOUNT 1, IDLETIME
from the key cache): docs/commands.md."""
import pytest
import redis

from helpers import raw
from redis_reference import RedisServer


@pytest.fixture(scope="module")
def ref_server():
    s = RedisServer(["--databases", "1"])
    yield s
    s.stop()


@pytest.fixture
def pair(sr, shared_server, ref_server):
    m = shared_server.client()
    r = ref_server.client()
    r.flushall()
    yield m, r
    m.close()
    r.close()


def run(c, *args):
    try:
        return raw(c, *args)
    except redis.ResponseError as e:
        return ("error", str(e))


def same_all(pair, commands):
    m, r = pair
    for c in commands:
        mine, theirs = run(m, *c), run(r, *c)
        assert mine == theirs, "%r: mnemo %r, redis %r" % (c, mine, theirs)


def test_copy_as_redis(pair):
    same_all(pair, [
        ("SET", "a", "1"), ("COPY", "a", "b"), ("GET", "b"), ("COPY", "a", "b"),
        ("SET", "a", "2"), ("COPY", "a", "b", "REPLACE"), ("GET", "b"),
        ("COPY", "a", "b", "DB", 0), ("COPY", "a", "b", "db", 0, "replace"),
        ("COPY", "a", "b", "REPLACE", "REPLACE"), ("COPY", "a", "b", "DB", 1),
        ("COPY", "a", "b", "DB", -1), ("COPY", "a", "b", "DB", "x"),
        ("COPY", "a", "b", "DB", 2147483648), ("COPY", "a", "b", "DB"), ("COPY", "a", "b", "FOO"),
        ("COPY", "a", "a"), ("COPY", "a", "a", "DB", 0), ("COPY", "missing", "a", "DB", 1),
        ("COPY", "missing", "c"), ("EXISTS", "c"), ("COPY", "a"),
        ("SET", "t", "v", "EX", 1000), ("COPY", "t", "t2"), ("TTL", "t2"),
        ("SETBIT", "bm", 100, 1), ("COPY", "bm", "bm2"), ("GET", "bm2"), ("SETBIT", "bm2", 0, 1),
        ("GET", "bm"), ("GET", "bm2"), ("DBSIZE",),
    ])


def test_object_as_redis(pair):
    same_all(pair, [
        ("SET", "i", "12345"), ("OBJECT", "ENCODING", "i"), ("SET", "e", "hello"),
        ("OBJECT", "ENCODING", "e"), ("SET", "r", "x" * 45), ("OBJECT", "ENCODING", "r"),
        ("SET", "e44", "x" * 44), ("OBJECT", "ENCODING", "e44"),
        ("SET", "big", "12345678901234567890"), ("OBJECT", "ENCODING", "big"),
        ("SET", "n", "-9223372036854775808"), ("OBJECT", "ENCODING", "n"),
        ("SET", "z", "-0"), ("OBJECT", "ENCODING", "z"), ("SET", "p", "+1"),
        ("OBJECT", "ENCODING", "p"), ("SET", "l", "01"), ("OBJECT", "ENCODING", "l"),
        ("INCR", "c"), ("OBJECT", "ENCODING", "c"),
        ("OBJECT", "ENCODING", "missing"), ("OBJECT", "REFCOUNT", "missing"),
        ("OBJECT", "IDLETIME", "missing"), ("OBJECT", "HELP"), ("OBJECT", "FOO", "i"),
        ("OBJECT", "ENCODING"), ("OBJECT", "ENCODING", "i", "j"),  # IDLETIME i: seconds vs minutes
        ("OBJECT",),
    ])


def test_object_answers_of_a_disk_store(sr):
    sr.set("small", "7")
    sr.set("word", "hello")
    assert raw(sr, "OBJECT", "REFCOUNT", "small") == 1  # Redis: 2147483647 (shared integer)
    assert raw(sr, "OBJECT", "REFCOUNT", "word") == 1
    sr.get("word")
    assert raw(sr, "OBJECT", "IDLETIME", "word") in (0, 60)  # just read (minute resolution)
    assert raw(sr, "OBJECT", "FREQ", "word") >= 5
    sr.append("word", "!")  # Redis would now say raw (edited in place); Mnemo: from the value
    assert raw(sr, "OBJECT", "ENCODING", "word") == "embstr"
