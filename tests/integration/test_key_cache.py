"""The key cache: reads of hot keys are served from memory, and no write of any kind, from any
number of clients, can leave a read seeing an older value than RocksDB holds."""
import random
import re
import threading
import time

from helpers import raw, wait_until

MB = 1 << 20


def info(client, section):
    text = raw(client, "INFO", section)
    if isinstance(text, bytes):
        text = text.decode()
    return dict(l.split(":", 1) for l in text.split("\r\n") if l and not l.startswith("#"))


def stats(client):
    flat = raw(client, "MEMORY", "STATS")
    return dict(zip(flat[0::2], flat[1::2]))


def hits_misses(client):
    s = info(client, "stats")
    return int(s["key_cache_hits"]), int(s["key_cache_misses"])


def test_reads_of_hot_keys_hit_the_cache(r):
    r.set("k", "v" * 100)
    h0, m0 = hits_misses(r)
    assert r.get("k") == "v" * 100
    assert r.get("k") == "v" * 100
    h1, m1 = hits_misses(r)
    assert h1 - h0 == 2 and m1 == m0  # written through: no read went to RocksDB
    assert r.get("absent") is None
    assert hits_misses(r)[1] == m1 + 1
    mem = info(r, "memory")
    assert int(mem["mem_key_cache"]) > 100
    assert int(mem["mem_key_cache_capacity"]) == 128 * MB
    assert stats(r)["key-cache.entries"] >= 1


def test_each_kind_of_write_is_seen_by_the_next_read(r):
    """Every step reads the key first, so the cache holds it when the write comes."""
    r.set("s", "abc")
    assert r.get("s") == "abc"
    r.append("s", "def")
    assert r.get("s") == "abcdef"
    r.setrange("s", 1, "XY")
    assert r.get("s") == "aXYdef"
    assert r.getset("s", "g") == "aXYdef"
    assert r.get("s") == "g"
    r.set("n", 10)
    assert r.get("n") == "10"
    r.incr("n")
    assert r.get("n") == "11"
    r.incrbyfloat("n", 0.5)
    assert r.get("n") == "11.5"
    r.set("n", 99999)  # same length record: updated in place
    assert r.get("n") == "99999"
    r.set("n", "x" * 5000)  # outgrows its cache entry
    assert r.get("n") == "x" * 5000
    r.mset({"a": "1", "b": "2"})
    assert r.mget("a", "b") == ["1", "2"]
    assert r.msetnx({"a": "3", "c": "4"}) is False
    assert r.mget("a", "c") == ["1", None]
    r.rename("a", "c")
    assert r.get("a") is None and r.get("c") == "1"
    assert r.getdel("c") == "1"
    assert r.get("c") is None
    r.set("e", "v")
    assert r.get("e") == "v"
    r.expire("e", 100)
    assert 0 < r.ttl("e") <= 100
    r.persist("e")
    assert r.ttl("e") == -1
    r.pexpire("e", 50)
    time.sleep(0.2)
    assert r.get("e") is None  # the cached record carries its expiry
    # A TTL long enough to read the value back on a slow machine, then a wait for it to run out.
    r.set("e", "v2", px=2000)
    assert r.get("e") == "v2"
    r.set("g", "v")
    assert r.getex("g", px=2000) == "v"
    assert r.get("g") == "v" and 0 < r.pttl("g") <= 2000
    wait_until(lambda: r.get("e") is None and r.get("g") is None, timeout=30,
               what="e and g to expire")
    assert r.exists("e", "g") == 0
    r.set("d", "v")
    assert r.get("d") == "v"
    assert r.delete("d") == 1
    assert r.get("d") is None
    assert r.set("d", "again", nx=True) is True
    assert r.get("d") == "again"
    r.set("f", "v")
    assert r.get("f") == "v"
    r.flushdb()
    assert r.get("f") is None and r.get("d") is None
    r.set("f", "v")
    assert r.get("f") == "v"
    r.flushall()
    assert r.get("f") is None
    assert stats(r)["key-cache.entries"] == 0


def test_large_values_are_not_cached(r):
    # A value longer than 4096 bytes is stored in fragments (types/string_fragments.h), which the
    # key cache never holds: only its metadata record (a few dozen bytes) is cached.
    r.flushall()
    big = "L" * (20 * 1024)
    r.set("big", big)
    assert r.get("big") == big
    h0, m0 = hits_misses(r)
    assert r.get("big") == big
    h1, m1 = hits_misses(r)
    assert m1 == m0 and h1 > h0  # the record came from the cache
    assert stats(r)["key-cache.entries"] == 1
    assert stats(r)["key-cache"] < 4096


