"""DBSIZE and INFO keyspace are the namespace counters, kept by merge in the same batch as each
change: after a seeded random mix of writes (fragmented strings among them), overwrites,
deletes, renames, copies and short expiries (removed by the active expiry), they equal a full
count of the keys (KEYS * and a SCAN walk, TTLs read one by one), and still do after a restart
and after kill -9."""
import os
import random

from helpers import wait_until

KEYS = 60


def keyspace(c):
    ks = c.info("keyspace").get("db0", {})
    return ks.get("keys", 0), ks.get("expires", 0)


def full_count(c):
    """(keys, keys with a TTL) counted key by key; None while KEYS and a SCAN walk disagree (a
    short expiry passed between them)."""
    keys = c.keys("*")
    if set(keys) != set(c.scan_iter(count=17)):
        return None
    expires = sum(1 for k in keys if c.pttl(k) > 0)
    return len(keys), expires


def assert_exact(c, when):
    # Keys whose short expiry passed count until the active expiry removes them (as in Redis),
    # so wait for that; the figures must then agree exactly.
    def agree():
        counted = full_count(c)
        return counted is not None and c.dbsize() == counted[0] and keyspace(c) == counted
    wait_until(agree, timeout=60, interval=0.1, what="counters equal to a full count " + when)


def random_writes(c, rnd, n):
    for _ in range(n):
        k, k2 = "k%d" % rnd.randrange(KEYS), "k%d" % rnd.randrange(KEYS)
        op = rnd.randrange(14)
        if op == 0:
            c.set(k, "v" * rnd.randrange(40))
        elif op == 1:
            c.set(k, "x", px=rnd.randrange(20, 300))  # expires during the run
        elif op == 2:
            c.set(k, "y", ex=3600)
        elif op == 3:
            c.delete(k, k2)
        elif op == 4:
            c.append(k, "abc")
        elif op == 5:
            c.setbit(k, rnd.randrange(300), 1)
        elif op == 6:
            c.pexpire(k, rnd.randrange(20, 300))
        elif op == 7:
            c.persist(k)
        elif op == 8:
            try:
                c.rename(k, k2)
            except Exception as e:  # a missing source
                assert "no such key" in str(e)
        elif op == 9 and k != k2:
            c.copy(k, k2, replace=True)
        elif op == 10:
            p = c.pipeline(transaction=False)
            for j in range(5):
                p.set("k%d" % rnd.randrange(KEYS), j)
            p.incr(k)
            p.execute(raise_on_error=False)
        elif op == 11:
            c.getdel(k)
        elif op == 12:  # longer than 4096 bytes: a fragmented string (types/string_fragments.h)
            c.setrange(k, rnd.choice((4095, 5000, 20000)), "z")
        else:
            c.setbit(k, rnd.randrange(1 << 20), 1)


def test_counters_equal_a_full_count_after_writes_restart_and_kill9(server_factory):
    seed = int(os.environ.get("MNEMO_SEED", random.randrange(1 << 30)))
    print("seed", seed)
    rnd = random.Random(seed)
    s = server_factory()
    c = s.client()
    random_writes(c, rnd, 2000)
    assert_exact(c, "after the writes")
    c.close()
    assert s.stop() == 0
    s.start()
    c = s.client()
    assert_exact(c, "after a restart")
    random_writes(c, rnd, 1000)
    assert s.kill9() == -9
    s.start()
    c = s.client()
    assert_exact(c, "after kill -9")
    c.close()
