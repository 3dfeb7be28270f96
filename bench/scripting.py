#!/usr/bin/python3
"""EVAL-based INCR side by side with redis-server: the same INCR as a plain command, as
EVAL "return redis.call('incr',KEYS[1])" 1 key, and as EVALSHA of the loaded script, over a
keyspace, with redis-benchmark. Prints throughput, the ratio Mnemo/Redis and each server's CPU
time per request (median over rounds). A script costs Mnemo a hop to the script thread and back
(docs/internals.md, "Scripting"), which the EVAL rows show against the INCR row.

    bench/scripting.py --bin build/mnemo [--rounds 3] [--requests 200000] [--pipeline 1]
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

import redis

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from run import cpu_seconds, start_mnemo, start_redis  # noqa: E402

SCRIPT = "return redis.call('incr',KEYS[1])"


def bench_command(port, requests, clients, pipeline, keyspace, *command):
    out = subprocess.run(["redis-benchmark", "-p", str(port), "-c", str(clients), "-P",
                          str(pipeline), "-n", str(requests), "-r", str(keyspace), "--csv"] +
                         list(command), capture_output=True, text=True, check=True).stdout
    row = list(csv.reader(io.StringIO(out)))[1]
    return float(row[1])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", default="build/mnemo")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--requests", type=int, default=200000)
    ap.add_argument("--clients", type=int, default=50)
    ap.add_argument("--pipeline", type=int, default=1)
    ap.add_argument("--keyspace", type=int, default=100000)
    ap.add_argument("--mnemo-arg", action="append", default=[])
    args = ap.parse_args()
    workdir = tempfile.mkdtemp(prefix="mnemo-bench-scripting-")
    procs = []
    try:
        mport, mproc = start_mnemo(os.path.abspath(args.bin), workdir, args.mnemo_arg)
        rport, rproc = start_redis(workdir)
        procs = [mproc, rproc]
        sha = None
        for port in (mport, rport):
            sha = redis.Redis(port=port).script_load(SCRIPT)
        tests = {
            "incr": ("INCR", "key:__rand_int__"),
            "eval": ("EVAL", SCRIPT, "1", "key:__rand_int__"),
            "evalsha": ("EVALSHA", sha, "1", "key:__rand_int__"),
        }
        samples = {"mnemo": {}, "redis": {}}
        for i in range(args.rounds):
            order = [("mnemo", mport, mproc), ("redis", rport, rproc)]
            if i % 2:
                order.reverse()
            for name, port, proc in order:
                for test, cmd in tests.items():
                    before = cpu_seconds(proc.pid)
                    rps = bench_command(port, args.requests, args.clients, args.pipeline,
                                        args.keyspace, *cmd)
                    cpu_us = (cpu_seconds(proc.pid) - before) * 1e6 / args.requests
                    samples[name].setdefault(test, []).append((rps, cpu_us))
        print("redis-benchmark -c %d -P %d -r %d -n %d, %d rounds (median)" %
              (args.clients, args.pipeline, args.keyspace, args.requests, args.rounds))
        print("%-8s %12s %12s %6s %11s %11s" %
              ("test", "mnemo ops/s", "redis ops/s", "ratio", "mnemo us/op", "redis us/op"))
        for test in tests:
            m = statistics.median(v[0] for v in samples["mnemo"][test])
            r = statistics.median(v[0] for v in samples["redis"][test])
            mc = statistics.median(v[1] for v in samples["mnemo"][test])
            rc = statistics.median(v[1] for v in samples["redis"][test])
            print("%-8s %12.0f %12.0f %6.2f %11.2f %11.2f" % (test, m, r, m / r, mc, rc))
    finally:
        for p in procs:
            p.terminate()
            p.wait()
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
