"""INFO keyspace, DBSIZE and MEMORY STATS keys.count are exact and O(1) (the namespace counters):
they count stored keys (not overwrites, not what FLUSHALL removed; an expired key until the
active expiry deletes it, as Redis's DBSIZE), with Redis's expires and avg_ttl, also after a
restart."""
import time

from helpers import raw


def keyspace(r):
    """The db0 line of INFO keyspace as a dict of ints, {} when absent."""
    text = raw(r, "INFO", "keyspace")
    text = text.decode() if isinstance(text, bytes) else text
    for line in text.splitlines():
        if line.startswith("db0:"):
            return {k: int(v) for k, v in (kv.split("=") for kv in line[4:].split(","))}
    return {}


def keys_count(r):
    return r.memory_stats()["keys.count"]


def test_counts_after_flushall_sets_and_overwrites(server):
    r = server.client(decode_responses=True)
    for i in range(50):
        r.set("junk%d" % i, "x")
    for _ in range(5):
        r.set("junk0", "y")  # overwrites: RocksDB's estimate counted each of these
    assert r.flushall()
    assert keyspace(r) == {}
    assert keys_count(r) == 0
    r.set("a", "1")
    r.set("b", "2")
    r.set("c", "3")
    assert keyspace(r) == {"keys": 3, "expires": 0, "avg_ttl": 0}
    assert keys_count(r) == 3 == r.dbsize()
    for i in range(20):
        r.set("a", str(i))
        r.expire("b", 1000 + i)  # EXPIREs rewrite the record too
    ks = keyspace(r)
    assert (ks["keys"], ks["expires"]) == (3, 1)
    r.expire("c", 2000)
    ks = keyspace(r)
    assert (ks["keys"], ks["expires"]) == (3, 2)
    # avg_ttl: the mean time left in ms of b (~1019 s) and c (~2000 s).
    assert 1_400_000 <= ks["avg_ttl"] <= 1_510_000, ks
    r.delete("a")
    assert keyspace(r)["keys"] == 2 and keys_count(r) == 2
    r.persist("b")
    assert keyspace(r)["expires"] == 1
    r.close()


def test_expired_keys_leave_the_counts_once_the_active_expiry_deletes_them(server):
    r = server.client(decode_responses=True)
    r.set("stay", "1")
    before = r.info("stats")["expired_keys"]
    r.set("gone", "1", px=50)
    deadline = time.time() + 30
    while r.info("stats")["expired_keys"] == before and time.time() < deadline:
        time.sleep(0.05)
    assert r.info("stats")["expired_keys"] == before + 1
    assert not r.exists("gone")
    assert keyspace(r) == {"keys": 1, "expires": 0, "avg_ttl": 0}
    assert keys_count(r) == 1 == r.dbsize()
    r.close()


def test_exact_after_restart(server):
    r = server.client(decode_responses=True)
    for i in range(10):
        r.set("k%d" % i, "v")
        r.set("k%d" % i, "w")
    r.expire("k0", 5000)
    r.expire("k1", 5000)
    r.close()
    assert server.stop() == 0
    server.start()
    r = server.client(decode_responses=True)
    ks = keyspace(r)
    assert (ks["keys"], ks["expires"]) == (10, 2)
    assert 4_000_000 <= ks["avg_ttl"] <= 5_000_000, ks
    assert keys_count(r) == 10
    r.close()


def test_keyspace_counts_the_callers_namespace_and_memory_stats_all(server):
    # INFO keyspace agrees with DBSIZE of the caller's namespace; MEMORY STATS counts every
    # namespace. With only the default namespace in use the two agree.
    r = server.client(decode_responses=True)
    r.mset({"x": "1", "y": "2"})
    assert keyspace(r)["keys"] == r.dbsize() == keys_count(r) == 2
    assert "db0:keys=2,expires=0,avg_ttl=0" in raw(r, "INFO")  # the default sections too
    r.close()
