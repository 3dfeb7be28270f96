"""MEMORY and INFO memory: every field and subcommand exists and parses, the views of one
snapshot agree, and the numbers move the way the memory moves.

Runs in both builds: with jemalloc (the allocator's numbers are real) and in the sanitizer build
without it (MNEMO_SANITIZED=1: allocator numbers are 0, mem_allocator is "libc", MALLOC-STATS and
PURGE answer an error). Each test asserts what is right for the build it runs against.
"""
import json
import time

from conftest import SANITIZED
from helpers import cmd_error, raw, wait_until

MB = 1 << 20

INFO_FIELDS = [
    "used_memory", "used_memory_human", "used_memory_rss", "used_memory_rss_human",
    "used_memory_peak", "used_memory_peak_human", "used_memory_peak_perc", "used_memory_overhead",
    "used_memory_startup", "used_memory_dataset", "used_memory_dataset_perc",
    "allocator_allocated", "allocator_active", "allocator_resident", "allocator_mapped",
    "allocator_retained", "allocator_metadata", "total_system_memory",
    "total_system_memory_human", "used_memory_lua", "used_memory_vm_eval",
    "used_memory_lua_human", "used_memory_scripts_eval", "number_of_cached_scripts",
    "used_memory_scripts", "used_memory_scripts_human", "maxmemory", "maxmemory_human",
    "allocator_frag_ratio",
    "allocator_frag_bytes", "allocator_rss_ratio", "allocator_rss_bytes", "rss_overhead_ratio",
    "rss_overhead_bytes", "mem_fragmentation_ratio", "mem_fragmentation_bytes",
    "mem_clients_normal", "mem_allocator", "mem_block_cache", "mem_block_cache_capacity",
    "mem_block_cache_pinned", "mem_memtables", "mem_memtables_unflushed", "mem_memtables_budget",
    "mem_table_readers", "mem_storage_jobs", "mem_key_cache", "mem_key_cache_capacity",
    "mem_client_query_buffers",
    "mem_client_reply_buffers", "mem_pubsub_registry", "mem_client_running_commands",
    "mem_client_pending_writes",
    "mem_profiler", "mem_profiler_active", "mem_history", "mem_lua", "mem_allocator_tcache",
    "mem_startup_other", "mem_components", "mem_unaccounted",
    "mem_rss_beyond_allocator",
]

STATS_FIELDS = [
    "peak.allocated", "total.allocated", "startup.allocated", "clients.normal", "lua.caches",
    "overhead.total",
    "keys.count", "keys.bytes-per-key", "dataset.bytes", "dataset.percentage", "peak.percentage",
    "allocator.allocated", "allocator.active", "allocator.resident", "allocator.mapped",
    "allocator.retained", "allocator.metadata", "allocator-fragmentation.ratio",
    "allocator-fragmentation.bytes", "allocator-rss.ratio", "allocator-rss.bytes",
    "rss-overhead.ratio", "rss-overhead.bytes", "fragmentation", "fragmentation.bytes",
    "process.rss", "maxmemory", "rocksdb.block-cache", "rocksdb.block-cache.capacity",
    "rocksdb.block-cache.pinned", "rocksdb.memtables", "rocksdb.memtables.unflushed",
    "rocksdb.memtables.budget", "rocksdb.table-readers", "rocksdb.background-jobs", "key-cache",
    "key-cache.capacity",
    "key-cache.entries", "clients.normal.count",
    "clients.normal.query-buffers", "clients.normal.reply-buffers",
    "clients.normal.pubsub-registry", "clients.normal.running-commands",
    "clients.normal.pending-writes", "profiler.bytes",
    "profiler.active", "history.bytes", "lua.vm", "allocator.tcache", "startup.other",
    "components.total", "unaccounted.bytes",
    "rss-beyond-allocator.bytes",
]
RATIO_STATS = {"dataset.percentage", "peak.percentage", "allocator-fragmentation.ratio",
               "allocator-rss.ratio", "rss-overhead.ratio", "fragmentation"}
TEXT_INFO = {"used_memory_human", "used_memory_rss_human", "used_memory_peak_human",
             "used_memory_peak_perc", "used_memory_dataset_perc", "total_system_memory_human",
             "maxmemory_human", "mem_allocator", "used_memory_lua_human",
             "used_memory_scripts_human"}
RATIO_INFO = {"allocator_frag_ratio", "allocator_rss_ratio", "rss_overhead_ratio",
              "mem_fragmentation_ratio"}
