#!/usr/bin/python3
"""Bitmap commands side by side with redis-server: SETBIT/GETBIT/BITCOUNT on small bitmaps over a
keyspace, and the cost of one SETBIT at a high offset of a long value (Mnemo stores a string
longer than 4096 bytes in 4096-byte fragments and rewrites only the one a SETBIT falls in: this
shows whether the cost still grows with the value's size).

    bench/bitmaps.py --bin build/mnemo [--rounds 2] [--requests 100000] [--sizes 1,4]
"""
import argparse
import csv
import io
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

import redis

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from run import cpu_seconds, start_mnemo, start_redis  # noqa: E402


def bench_command(port, requests, clients, pipeline, keyspace, *command):
    out = subprocess.run(["redis-benchmark", "-p", str(port), "-c", str(clients), "-P",
                          str(pipeline), "-n", str(requests), "-r", str(keyspace), "--csv"] +
                         list(command), capture_output=True, text=True, check=True).stdout
    row = list(csv.reader(io.StringIO(out)))[1]
    return float(row[1])


def high_offset_setbit(port, mb, count):
    """Mean ms of one SETBIT near the end of a value of `mb` MiB, one client, no pipeline."""
    c = redis.Redis(port=port)
    bits = mb * 8 * 1024 * 1024
    c.delete("big")
    c.setbit("big", bits - 1, 1)
    start = time.perf_counter()
    for i in range(count):
        c.setbit("big", bits - 2 - (i % 1000), i & 1)
    ms = (time.perf_counter() - start) * 1000 / count
    c.delete("big")
    c.close()
    return ms


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", default="build/mnemo")
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--requests", type=int, default=100000)
    ap.add_argument("--sizes", default="1,4", help="MiB sizes for the high-offset SETBIT")
    ap.add_argument("--count", type=int, default=200, help="SETBITs per size")
    args = ap.parse_args()
    workdir = tempfile.mkdtemp(prefix="mnemo-bench-bitmaps-")
    procs = []
    small = {
        # __rand_int__ expands zero-padded, which is no valid offset: a fixed bit per key.
        "setbit": ("SETBIT", "bm:__rand_int__", "777", "1"),
        "getbit": ("GETBIT", "bm:__rand_int__", "777"),
        "bitcount": ("BITCOUNT", "bm:__rand_int__"),
    }
    try:
        mport, mproc = start_mnemo(os.path.abspath(args.bin), workdir, [])
        rport, rproc = start_redis(workdir)
        procs = [mproc, rproc]
        res = {"mnemo": {}, "redis": {}}
        for i in range(args.rounds):
            order = [("mnemo", mport, mproc), ("redis", rport, rproc)]
            if i % 2:
                order.reverse()
            for name, port, proc in order:
                for test, cmd in small.items():
                    rps = bench_command(port, args.requests, 50, 16, 100000, *cmd)
                    res[name].setdefault(test, []).append(rps)
                for mb in args.sizes.split(","):
                    before = cpu_seconds(proc.pid)
                    ms = high_offset_setbit(port, int(mb), args.count)
                    cpu = (cpu_seconds(proc.pid) - before) * 1000 / args.count
                    res[name].setdefault("setbit@%sMiB" % mb, []).append((ms, cpu))
        print("%-14s %12s %12s %6s" % ("test", "mnemo", "redis", "ratio"))
        for test in small:
            m = statistics.median(res["mnemo"][test])
            r = statistics.median(res["redis"][test])
            print("%-14s %10.0f/s %10.0f/s %6.2f" % (test, m, r, m / r))
        for mb in args.sizes.split(","):
            t = "setbit@%sMiB" % mb
            m = statistics.median(v[0] for v in res["mnemo"][t])
            r = statistics.median(v[0] for v in res["redis"][t])
            mc = statistics.median(v[1] for v in res["mnemo"][t])
            rc = statistics.median(v[1] for v in res["redis"][t])
            print("%-14s %9.3f ms %9.3f ms %6.1fx slower (server CPU/op: %.3f ms vs %.3f ms)" %
                  (t, m, r, m / r, mc, rc))
    finally:
        for p in procs:
            p.terminate()
            p.wait()
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
