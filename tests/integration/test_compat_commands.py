"""The Redis commands clients and tools call that a disk store answers in its own way (see the
notes in docs/commands.md): each one's replies, and its errors in redis-server 7.0's words
(compared with the reference server where Redis gives one)."""
import os
import socket
import time

import pytest
import redis

from helpers import RawClient, assert_error, cmd_error, raw, wait_until
from redis_reference import RedisServer


@pytest.fixture(scope="module")
def ref():
    s = RedisServer()
    c = s.client(decode_responses=True)
    yield c
    c.close()
    s.stop()


# Bad input answered with Redis's words: each line runs on both servers.
SAME_ERRORS = [
    ("WAIT", "0", "-1"), ("WAIT", "x", "0"), ("SWAPDB", "x", "0"), ("SWAPDB", "0", "x"),
    ("CLIENT", "PAUSE", "x"), ("CLIENT", "PAUSE", "-1"), ("CLIENT", "PAUSE", "10", "foo"),
    ("CLIENT", "REPLY", "foo"), ("CLIENT", "NO-EVICT", "maybe"), ("ACL", "CAT", "nosuch"),
    ("RESTORE", "k", "-1", "x"), ("RESTORE", "k", "0", "x"),
    ("RESTORE", "k", "0", "x", "IDLETIME", "-1"), ("RESTORE", "k", "0", "x", "FREQ", "256"),
    ("RESTORE", "k", "0", "x", "FREQ", "1", "IDLETIME", "1"), ("RESTORE", "k", "0", "x", "foo"),
    ("SORT", "k", "LIMIT", "1"), ("SORT", "k", "LIMIT", "x", "1"), ("SORT", "k", "foo"),
    ("SORT_RO", "k", "STORE", "x"), ("BGSAVE", "foo"), ("OBJECT", "FREQ"), ("OBJECT", "foo"),
    ("TOUCH",), ("ROLE", "x"), ("LASTSAVE", "x"), ("SAVE", "x"), ("RESET", "x"), ("DUMP",),
    ("ACL", "WHOAMI", "x"), ("SUBSTR", "k", "0"), ("SUBSTR", "k", "a", "1"),
]


@pytest.mark.parametrize("args", SAME_ERRORS, ids=lambda a: " ".join(a))
def test_errors_are_redis_words(sr, ref, args):
    ref.flushall()
    theirs = cmd_error(ref, *args)
    mine = cmd_error(sr, *args)
    assert mine == theirs


def test_sort_of_a_string_is_wrongtype_like_redis(sr, ref):
    for c in (sr, ref):
        c.set("s", "v")
    assert cmd_error(sr, "SORT", "s") == cmd_error(ref, "SORT", "s")
    assert "WRONGTYPE" in cmd_error(sr, "SORT", "s")


def test_touch_substr_role_wait_swapdb_lastsave(sr):
    sr.set("a", "hello world")
    assert raw(sr, "TOUCH", "a", "b", "a") == 2
    assert raw(sr, "SUBSTR", "a", "0", "4") == "hello"
    assert raw(sr, "SUBSTR", "a", "-5", "-1") == "world"
    assert raw(sr, "ROLE") == ["master", 0, []]
    assert raw(sr, "WAIT", "1", "0") == 0
    assert raw(sr, "SWAPDB", "0", "0") == "OK"
    assert cmd_error(sr, "SWAPDB", "0", "1") == "DB index is out of range"
    now = int(time.time())
    assert now - 3600 < raw(sr, "LASTSAVE") <= now + 1


def test_save_and_bgsave(server_factory, data_dir):
    s = server_factory()
    c = s.client(decode_responses=True)
    c.set("k", "v")
    before = raw(c, "LASTSAVE")
    assert raw(c, "SAVE") == "OK"
    assert raw(c, "BGSAVE") == "Background saving started"
    checkpoint = os.path.join(data_dir, "checkpoint")
    assert os.path.isfile(os.path.join(checkpoint, "CURRENT"))
    assert raw(c, "BGSAVE", "SCHEDULE") == "Background saving started"  # replaces the first
    assert sorted(n for n in os.listdir(data_dir) if n.startswith("checkpoint")) == ["checkpoint"]
    assert raw(c, "LASTSAVE") >= before
    c.close()


