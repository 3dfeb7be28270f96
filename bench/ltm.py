#!/usr/bin/python3
"""Larger than memory: Mnemo under a memory limit against RocksDB's own db_bench, in one run.

Mnemo (--maxmemory LIMIT) is loaded with `redis-benchmark -t set -r KEYS -n KEYS -d SIZE`
(random keys, so about 63 % of KEYS distinct, the rest overwrites), then read with random GETs
over the same key range (about 37 % of them miss), then once more by one client without
pipelining (the latency a lone request sees). While it runs, used memory (INFO used_memory) and
the process's RSS are sampled every half second; their peaks must stay within 1.10x the limit.
The server's log is searched for RocksDB's "Stalling writes" / "Stopping writes" lines, and
their reasons (immutable memtables waiting for a flush, L0 files, pending compaction) counted.

Then db_bench (Debian's rocksdb-tools) runs fillrandom (1 thread) and readrandom (2 threads,
the machine's cores) with the same value size, key count and key size (16 bytes, as
redis-benchmark's `key:%012d`), LZ4, bloom filters, index and filter blocks in the cache, and the
same memory: Mnemo's block cache plus its key cache as db_bench's block cache, and Mnemo's
memtable budget as db_bench's write buffer budget (both read from Mnemo's INFO governor).

Printed: both sides' figures, the ratios and the targets of issue 12 (SET >= 0.6x fillrandom,
GET >= 0.6x readrandom, single-client GET p99 <= 5 ms, SET p99 <= 50 ms), and the load average
before and after: the machine is shared, so compare ratios from one run, not figures across runs.

    bench/ltm.py --bin build/mnemo [--size 1000] [--keys 1000000] [--maxmemory 256mb]
                 [--clients 50] [--pipeline 16] [--gets 500000] [--single-gets 20000]

`--maxmemory 0` runs the same load without a limit (no memory check).

The default (1 KB values, 1 M keys: about 630 MB of distinct values against a 256 MB limit)
takes about three minutes on two cores.
"""
import argparse
import glob
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time

import redis

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from run import free_port, run_benchmark, wait_ready  # noqa: E402

STALL_RE = re.compile(r"Stalling writes|Stopping writes")
STALL_REASON_RE = re.compile(r"immutable memtables|level-0 files|pending compaction bytes")
UNITS = {"kb": 1 << 10, "mb": 1 << 20, "gb": 1 << 30}


def parse_bytes(text):
    m = re.fullmatch(r"(\d+)(kb|mb|gb)?", text.lower())
    if not m:
        raise argparse.ArgumentTypeError("not a size: %r" % text)
    return int(m.group(1)) * UNITS.get(m.group(2), 1)


