#!/usr/bin/python3
"""The storage engine's write ceiling, side by side with Mnemo and redis-server, in one run.

Every acknowledged write of Mnemo is a RocksDB record in the WAL and a memtable. How fast RocksDB
alone can take such records on this machine bounds how fast any write command can go, whatever
Mnemo does around it. This script measures, in one run and alternating per round:

  - redis-server and Mnemo under the same redis-benchmark load (`-c 50 -P 16 -d SIZE -r KEYS`,
    one redis-benchmark run per test, as bench/run.py);
  - RocksDB's own db_bench (Debian's rocksdb-tools) `fillrandom`: records of Mnemo's key and
    value sizes into a key range like redis-benchmark's, WAL on and not synced, in batches the
    size of one worker's pass (CLIENTS x PIPELINE / workers), with Mnemo's memtable size, LZ4
    and bloom filters; with 1 thread (redis-benchmark takes the other core, as in the Mnemo run)
    and with 2 (every core for the engine: an upper bound nobody serving clients reaches).

The ceiling of a command is db_bench's records per second divided by the records one command
writes (`RECORDS` below, from docs/internals.md, "Storage encoding"; a write context commits
the latest write of each key, so a hot composite key's metadata record costs one record per
pass, not one per command). Printed per test: the three rates, Mnemo/Redis, ceiling/Redis and
Mnemo/ceiling: a target above ceiling/Redis cannot be met with RocksDB writing every command.

    bench/ceiling.py --bin build/mnemo [--rounds 3] [--requests 300000] [--tests set,hset,...]
"""
import argparse
import math
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile

import redis

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from run import add_load_args, run_benchmark, start_mnemo, start_redis  # noqa: E402

# Records one command writes once the key exists (the benchmark's steady state), and the key
# size of its records: metadata key = 1 + namespace (11) + slot (2) + key; element key = 1 +
# namespace + slot + length (4) + key + version (8) + member.
RECORDS = {
    "set": (1, 30),     # the metadata record holds the value ("key:000000012345")
    "incr": (1, 34),    # "counter:000000012345"
    "hset": (1, 47),    # the field ("element:000000012345"); the hash's record once per pass
    "sadd": (1, 46),    # the member
    "lpush": (1, 35),   # the element, under its index
    "rpush": (1, 35),
    "zadd": (3, 50),    # member -> score, the new score index entry, the old one deleted
}


def db_bench_rate(binary, workdir, keys, writes, key_size, value_size, batch, threads,
                  write_buffer):
    db = os.path.join(workdir, "db_bench")
    shutil.rmtree(db, ignore_errors=True)
    out = subprocess.run(
        [binary, "--benchmarks=fillrandom", "--db=" + db, "--num=%d" % keys,
         "--writes=%d" % writes, "--key_size=%d" % key_size, "--value_size=%d" % value_size,
         "--batch_size=%d" % batch, "--threads=%d" % threads,
         "--write_buffer_size=%d" % write_buffer, "--max_write_buffer_number=16",
         "--min_write_buffer_number_to_merge=4", "--compression_type=lz4", "--bloom_bits=10",
         "--sync=0", "--disable_wal=0", "--enable_pipelined_write=1", "--statistics=0",
         "--max_background_jobs=3", "--compression_ratio=1"],
        capture_output=True, text=True, check=True).stdout
    shutil.rmtree(db, ignore_errors=True)
    m = re.search(r"^fillrandom\s*:\s*([\d.]+) micros/op (\d+) ops/sec", out, re.M)
    if not m:
        raise RuntimeError("no fillrandom result in db_bench's output:\n" + out)
    return int(m.group(2))  # all threads together


def main():
    ap = argparse.ArgumentParser()
    add_load_args(ap, ",".join(RECORDS))
    ap.add_argument("--db-bench", default="db_bench")
    ap.add_argument("--workers", type=int, default=2, help="Mnemo's worker threads (its default)")
    ap.add_argument("--write-buffer", type=int, default=1 << 20,
                    help="Mnemo's rocksdb.write-buffer-size (its default)")
    args = ap.parse_args()
    tests = [t.strip().lower() for t in args.tests.split(",") if t.strip()]
    for t in tests:
        if t not in RECORDS:
            ap.error("no record shape for test %r (known: %s)" % (t, ",".join(RECORDS)))
    if shutil.which(args.db_bench) is None:
        sys.exit("db_bench not found (Debian package rocksdb-tools)")
    batch = max(1, args.clients * args.pipeline // args.workers)
    load = os.getloadavg()[0]
    rates = {t: {"mnemo": [], "redis": []} for t in tests}
    engine = {}  # (key_size, threads) -> [records/s]
    for rnd in range(args.rounds):
        with tempfile.TemporaryDirectory(prefix="mnemo-ceiling-") as work:
            for t in tests:
                order = ["redis", "mnemo"] if rnd % 2 == 0 else ["mnemo", "redis"]
                for side in order:
                    sub = os.path.join(work, side + "-" + t)
                    os.makedirs(sub)
                    if side == "redis":
                        port, proc = start_redis(sub)
                    else:
                        port, proc = start_mnemo(args.bin, sub, args.mnemo_arg)
                    try:
                        r = run_benchmark(port, t, args.requests, args.clients, args.pipeline,
                                          args.size, args.keyspace)
                        rate = next(iter(r.values()))["rps"]
                        if not math.isfinite(rate):  # the run ended within the clock's tick
                            sys.exit("%s %s: too few requests to time (%d); raise --requests"
                                     % (side, t, args.requests))
                        rates[t][side].append(rate)
                    finally:
                        redis.Redis(port=port).connection_pool.disconnect()
                        proc.terminate()
                        proc.wait(timeout=60)
            for key_size in sorted({RECORDS[t][1] for t in tests}):
                for threads in (1, 2):
                    writes = args.requests * 2 // threads
                    engine.setdefault((key_size, threads), []).append(
                        db_bench_rate(args.db_bench, work, args.keyspace, writes, key_size,
                                      args.size, batch, threads, args.write_buffer))
    print("redis-benchmark -c %d -P %d -d %d -r %d -n %d; db_bench fillrandom batch %d; "
          "%d rounds (median); load %.1f -> %.1f"
          % (args.clients, args.pipeline, args.size, args.keyspace, args.requests, batch,
             args.rounds, load, os.getloadavg()[0]))
    print("%-6s %9s %9s %8s %10s %10s %7s %9s %9s %9s" %
          ("test", "redis/s", "mnemo/s", "records", "ceil1/s", "ceil2/s", "mnemo/r",
           "ceil1/r", "ceil2/r", "mnemo/c1"))
    for t in tests:
        red = statistics.median(rates[t]["redis"])
        mne = statistics.median(rates[t]["mnemo"])
        records, key_size = RECORDS[t]
        c1 = statistics.median(engine[(key_size, 1)]) / records
        c2 = statistics.median(engine[(key_size, 2)]) / records
        print("%-6s %9.0f %9.0f %8d %10.0f %10.0f %7.2f %9.2f %9.2f %9.2f" %
              (t.upper(), red, mne, records, c1, c2, mne / red, c1 / red, c2 / red, mne / c1))


if __name__ == "__main__":
    main()