def test_checkpoint_opens_as_a_database(server_factory, data_dir, tmp_path):
    s = server_factory()
    c = s.client(decode_responses=True)
    c.set("k", "kept")
    assert raw(c, "BGSAVE") == "Background saving started"
    c.close()
    other = tmp_path / "restored"
    other.mkdir()
    os.rename(os.path.join(data_dir, "checkpoint"), str(other / "db"))
    from conftest import MnemoServer
    t = MnemoServer(str(other))
    t.start()
    try:
        assert t.client(decode_responses=True).get("k") == "kept"
    finally:
        assert t.stop() in (None, 0)


def test_dump_restore_both_directions_with_redis(sr, ref):
    mine = sr.connection_pool.connection_kwargs["port"]
    m = redis.Redis(port=mine, socket_timeout=20)
    t = redis.Redis(port=ref.connection_pool.connection_kwargs["port"], socket_timeout=20)
    values = [b"", b"123", b"-9000", b"70000", b"x" * 100, b"abc" * 5000, bytes(range(256)) * 70]
    for i, v in enumerate(values):
        t.set("r%d" % i, v)
        m.set("m%d" % i, v)
        # Redis -> Mnemo (Redis's integer and LZF encodings included)
        assert m.restore("r%d" % i, 0, t.dump("r%d" % i)) in (True, b"OK")
        assert m.get("r%d" % i) == v
        # Mnemo -> Redis
        assert t.restore("m%d" % i, 0, m.dump("m%d" % i)) in (True, b"OK")
        assert t.get("m%d" % i) == v
    assert m.dump("nosuchkey") is None


def test_restore_options(sr):
    m = redis.Redis(port=sr.connection_pool.connection_kwargs["port"], socket_timeout=20)
    m.set("src", b"value")
    p = m.dump("src")
    assert_error(m.restore, "src", 0, p, text="BUSYKEY Target key name already exists.")
    assert m.restore("src", 0, p, replace=True)
    m.restore("t", 5000, p)
    assert 0 < m.pttl("t") <= 5000
    m.restore("a", int(time.time() * 1000) + 60000, p, absttl=True)
    assert 50000 < m.pttl("a") <= 60000
    # An absolute TTL in the past creates nothing (and REPLACE removes the old key).
    assert m.restore("src", 1, p, replace=True, absttl=True)
    assert m.exists("src") == 0
    assert m.restore("i", 0, p, idletime=10) and m.restore("f", 0, p, frequency=5)
    bad = bytearray(p)
    bad[1] ^= 0xff
    assert_error(m.restore, "x", 0, bytes(bad), text="DUMP payload version or checksum are wrong")
    m.close()


def test_restore_of_another_type_is_refused(sr, ref):
    t = redis.Redis(port=ref.connection_pool.connection_kwargs["port"], socket_timeout=20)
    t.rpush("list", "a", "b")
    m = redis.Redis(port=sr.connection_pool.connection_kwargs["port"], socket_timeout=20)
    msg = assert_error(m.restore, "list", 0, t.dump("list"))
    assert "only strings" in msg
    assert m.exists("list") == 0


def test_sort(sr):
    assert raw(sr, "SORT", "missing") == []
    assert raw(sr, "SORT", "missing", "BY", "w_*", "LIMIT", "0", "10", "GET", "#", "GET", "o_*",
               "DESC", "ALPHA") == []
    assert raw(sr, "SORT_RO", "missing", "ALPHA") == []
    sr.set("dest", "x")
    assert raw(sr, "SORT", "missing", "STORE", "dest") == 0
    assert sr.exists("dest") == 0


def test_acl(sr):
    assert raw(sr, "ACL", "WHOAMI") == "default"
    assert raw(sr, "ACL", "USERS") == ["default"]
    cats = raw(sr, "ACL", "CAT")
    assert "string" in cats and "keyspace" in cats
    strings = raw(sr, "ACL", "CAT", "string")
    assert "get" in strings and "substr" in strings and "ping" not in strings