def rss_bytes(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    return 0


class MemorySampler(threading.Thread):
    """Peak INFO used_memory and RSS of the server, sampled every half second."""

    def __init__(self, port, pid):
        super().__init__(daemon=True)
        self.client = redis.Redis(port=port, socket_timeout=30)
        self.pid = pid
        self.peak_used = 0
        self.peak_rss = 0
        self.done = threading.Event()

    def run(self):
        while not self.done.wait(0.5):
            try:
                used = int(self.client.info("memory")["used_memory"])
            except redis.exceptions.RedisError:
                continue  # a slow reply under load: the next sample counts
            self.peak_used = max(self.peak_used, used)
            self.peak_rss = max(self.peak_rss, rss_bytes(self.pid))


def count_stalls(path):
    with open(path, errors="replace") as f:
        return sum(1 for line in f if STALL_RE.search(line))


def stall_reasons(path):
    """RocksDB's reason on each stall line: "immutable memtables", "level-0 files" or "pending
    compaction bytes", with how many lines gave it."""
    reasons = {}
    with open(path, errors="replace") as f:
        for line in f:
            if STALL_RE.search(line):
                m = STALL_REASON_RE.search(line)
                key = m.group(0) if m else "other"
                reasons[key] = reasons.get(key, 0) + 1
    return reasons


def run_mnemo(args, workdir):
    port = free_port()
    log_path = os.path.join(workdir, "mnemo.log")
    log = open(log_path, "w")
    proc = subprocess.Popen([args.bin, "--port", str(port), "--dir",
                             os.path.join(workdir, "mnemo-data"), "--maxmemory",
                             str(args.maxmemory)] + args.mnemo_arg,
                            stdout=log, stderr=subprocess.STDOUT)
    try:
        wait_ready(port, proc)
        client = redis.Redis(port=port, socket_timeout=600, decode_responses=True)
        gov = client.info("governor")
        sampler = MemorySampler(port, proc.pid)
        sampler.start()
        r = {"budget": {k: int(gov[k]) for k in ("governor_block_cache_baseline",
                                                 "governor_key_cache_baseline",
                                                 "governor_memtable_baseline")}}
        t0 = time.time()
        r["set"] = run_benchmark(port, "set", args.keys, args.clients, args.pipeline,
                                 args.size, args.keys)["SET"]
        r["set_s"] = time.time() - t0
        r["get"] = run_benchmark(port, "get", args.gets, args.clients, args.pipeline,
                                 args.size, args.keys)["GET"]
        r["get1"] = run_benchmark(port, "get", args.single_gets, 1, 1, args.size,
                                  args.keys)["GET"]
        sampler.done.set()
        sampler.join()
        r["peak_used"], r["peak_rss"] = sampler.peak_used, sampler.peak_rss
        r["info"] = client.info("storage") if args.storage_info else {}
        r["keys_stored"] = client.dbsize()
    finally:
        proc.terminate()
        proc.wait()
        log.close()
    r["stalls"] = count_stalls(log_path)
    r["stall_reasons"] = stall_reasons(log_path)
    return r


def db_bench_rate(out, name):
    m = re.search(r"^%s\s*:\s*[\d.]+ micros/op (\d+) ops/sec" % name, out, re.M)
    if not m:
        raise RuntimeError("no %s result in db_bench's output:\n%s" % (name, out))
    return int(m.group(1))


def run_db_bench(args, workdir, cache, write_budget):
    db = os.path.join(workdir, "db_bench")
    common = ["db_bench", "--db=" + db, "--num=%d" % args.keys, "--value_size=%d" % args.size,
              "--key_size=16", "--compression_type=lz4", "--bloom_bits=10",
              "--cache_index_and_filter_blocks=1", "--cache_size=%d" % cache,
              "--db_write_buffer_size=%d" % write_budget, "--statistics=0"] + args.db_bench_arg
    fill = subprocess.run(common + ["--benchmarks=fillrandom", "--threads=1"],
                          capture_output=True, text=True, check=True).stdout
    stalls = sum(count_stalls(p) for p in glob.glob(os.path.join(db, "LOG*")))
    read = subprocess.run(common + ["--benchmarks=readrandom", "--use_existing_db=1",
                                    "--threads=2", "--reads=%d" % (args.gets // 2)],
                          capture_output=True, text=True, check=True).stdout
    return {"fill": db_bench_rate(fill, "fillrandom"), "read": db_bench_rate(read, "readrandom"),
            "stalls": stalls}


def verdict(ok):
    return "ok" if ok else "MISSED"


def report(args, m, d, load_before, load_after):
    limit = args.maxmemory
    b = m["budget"]
    print("values %d B, %d keys (-r), limit %d MB, -c %d -P %d; load before: %s; after: %s" %
          (args.size, args.keys, limit >> 20, args.clients, args.pipeline, load_before,
           load_after))
    print("budgets: block cache %d MB, key cache %d MB, memtables %d MB (db_bench: cache %d MB, "
          "write buffers %d MB)" % (b["governor_block_cache_baseline"] >> 20,
                                    b["governor_key_cache_baseline"] >> 20,
                                    b["governor_memtable_baseline"] >> 20,
                                    d["cache"] >> 20, d["write_budget"] >> 20))
    set_ratio = m["set"]["rps"] / d["fill"]
    get_ratio = m["get"]["rps"] / d["read"]
    rows = [
        ("SET ops/s (load %.0f s)" % m["set_s"], "%.0f" % m["set"]["rps"], "%d" % d["fill"],
         "%.2f" % set_ratio, ">= 0.6", verdict(set_ratio >= 0.6)),
        ("GET ops/s", "%.0f" % m["get"]["rps"], "%d" % d["read"], "%.2f" % get_ratio, ">= 0.6",
         verdict(get_ratio >= 0.6)),
        ("SET p99 / max ms", "%.1f / %.0f" % (m["set"]["p99"], m["set"]["max"]), "", "",
         "p99 <= 50", verdict(m["set"]["p99"] <= 50)),
        ("GET p99 ms (-c 50 -P 16)", "%.1f" % m["get"]["p99"], "", "", "", ""),
        ("GET p99 ms, 1 client", "%.2f" % m["get1"]["p99"], "", "", "<= 5",
         verdict(m["get1"]["p99"] <= 5)),
        ("GET ops/s, 1 client", "%.0f" % m["get1"]["rps"], "", "", "", ""),
        ("write stall log lines", "%d" % m["stalls"], "%d" % d["stalls"], "", "", ""),
    ]
    if limit > 0:  # --maxmemory 0: no limit, the same load without one
        rows += [("peak used_memory / limit", "%.2f" % (m["peak_used"] / limit), "", "",
                  "<= 1.10", verdict(m["peak_used"] <= 1.10 * limit)),
                 ("peak RSS / limit", "%.2f" % (m["peak_rss"] / limit), "", "", "<= 1.10",
                  verdict(m["peak_rss"] <= 1.10 * limit))]
    else:
        rows += [("peak used_memory / RSS MB", "%d / %d" % (m["peak_used"] >> 20,
                                                          m["peak_rss"] >> 20), "", "", "", "")]
    print("%-26s %14s %10s %6s %9s %s" % ("", "mnemo", "db_bench", "ratio", "target", ""))
    for row in rows:
        print("%-26s %14s %10s %6s %9s %s" % row)
    if m["stall_reasons"]:
        print("mnemo's stall lines by reason: " +
              ", ".join("%s %d" % kv for kv in sorted(m["stall_reasons"].items())))
    for k, v in sorted(m["info"].items()):
        print("  %s:%s" % (k, v))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--bin", default="build/mnemo")
    ap.add_argument("--size", type=int, default=1000, help="value size in bytes")
    ap.add_argument("--keys", type=int, default=1000000,
                    help="key range and number of SETs (redis-benchmark -r and -n)")
    ap.add_argument("--maxmemory", type=parse_bytes, default=parse_bytes("256mb"))
    ap.add_argument("--clients", type=int, default=50)
    ap.add_argument("--pipeline", type=int, default=16)
    ap.add_argument("--gets", type=int, default=500000)
    ap.add_argument("--single-gets", type=int, default=20000)
    ap.add_argument("--skip-db-bench", action="store_true",
                    help="Mnemo only (ratios then read as against 1 op/s)")
    ap.add_argument("--db-bench-arg", action="append", default=[],
                    help="extra db_bench flag, e.g. --db-bench-arg=--partition_index_and_filters=1")
    ap.add_argument("--storage-info", action="store_true", help="print INFO storage at the end")
    ap.add_argument("--mnemo-arg", action="append", default=[],
                    help="extra mnemo argument, e.g. --mnemo-arg=--workers --mnemo-arg=2")
    ap.add_argument("--workdir", default=None, help="where the data goes (default: /tmp)")
    args = ap.parse_args()
    args.bin = os.path.abspath(args.bin)

    workdir = tempfile.mkdtemp(prefix="mnemo-ltm-", dir=args.workdir)
    try:
        load_before = os.getloadavg()
        m = run_mnemo(args, workdir)
        shutil.rmtree(os.path.join(workdir, "mnemo-data"), ignore_errors=True)
        b = m["budget"]
        cache = b["governor_block_cache_baseline"] + b["governor_key_cache_baseline"]
        write_budget = b["governor_memtable_baseline"]
        if args.skip_db_bench:
            d = {"fill": 1, "read": 1, "stalls": 0}
        else:
            d = run_db_bench(args, workdir, cache, write_budget)
        d["cache"], d["write_budget"] = cache, write_budget
        load_after = os.getloadavg()
        fmt = lambda la: "%.2f %.2f %.2f" % la  # noqa: E731
        report(args, m, d, fmt(load_before), fmt(load_after))
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