def test_a_restart_starts_cold_and_fills_from_storage(server_factory):
    s = server_factory()
    c = s.client(decode_responses=True)
    c.set("k", "v")
    c.close()
    s.stop()
    s.start()
    c = s.client(decode_responses=True)
    h0, m0 = hits_misses(c)
    assert c.get("k") == "v"  # miss: read from RocksDB and filled
    assert c.get("k") == "v"  # hit
    assert hits_misses(c) == (h0 + 1, m0 + 1)
    c.close()


def test_without_a_key_cache_everything_still_works(server_factory):
    s = server_factory(["--key-cache-size", "0"])
    c = s.client(decode_responses=True)
    c.set("k", "v")
    c.incr("n")
    assert c.get("k") == "v" and c.get("n") == "1"
    assert hits_misses(c)[0] == 0
    mem = info(c, "memory")
    assert mem["mem_key_cache"] == "0" and mem["mem_key_cache_capacity"] == "0"
    c.close()


def test_a_memory_limit_bounds_the_key_cache(server_factory):
    s = server_factory(["--maxmemory", "64mb"])
    c = s.client(decode_responses=True)
    gov = info(c, "governor")
    assert int(gov["governor_key_cache_baseline"]) == 8 * MB
    assert int(gov["governor_key_cache_capacity"]) == 8 * MB
    assert int(info(c, "memory")["mem_key_cache_capacity"]) == 8 * MB
    c.close()


def test_concurrent_writes_and_reads_agree_with_storage_after_restart(server_factory):
    """Writers (SET, DEL, INCR, APPEND, pipelined MSET) and readers race on a few keys. Afterwards
    every key reads the same from the warm cache and, after a restart, from RocksDB alone; the
    counters equal the number of increments."""
    s = server_factory()
    keys = ["k%d" % i for i in range(16)]
    counters = ["c%d" % i for i in range(4)]
    stop = threading.Event()
    errors = []
    increments = [0] * 4

    def writer(seed):
        c = s.client(decode_responses=True)
        rnd = random.Random(seed)
        try:
            for n in range(1500):
                k = rnd.choice(keys)
                op = rnd.random()
                if op < 0.4:
                    c.set(k, "%d:%d" % (seed, n))
                elif op < 0.55:
                    c.delete(k)
                elif op < 0.7:
                    c.append(k, "+")
                elif op < 0.85:
                    p = c.pipeline(transaction=False)
                    p.set(k, "p%d" % n)
                    p.mset({rnd.choice(keys): "m%d" % n, rnd.choice(keys): "m%d" % n})
                    p.execute()
                else:
                    c.incr(rnd.choice(counters))
                    increments[seed] += 1
        except Exception as e:  # noqa: BLE001 - reported by the main thread
            errors.append(e)
        finally:
            c.close()

    # Every value a writer can leave: a SET's "seed:n", a pipeline's "pN" or MSET's "mN", or
    # nothing, followed by APPENDs' "+"s.
    well_formed = re.compile(r"^(\d+:\d+|p\d+|m\d+)?\+*$")
    reads_during_writes = [0]

    def reader():
        c = s.client(decode_responses=True)
        seen = [0] * len(counters)  # counters only grow: a smaller value is a stale read
        try:
            while not stop.is_set():
                writing = any(t.is_alive() for t in writers)
                got = c.mget(keys + counters)
                for k, v in zip(keys, got):
                    assert v is None or well_formed.match(v), (k, v)
                for i, v in enumerate(got[len(keys):]):
                    n = int(v or 0)
                    assert n >= seen[i], "stale read of %s: %d after %d" % (counters[i], n, seen[i])
                    seen[i] = n
                if writing and any(t.is_alive() for t in writers):
                    reads_during_writes[0] += 1
        except Exception as e:  # noqa: BLE001
            errors.append(e)
        finally:
            c.close()

    writers = [threading.Thread(target=writer, args=(i,)) for i in range(4)]
    readers = [threading.Thread(target=reader) for _ in range(2)]
    for t in writers + readers:
        t.start()
    for t in writers:
        t.join()
    stop.set()
    for t in readers:
        t.join()
    assert not errors, errors
    assert reads_during_writes[0] >= 20, "the readers hardly overlapped the writers"

    c = s.client(decode_responses=True)
    warm = c.mget(keys + counters)
    assert sum(int(v or 0) for v in warm[len(keys):]) == sum(increments)
    c.close()
    assert s.stop() == 0
    s.start()
    c = s.client(decode_responses=True)
    cold = c.mget(keys + counters)
    assert cold == warm
    c.close()
