"""Larger than memory: a write load of large values under a small memory limit keeps going (no
write waits for seconds behind RocksDB's stalls), keeps used memory near the limit, and INFO
storage reports what reads and writes cost. Bounds are generous and no figure is timed: speed is
bench/ltm.py's job (docs/benchmarks.md).
"""
import os
import random
import threading
import time

from conftest import SANITIZED
from helpers import wait_until

MB = 1 << 20
LIMIT = 64 * MB
VALUE = 16 * 1024
WRITERS = 4
PER_WRITER = 1500  # 4 x 1500 x 16 KB = 94 MB of values: more than the limit


def value_for(key):
    # Incompressible enough that LZ4 does not fold the data into nothing.
    rnd = random.Random(key)
    return rnd.randbytes(VALUE // 2).hex().encode()


def load(s, slowest, errors):
    def writer(i):
        c = s.client(socket_timeout=120)
        for n in range(PER_WRITER):
            key = "v%d_%d" % (i, n)
            t0 = time.monotonic()
            try:
                c.set(key, value_for(key))
            except Exception as e:  # noqa: BLE001 (any failure fails the test below)
                errors.append("%s: %r" % (key, e))
                return
            slowest[i] = max(slowest[i], time.monotonic() - t0)
        c.close()

    threads = [threading.Thread(target=writer, args=(i,), daemon=True) for i in range(WRITERS)]
    for t in threads:
        t.start()
    return threads


def test_large_values_under_a_small_limit_make_progress_within_memory(server_factory):
    s = server_factory(["--maxmemory", "64mb"])
    admin = s.client(socket_timeout=120)
    slowest = [0.0] * WRITERS
    errors = []
    threads = load(s, slowest, errors)
    peak_used = 0
    deadline = time.time() + 600  # generous: a loaded 2-core machine, or a sanitizer build
    while any(t.is_alive() for t in threads) and time.time() < deadline:
        peak_used = max(peak_used, int(admin.info("memory")["used_memory"]))
        time.sleep(0.2)
    assert not any(t.is_alive() for t in threads), "the load did not finish in 600 s"
    assert errors == []
    # No single SET waited for seconds: writes were never stopped for long.
    assert max(slowest) < 5.0, slowest
    if not SANITIZED:  # without jemalloc used_memory is not the heap
        assert peak_used <= 1.10 * LIMIT, peak_used / LIMIT
    # Everything acknowledged is there, and reads of it go through RocksDB's files.
    for key in ("v0_0", "v1_700", "v3_%d" % (PER_WRITER - 1)):
        assert admin.get(key) == value_for(key)
    assert admin.dbsize() == WRITERS * PER_WRITER


def test_info_storage_reports_cache_and_compaction_state(server_factory):
    s = server_factory(["--maxmemory", "64mb"])
    c = s.client(socket_timeout=120)
    st = c.info("storage")
    assert st["storage_block_cache_hits"] == 0
    assert st["storage_block_cache_misses"] == 0
    assert float(st["storage_block_cache_hit_ratio"]) == 0.0
    slowest = [0.0] * WRITERS
    errors = []
    for t in load(s, slowest, errors):
        t.join(600)
    assert errors == []
    # Data below the memtables: reads look into SST files, through the block cache.
    wait_until(lambda: int(c.info("persistence")["db_disk_bytes"]) > 32 * MB, timeout=60,
               what="SST files")
    for n in range(0, PER_WRITER, 7):
        assert c.get("v2_%d" % n) is not None
    st = c.info("storage")
    lookups = st["storage_block_cache_hits"] + st["storage_block_cache_misses"]
    assert lookups > 0
    ratio = float(st["storage_block_cache_hit_ratio"])
    assert 0.0 <= ratio <= 1.0
    assert abs(ratio - st["storage_block_cache_hits"] / lookups) < 0.001
    assert st["storage_block_cache_index_filter_misses"] <= st["storage_block_cache_misses"]
    assert st["storage_l0_files"] >= 0
    assert st["storage_pending_compaction_bytes"] >= 0
    assert st["storage_write_stall_ms"] >= 0
    assert st["storage_writes_stopped"] in (0, 1)
    # The index and filters of the files just read are in the cache (RocksDB rescans the cache
    # for these at most every 10 s, hence the wait).
    wait_until(lambda: c.info("storage")["storage_block_cache_index_bytes"] > 0 and
               c.info("storage")["storage_block_cache_filter_bytes"] > 0, timeout=30,
               what="index and filter blocks in the cache")


def test_values_in_blob_files_survive_overwrites_deletes_and_kill9(server_factory):
    # rocksdb.min-blob-size: values of 4 KB and more go to blob files beside the SST files.
    s = server_factory(extra_args=["--rocksdb.min-blob-size", "4kb"])
    c = s.client()
    expected = {}
    p = c.pipeline(transaction=False)
    for n in range(1200):  # 1 MB memtables: many flushes, so many blob files
        key = "b%d" % n
        expected[key] = value_for(key)
        p.set(key, expected[key])
        if n % 100 == 99:
            p.execute()
    p.execute()
    for n in range(0, 1200, 3):  # overwrite a third, smaller: now inline in the SST files
        key = "b%d" % n
        expected[key] = b"small:%d" % n
        c.set(key, expected[key])
    for n in range(1, 1200, 7):
        c.delete("b%d" % n)
        expected.pop("b%d" % n, None)
    c.set("last", value_for("last"))  # acknowledged just before the kill
    expected["last"] = value_for("last")
    c.connection_pool.disconnect()
    blobs = [f for _, _, fs in os.walk(s.data_dir) for f in fs if f.endswith(".blob")]
    assert blobs, "no blob file was written"
    assert s.kill9() == -9
    s.start()
    c = s.client()
    keys = sorted(expected)
    assert c.mget(keys) == [expected[k] for k in keys]
    assert c.dbsize() == len(expected)
    assert c.exists("b1") == 0
    assert int(c.info("persistence")["db_disk_bytes"]) >= 4 * MB  # the blob files count in the disk figure
