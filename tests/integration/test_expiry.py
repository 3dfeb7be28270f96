"""Keys with a TTL disappear for every command once it has passed, and stay gone after a restart."""
import time

import pytest

from helpers import raw, wait_until


def gone_everywhere(c, key):
    """Asserts that no command sees `key`."""
    assert c.get(key) is None
    assert c.exists(key) == 0
    assert c.ttl(key) == -2
    assert c.pttl(key) == -2
    assert c.type(key) == "none"
    assert c.strlen(key) == 0
    assert c.mget(key) == [None]
    assert key not in c.keys("*")
    cursor, seen = 0, []
    while True:
        cursor, keys = c.scan(cursor, count=100)
        seen += keys
        if cursor == 0:
            break
    assert key not in seen


@pytest.fixture
def r(sr):
    return sr  # the module shares one server; every test starts with it empty


def test_px_key_expires_for_every_command(r):
    r.set("keep", "1")
    assert r.set("k", "v", px=100)
    time.sleep(0.3)
    gone_everywhere(r, "k")
    # DBSIZE counts an expired key until the active expiry deletes it (as Redis's does).
    wait_until(lambda: r.dbsize() == 1, what="the active expiry deleting k")
    assert r.randomkey() == "keep"
    # Read-modify-write commands start from nothing.
    assert r.set("k2", "old", px=100)
    assert r.set("k3", "5", px=100)
    assert r.set("k4", "abc", px=100)
    assert r.set("k5", "abc", px=100)
    time.sleep(0.3)
    assert r.append("k2", "new") == 3
    assert r.get("k2") == "new"
    assert r.ttl("k2") == -1
    assert r.incr("k3") == 1
    assert r.ttl("k3") == -1
    assert r.setnx("k4", "fresh") is True
    assert r.get("k4") == "fresh"
    assert raw(r, "SET", "k5", "x", "XX") is None
    assert r.exists("k5") == 0
    assert r.getdel("k5") is None
    assert r.expire("k5", 100) is False
    assert r.persist("k5") is False
    assert raw(r, "EXISTS", "k", "k2", "k3", "k4", "k5") == 3


def test_expired_key_rename_and_msetnx(r):
    r.set("a", "1", px=50)
    r.set("dst", "keep", px=50)
    time.sleep(0.25)
    with pytest.raises(Exception) as e:
        r.rename("a", "b")
    assert "no such key" in str(e.value)
    assert r.msetnx({"a": "x", "dst": "y"}) is True
    assert r.mget("a", "dst") == ["x", "y"]


def test_many_keys_expire_and_dbsize_counts_only_live(r):
    p = r.pipeline(transaction=False)
    for i in range(200):
        p.set("e%d" % i, "v", px=100)
    for i in range(50):
        p.set("l%d" % i, "v")
    p.execute()
    time.sleep(0.35)
    assert r.dbsize() == 50
    assert sorted(r.keys("*")) == sorted("l%d" % i for i in range(50))
    assert r.exists(*["e%d" % i for i in range(200)]) == 0


def test_ttl_counts_down(r):
    r.set("k", "v", px=60000)
    first = r.pttl("k")
    assert 0 < first <= 60000
    time.sleep(0.05)
    second = r.pttl("k")
    assert 0 < second < first
    assert 1 <= r.ttl("k") <= 60


def test_expired_keys_do_not_come_back_after_restart(server_factory):
    s = server_factory()
    c = s.client(decode_responses=True)
    p = c.pipeline(transaction=False)
    for i in range(300):
        p.set("short:%d" % i, "v", px=200)
    for i in range(300):
        p.set("long:%d" % i, "v", ex=1000)
        p.set("plain:%d" % i, "v")
    p.execute()
    c.set("expired-by-command", "v")
    c.pexpire("expired-by-command", 1)
    time.sleep(0.5)
    assert c.dbsize() == 600
    c.close()
    assert s.stop() == 0
    s.start()
    c = s.client(decode_responses=True)
    assert c.dbsize() == 600
    assert c.exists(*["short:%d" % i for i in range(300)]) == 0
    assert c.exists("expired-by-command") == 0
    assert c.exists(*["long:%d" % i for i in range(300)]) == 300
    assert 900 <= c.ttl("long:7") <= 1000
    assert c.get("plain:299") == "v"
    assert not any(k.startswith("short:") for k in c.keys("*"))
    c.close()


def test_key_expiring_across_restart_is_gone_after_it(server_factory):
    """A key whose TTL runs out after a restart: it is there after the restart with the rest of
    its TTL, then gone. A restart slower than the TTL would skip the case, so the TTL doubles
    until the key is seen alive after the restart (the case happened) before checking it goes."""
    s = server_factory()
    ttl_ms = 700
    while True:
        c = s.client(decode_responses=True)
        c.set("soon", "v", px=ttl_ms)
        c.set("stay", "v")
        c.close()
        assert s.stop() == 0
        s.start()
        c = s.client(decode_responses=True)
        got = c.get("soon")
        if got is not None:
            assert got == "v"
            break
        assert c.pttl("soon") == -2  # expired during the restart: gone
        assert ttl_ms < 60000, "restarts keep taking longer than %d ms" % ttl_ms
        ttl_ms *= 2
        c.close()
    assert c.pttl("soon") <= ttl_ms
    wait_until(lambda: c.exists("soon") == 0, timeout=ttl_ms / 1000 + 30,
               what="'soon' to expire after restart")
    assert c.get("soon") is None
    assert c.keys("*") == ["stay"]
    c.close()
