"""The client-matrix checks (tests/clients/README.md) run with redis-py and its defaults.

Usage: matrix_redis_py.py PORT. Prints one result line; exits non-zero on the first failure.
"""
import sys

import redis

BIG_LEN = 1 << 20


def big_value():
    # The same 1 MB pattern every client script builds: a shifted alphabet, so a lost or moved
    # chunk does not compare equal by accident.
    return bytes(97 + (i * 7 + (i >> 10)) % 26 for i in range(BIG_LEN))


def check(cond, what):
    if not cond:
        raise AssertionError(what)


def strings(c):
    check(c.set("s:k", "v1") is True, "SET")
    check(c.get("s:k") == b"v1", "GET")
    check(c.set("s:n", "41") and c.incr("s:n") == 42, "INCR")
    check(c.mset({"s:a": "1", "s:b": "2"}) is True, "MSET")
    check(c.mget(["s:a", "s:b", "s:missing"]) == [b"1", b"2", None], "MGET")
    check(c.append("s:k", "23") == 4 and c.get("s:k") == b"v123", "APPEND")
    check(c.getrange("s:k", 1, 2) == b"12", "GETRANGE")


def keys(c):
    check(c.exists("s:k", "s:a", "nokey") == 2, "EXISTS")
    check(c.expire("s:k", 100) is True and 90 <= c.ttl("s:k") <= 100, "EXPIRE/TTL")
    check(c.ttl("s:a") == -1 and c.ttl("nokey") == -2, "TTL without expiry / missing")
    check(c.type("s:a") == b"string" and c.type("nokey") == b"none", "TYPE")
    check(c.rename("s:a", "s:c") is True and c.get("s:c") == b"1" and not c.exists("s:a"), "RENAME")
    check(c.delete("s:b", "s:c", "nokey") == 2, "DEL")


def pipeline(c):
    p = c.pipeline(transaction=False)
    for i in range(50):
        p.set("p:%d" % i, "v%d" % i)
    for i in range(50):
        p.get("p:%d" % i)
    replies = p.execute()
    check(len(replies) == 100, "pipeline reply count %d" % len(replies))
    check(replies[:50] == [True] * 50, "pipeline SET replies")
    check(replies[50:] == [b"v%d" % i for i in range(50)], "pipeline GET replies")


def scan(c):
    p = c.pipeline(transaction=False)
    want = set()
    for i in range(500):
        want.add(b"scan:%d" % i)
        p.set("scan:%d" % i, i)
    for i in range(50):
        p.set("other:%d" % i, i)
    p.execute()
    seen, cursor = [], 0
    while True:
        cursor, batch = c.scan(cursor, match="scan:*", count=50)
        seen += batch
        if cursor == 0:
            break
    check(len(seen) == len(set(seen)), "SCAN returned a key twice")
    check(set(seen) == want, "SCAN MATCH: %d keys seen, %d set" % (len(set(seen)), len(want)))


def errors(c):
    c.set("e:text", "abc")
    try:
        c.incr("e:text")
    except redis.ResponseError as e:
        check("not an integer" in str(e), "INCR error text %r" % str(e))
    else:
        raise AssertionError("INCR on a non-integer did not raise ResponseError")
    check(c.ping() is True, "connection usable after an error reply")


def big(c):
    v = big_value()
    check(c.set("big", v) is True, "SET 1 MB")
    check(c.strlen("big") == BIG_LEN, "STRLEN 1 MB")
    check(c.get("big") == v, "GET 1 MB")


def main():
    c = redis.Redis(port=int(sys.argv[1]))
    for step in (strings, keys, pipeline, scan, errors, big):
        step(c)
    print("redis-py %s: ok" % redis.__version__)


if __name__ == "__main__":
    main()