def test_object_freq(sr, ref):
    # Redis keeps the counter only under an LFU policy; Mnemo always keeps it.
    ref.config_set("maxmemory-policy", "allkeys-lfu")
    try:
        for c in (sr, ref):
            assert raw(c, "OBJECT", "FREQ", "nokey") is None
            c.set("once", "v1")
            c.set("often", "v2")
            c.get("once")
            for _ in range(300):
                c.get("often")
        # A new key starts at 5 and its first read always counts: 6 in both servers.
        assert raw(sr, "OBJECT", "FREQ", "once") == raw(ref, "OBJECT", "FREQ", "once") == 6
        assert raw(sr, "OBJECT", "FREQ", "often") > raw(sr, "OBJECT", "FREQ", "once")
        assert raw(ref, "OBJECT", "FREQ", "often") > raw(ref, "OBJECT", "FREQ", "once")
        # OBJECT FREQ itself is no access.
        assert raw(sr, "OBJECT", "FREQ", "once") == 6
        sr.set("gone", "v", px=1)
        wait_until(lambda: sr.get("gone") is None)
        assert raw(sr, "OBJECT", "FREQ", "gone") is None
    finally:
        ref.config_set("maxmemory-policy", "noeviction")


def test_config_get_save_appendonly(sr):
    assert sr.config_get("save") == {"save": ""}
    assert sr.config_get("appendonly") == {"appendonly": "no"}
    assert "appendonly" in cmd_error(sr, "CONFIG", "SET", "appendonly", "yes")


def test_client_modes(sr):
    assert raw(sr, "CLIENT", "NO-EVICT", "on") == "OK"
    assert raw(sr, "CLIENT", "NO-TOUCH", "off") == "OK"
    assert "not supported" in cmd_error(sr, "CLIENT", "TRACKING", "on")


def test_client_reply_off_skip_on(shared_server, sr):
    with RawClient(shared_server.port) as c:
        c.send_command("CLIENT", "REPLY", "OFF")
        c.send_command("SET", "a", "1")
        c.send_command("GET", "a")
        c.send_command("NOSUCHCOMMAND")  # an error reply is dropped as well
        c.send_command("CLIENT", "REPLY", "ON")
        assert c.read_reply() == "OK"  # the first reply to arrive is ON's
        c.send_command("CLIENT", "REPLY", "SKIP")
        c.send_command("GET", "a")
        c.send_command("GET", "a")
        assert c.read_reply() == b"1"  # SKIP's and the next reply were dropped
        c.send_command("PING")
        assert c.read_reply() == "PONG"
    assert sr.get("a") == "1"  # the silent SET was done


def test_client_pause_holds_writes_without_blocking_reads(shared_server, sr):
    port = shared_server.port
    with RawClient(port) as writer, RawClient(port) as reader:
        assert raw(sr, "CLIENT", "PAUSE", "60000", "WRITE") == "OK"
        try:
            writer.send_command("SET", "p", "1")
            reader.send_command("GET", "p")
            assert reader.read_reply() is None  # reads are served during a WRITE pause
            writer.sock.settimeout(0.3)
            with pytest.raises(socket.timeout):
                writer.read_reply()  # the write waits
            writer.sock.settimeout(30)
        finally:
            assert raw(sr, "CLIENT", "UNPAUSE") == "OK"
        assert writer.read_reply() == "OK"
    assert sr.get("p") == "1"


def test_client_pause_ends_by_itself(shared_server, sr):
    with RawClient(shared_server.port) as c:
        start = time.time()  # before the pause begins, so the bound below holds on a slow machine
        assert raw(sr, "CLIENT", "PAUSE", "300", "ALL") == "OK"
        c.send_command("PING")
        assert c.read_reply() == "PONG"
        assert time.time() - start >= 0.29  # held until the end of the pause (ms clock)


def test_reset(server_factory):
    s = server_factory(extra_args=["--requirepass", "pw"])
    with RawClient(s.port) as c:
        c.send_command("AUTH", "pw")
        assert c.read_reply() == "OK"
        c.send_command("CLIENT", "SETNAME", "me")
        assert c.read_reply() == "OK"
        c.send_command("RESET")
        assert c.read_reply() == "RESET"
        c.send_command("CLIENT", "GETNAME")
        assert "NOAUTH" in c.read_reply().text  # authentication is gone too
        c.send_command("AUTH", "pw")
        assert c.read_reply() == "OK"
        c.send_command("CLIENT", "GETNAME")
        assert c.read_reply() is None


def test_reset_returns_to_resp2(shared_server, sr):
    with RawClient(shared_server.port) as c:
        # A null is "_" in RESP3 and "$-1" in RESP2.
        for args in (("HELLO", "3"), ("CLIENT", "GETNAME"), ("RESET",), ("CLIENT", "GETNAME")):
            c.send_command(*args)
        end = b"_\r\n+RESET\r\n$-1\r\n"
        while not c.buf.endswith(end):
            c._fill()