COMPONENTS = ["mem_block_cache", "mem_memtables", "mem_table_readers", "mem_storage_jobs",
              "mem_key_cache",
              "mem_clients_normal", "mem_profiler", "mem_history", "mem_lua",
              "mem_allocator_tcache", "mem_startup_other"]


def info_memory(client):
    """INFO memory as {field: text}, parsed by hand (no client-side conversions)."""
    text = raw(client, "INFO", "memory")
    if isinstance(text, bytes):
        text = text.decode()
    lines = [l for l in text.split("\r\n") if l and not l.startswith("#")]
    return dict(l.split(":", 1) for l in lines)


def memory_stats(client):
    flat = raw(client, "MEMORY", "STATS")
    return dict(zip(flat[0::2], flat[1::2]))


def report(client):
    return json.loads(raw(client, "MEMORY", "REPORT"))


def load(client, total_bytes, value_size=1024, prefix="k"):
    value = "v" * value_size
    pipe = client.pipeline(transaction=False)
    for i in range(total_bytes // value_size):
        pipe.set("%s:%d" % (prefix, i), value)
        if i % 1000 == 999:
            pipe.execute()
    pipe.execute()


# ---- every field exists and parses ----


def test_info_memory_has_every_field_and_they_parse(r):
    info = info_memory(r)
    assert list(info) == INFO_FIELDS  # exactly these, in this order
    for k, v in info.items():
        if k in RATIO_INFO:
            assert float(v) >= 0, k
        elif k.endswith("_perc"):
            assert v.endswith("%") and float(v[:-1]) >= 0, k
        elif k not in TEXT_INFO:
            int(v)  # bytes and counts are integers (differences may be negative)
    assert info["mem_profiler_active"] == "0"
    assert int(info["used_memory_rss"]) > 0
    assert int(info["mem_block_cache_capacity"]) > 0
    # write-buffer-size x max-write-buffer-number x 3, or a lower write buffer manager budget.
    assert 0 < int(info["mem_memtables_budget"]) <= 64 * MB * 4 * 3
    if SANITIZED:
        assert info["mem_allocator"] == "libc"
        for k in ("used_memory", "used_memory_peak", "allocator_allocated", "allocator_active",
                  "allocator_resident", "mem_unaccounted", "mem_rss_beyond_allocator",
                  "mem_fragmentation_bytes"):
            assert info[k] == "0", k
        assert float(info["mem_fragmentation_ratio"]) == 0
    else:
        assert info["mem_allocator"].startswith("jemalloc-5.")
        assert int(info["used_memory"]) > 0
        assert int(info["used_memory_startup"]) > 0
        assert int(info["used_memory_peak"]) >= int(info["used_memory_startup"])


def test_memory_stats_is_a_map_in_redis_shape(r):
    flat = raw(r, "MEMORY", "STATS")
    names = flat[0::2]
    # The fields, then one map per namespace (test_memory_attribution.py checks those).
    assert names == STATS_FIELDS + ["namespace.__namespace"]
    assert isinstance(flat[-1], list)
    flat = flat[:-2]
    names = flat[0::2]
    stats = dict(zip(names, flat[1::2]))
    for k, v in stats.items():
        if k in RATIO_STATS:
            assert isinstance(v, str) and float(v) >= 0, k  # RESP2 doubles are bulk strings
        else:
            assert isinstance(v, int), k
    assert stats["clients.normal.count"] >= 1
    if SANITIZED:
        assert stats["total.allocated"] == 0 and stats["allocator.resident"] == 0
    else:
        assert stats["total.allocated"] > 0
        assert stats["peak.allocated"] >= stats["startup.allocated"]


def test_report_is_one_json_document_whose_views_agree(r):
    r.set("a", "b")
    doc = report(r)
    info, stats = doc["info"], doc["stats"]
    assert list(info) == INFO_FIELDS and list(stats) == STATS_FIELDS
    # Taken from one snapshot, the views agree exactly.
    alloc = doc["allocator"]
    assert info["used_memory"] == stats["total.allocated"] == alloc["allocated"]
    assert info["allocator_active"] == stats["allocator.active"] == alloc["active"]
    assert info["allocator_resident"] == stats["allocator.resident"] == alloc["resident"]
    assert info["used_memory_rss"] == stats["process.rss"] == doc["process"]["rss"]
    assert info["used_memory_peak"] == stats["peak.allocated"] == doc["baselines"]["peak_allocated"]
    assert info["mem_fragmentation_ratio"] == stats["fragmentation"]
    assert info["mem_block_cache"] == stats["rocksdb.block-cache"] == \
        doc["rocksdb"]["block_cache_usage"]
    assert info["mem_memtables"] == stats["rocksdb.memtables"] == doc["components"]["memtables"]
    assert info["mem_table_readers"] == stats["rocksdb.table-readers"]
    assert info["mem_storage_jobs"] == stats["rocksdb.background-jobs"] == \
        doc["components"]["storage_jobs"] == doc["rocksdb"]["background_jobs"]
    assert info["mem_key_cache"] == stats["key-cache"] == doc["components"]["key_cache"]
    assert info["mem_key_cache_capacity"] == stats["key-cache.capacity"] == \
        doc["key_cache"]["capacity"]
    assert info["mem_clients_normal"] == stats["clients.normal"] == \
        doc["components"]["clients_normal"]
    assert info["mem_profiler"] == stats["profiler.bytes"] == doc["components"]["profiler"]
    assert info["mem_history"] == stats["history.bytes"] == doc["components"]["history"] > 0
    assert info["mem_lua"] == doc["components"]["lua"] == \
        info["used_memory_lua"] + info["used_memory_scripts"]
    assert info["used_memory_lua"] == stats["lua.vm"] == doc["lua"]["vm"]
    assert info["mem_unaccounted"] == stats["unaccounted.bytes"] == doc["unaccounted"]["allocator"]
    assert info["mem_components"] == doc["components"]["total"] == sum(info[c] for c in COMPONENTS)
    assert info["mem_allocator"] == alloc["name"]
    assert alloc["available"] == (not SANITIZED)
    assert stats["keys.count"] == doc["rocksdb"]["keys"]
    assert isinstance(doc["doctor"], list) and doc["doctor"]
    workers = int(raw(r, "CONFIG", "GET", "workers")[1]) or None
    assert len(doc["threads"]) >= 1 and (workers is None or len(doc["threads"]) == workers)
    if SANITIZED:
        assert doc["allocation"] is None and "not available" in doc["allocation_error"]
    else:
        pattern = doc["allocation"]
        assert pattern["small"] and pattern["arenas"]
        for c in pattern["small"] + pattern["large"]:
            assert c["regions"] > 0 and c["bytes"] == c["size"] * c["regions"]
        small = sum(c["bytes"] for c in pattern["small"])
        large = sum(c["bytes"] for c in pattern["large"])
        # The pattern is read a moment after the snapshot: same heap, within a few MB.
        assert abs(small + large - alloc["allocated"]) < 8 * MB
        assert sum(a["small_allocated"] for a in pattern["arenas"]) > 0


def test_worker_threads_publish_their_allocation_counters(r):
    r.set("x", "y" * 10000)
    r.get("x")

    def published():
        threads = report(r)["threads"]
        return all(t["published_at_ms"] > 0 for t in threads) and threads

    if SANITIZED:
        time.sleep(1.2)
        for t in report(r)["threads"]:
            assert t["allocated"] == t["deallocated"] == t["published_at_ms"] == 0
        return
    threads = wait_until(published, what="every worker to publish its counters")
    assert all(t["name"].startswith("mnemo-worker-") for t in threads)
    # thread.deallocated may exceed thread.allocated: a thread also frees what others allocated.
    assert all(t["allocated"] > 0 for t in threads)
    # Counters are monotonic: a later publication never goes back.
    before = {t["name"]: t["allocated"] for t in threads}
    time.sleep(1.2)
    for t in report(r)["threads"]:
        assert t["allocated"] >= before[t["name"]]


# ---- invariants and movements on a loaded server ----


def test_invariants_hold_on_a_loaded_server(r):
    load(r, 4 * MB)
    r.mget(["k:%d" % i for i in range(0, 4000, 3)])
    for _ in range(3):
        doc = report(r)
        info, alloc = doc["info"], doc["allocator"]
        assert doc["components"]["total"] == sum(info[c] for c in COMPONENTS)
        if SANITIZED:
            assert info["mem_unaccounted"] == 0
            continue
        assert doc["components"]["total"] <= alloc["allocated"]
        assert info["mem_unaccounted"] == alloc["allocated"] - doc["components"]["total"]
        assert alloc["allocated"] <= alloc["active"] <= alloc["resident"]
        beyond = max(0, info["used_memory_rss"] - alloc["resident"])
        assert info["mem_rss_beyond_allocator"] == beyond
        assert info["used_memory_peak"] >= info["used_memory"]
        assert info["used_memory_dataset"] + info["used_memory_overhead"] >= info["used_memory"]


def test_info_and_memory_stats_agree_when_taken_apart(r):
    load(r, 2 * MB)
    info = info_memory(r)
    stats = memory_stats(r)
    # Two snapshots a moment apart: equal within a small tolerance.
    for i_name, s_name in [("used_memory", "total.allocated"), ("used_memory_rss", "process.rss"),
                           ("allocator_resident", "allocator.resident"),
                           ("mem_memtables", "rocksdb.memtables")]:
        a, b = int(info[i_name]), stats[s_name]
        assert abs(a - b) <= max(2 * MB, 0.05 * max(a, b)), (i_name, a, b)
    assert int(info["mem_block_cache_capacity"]) == stats["rocksdb.block-cache.capacity"]
    assert int(info["used_memory_startup"]) == stats["startup.allocated"]


def test_loading_10mb_moves_used_memory_and_memtables(server_factory):
    # Memtables large enough to hold the load (the 4 MB default flushes it to SST files).
    s = server_factory(extra_args=["--rocksdb.write-buffer-size", "64mb"])
    r = s.client(decode_responses=True)
    before = report(r)["info"]
    load(r, 10 * MB)
    after = report(r)["info"]
    grew = after["mem_memtables"] - before["mem_memtables"]
    # The memtables hold the 10 MB of values plus keys and skiplist nodes.
    assert 9 * MB <= grew <= 20 * MB, grew
    assert after["mem_memtables_unflushed"] >= grew
    if SANITIZED:
        assert after["used_memory"] == 0
    else:
        used = after["used_memory"] - before["used_memory"]
        assert 9 * MB <= used <= 40 * MB, used
        assert after["used_memory_peak"] >= after["used_memory"]
        assert after["mem_unaccounted"] < before["mem_unaccounted"] + 8 * MB


# ---- MEMORY USAGE ----


def test_memory_usage_is_the_stored_size_and_grows_with_the_value(r):
    stored_header = 1 + len("__namespace") + 2 + 9  # ns length, namespace, slot; flags + expiry
    # Written whole, up to 16 KiB is one record; longer, a fragmented string
    # (types/string_fragments.h): its metadata record with version, length (twice) and one
    # record per 4096 bytes: key = namespace, slot, key length (4), key, version (8), fragment
    # index (4).
    fragment_key = 1 + len("__namespace") + 2 + 4 + len("key") + 8 + 4
    sizes = []
    for n in (1, 100, 4096, 10000, 16384, 20480, 1000000):
        r.set("key", "x" * n)
        usage = r.memory_usage("key")
        exact = r.memory_usage("key", samples=0)
        if n <= 16384:
            assert usage == exact == stored_header + len("key") + n
        else:
            fragments = (n + 4095) // 4096
            assert exact == stored_header + 24 + len("key") + fragments * fragment_key + n
            assert abs(usage - exact) <= exact // 100  # 5 fragments sampled: an estimate
        sizes.append(usage)
    assert sizes == sorted(sizes) and len(set(sizes)) == 7
    assert r.memory_usage("missing") is None
    r.set("short", "v", px=1)
    time.sleep(0.05)
    assert r.memory_usage("short") is None  # expired = missing


def test_memory_usage_arguments(r):
    r.set("k", "v")
    assert raw(r, "MEMORY", "USAGE", "k", "SAMPLES", "7") == raw(r, "MEMORY", "usage", "k")
    assert raw(r, "memory", "usage", "k", "samples", "0", "samples", "3") > 0
    assert cmd_error(r, "MEMORY", "USAGE", "k", "SAMPLES") == "syntax error"
    assert cmd_error(r, "MEMORY", "USAGE", "k", "SAMPLES", "-1") == "syntax error"
    assert cmd_error(r, "MEMORY", "USAGE", "k", "SAMPLES", "x") == \
        "value is not an integer or out of range"
    assert cmd_error(r, "MEMORY", "USAGE", "k", "SAMPLES", "1.5") == \
        "value is not an integer or out of range"
    assert cmd_error(r, "MEMORY", "USAGE", "k", "BOGUS", "1") == "syntax error"
    assert cmd_error(r, "MEMORY", "USAGE") == \
        "wrong number of arguments for 'memory|usage' command"


# ---- errors, HELP ----


def test_subcommand_errors_use_redis_words(r):
    assert cmd_error(r, "MEMORY") == "wrong number of arguments for 'memory' command"
    assert cmd_error(r, "MEMORY", "FOO") == "unknown subcommand 'FOO'. Try MEMORY HELP."
    for sub in ("STATS", "DOCTOR", "PURGE", "REPORT", "HELP"):
        assert cmd_error(r, "MEMORY", sub, "extra") == \
            "wrong number of arguments for 'memory|%s' command" % sub.lower()
    assert cmd_error(r, "MEMORY", "MALLOC-STATS", "JSON", "x") == \
        "wrong number of arguments for 'memory|malloc-stats' command"
    assert cmd_error(r, "MEMORY", "MALLOC-STATS", "XML") == "syntax error"


def test_help_lists_every_subcommand(r):
    lines = raw(r, "MEMORY", "HELP")
    assert lines[0].startswith("MEMORY <subcommand>")
    text = "\n".join(lines)
    for sub in ("DOCTOR", "MALLOC-STATS", "PURGE", "REPORT", "STATS", "USAGE <key>", "HELP"):
        assert "\n" + sub in text, sub


# ---- DOCTOR ----


def test_doctor_gives_an_all_clear_on_a_fresh_server(r):
    text = raw(r, "MEMORY", "DOCTOR")
    assert isinstance(text, str)
    assert text.startswith("No memory problems found"), text
    if SANITIZED:
        assert "Allocator statistics are not available" in text


def test_doctor_notices_active_profiling(r):
    if SANITIZED:
        assert "not available" in cmd_error(r, "KPROFILE", "MEMORY", "ENABLE")
        assert "profiling is active" not in raw(r, "MEMORY", "DOCTOR")
        return
    raw(r, "KPROFILE", "MEMORY", "ENABLE", "FOR", "60")
    try:
        text = raw(r, "MEMORY", "DOCTOR")
        assert "KPROFILE MEMORY DISABLE" in text
        assert report(r)["info"]["mem_profiler_active"] == 1
    finally:
        raw(r, "KPROFILE", "MEMORY", "DISABLE")
    assert "profiling is active" not in raw(r, "MEMORY", "DOCTOR")


def test_doctor_warns_when_caches_can_outgrow_maxmemory(server_factory):
    # The memory budgets keep the block cache within a quarter of maxmemory; an explicit memtable
    # budget above maxmemory lets the two together outgrow it.
    s = server_factory(extra_args=["--maxmemory", "100mb", "--rocksdb.write-buffer-size", "64mb",
                                   "--rocksdb.write-buffer-budget", "200mb"])
    c = s.client(decode_responses=True)
    text = raw(c, "MEMORY", "DOCTOR")
    assert "maxmemory (100.00M)" in text, text
    assert info_memory(c)["maxmemory_human"] == "100.00M"
    c.close()


# ---- MALLOC-STATS and PURGE ----


def test_malloc_stats_text_and_json(r):
    if SANITIZED:
        for args in (["MALLOC-STATS"], ["MALLOC-STATS", "JSON"]):
            msg = cmd_error(r, "MEMORY", *args)
            assert "not available" in msg and "libc" in msg
        return
    text = raw(r, "MEMORY", "MALLOC-STATS")
    assert "jemalloc statistics" in text
    doc = json.loads(raw(r, "MEMORY", "malloc-stats", "json"))
    assert "version" in doc["jemalloc"]


def test_purge_returns_memory_freed_by_a_large_reply(server_factory):
    s = server_factory()
    c = s.client(decode_responses=True)
    if SANITIZED:
        msg = cmd_error(c, "MEMORY", "PURGE")
        assert "not available" in msg and "libc" in msg
        c.close()
        return
    value = "x" * MB
    for i in range(40):
        c.set("big:%d" % i, value)
    raw(c, "MEMORY", "PURGE")
    # A 40 MB MGET reply grows the reply buffer through every size up to 64 MB; once sent and
    # shrunk, those pages are free but stay resident until purged or decayed.
    released = 0
    for _ in range(3):
        assert len(c.mget(["big:%d" % i for i in range(40)])) == 40
        resident_before = info_memory(c)["allocator_resident"]
        released = raw(c, "MEMORY", "PURGE")
        resident_after = info_memory(c)["allocator_resident"]
        assert isinstance(released, int) and released >= 0
        if released > 0 or int(resident_after) < int(resident_before):
            break
    assert released > 0
    c.close()


def test_peak_follows_allocated(r):
    info = info_memory(r)
    if SANITIZED:
        assert info["used_memory_peak"] == "0"
        return
    r.set("big", "x" * (8 * MB))
    r.get("big")
    time.sleep(0.3)  # the server cron samples allocated every 100 ms
    info = info_memory(r)
    assert int(info["used_memory_peak"]) >= int(info["used_memory"])
    assert int(info["used_memory_peak"]) >= int(info["used_memory_startup"]) + 8 * MB
    assert float(info["used_memory_peak_perc"][:-1]) <= 100.0
