#!/usr/bin/python3
"""Side-by-side throughput: Mnemo against redis-server on the same machine, in one run.

Starts both servers on free ports (redis-server without persistence), runs redis-benchmark with
the same settings against each, alternating the order per round, and prints each throughput and
the ratio Mnemo/Redis (median over rounds). Each test is its own redis-benchmark run, so the
script can also report the CPU time each server spent per request (user + system, all threads,
from /proc): a steadier figure than throughput on a shared machine.

    bench/run.py --bin build/mnemo [--rounds 3] [--requests 300000] [--tests set,get,incr,mset,hset]
"""
import argparse
import csv
import io
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time

import redis

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid):
    """User + system CPU time of a process and all its threads, in seconds."""
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_ready(port, proc, timeout=30):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if proc.poll() is not None:
            raise RuntimeError("server exited with %s" % proc.returncode)
        try:
            redis.Redis(port=port, socket_timeout=2).ping()
            return
        except redis.exceptions.ConnectionError:
            time.sleep(0.05)
    raise RuntimeError("server on port %d did not start" % port)


def start_mnemo(binary, workdir, extra, preexec_fn=None):
    """Mnemo on a free port with its data in WORKDIR/mnemo-data; `preexec_fn` runs in the child
    before exec (bench/bigdata.py ties the server's life to its own)."""
    port = free_port()
    data = os.path.join(workdir, "mnemo-data")
    proc = subprocess.Popen([binary, "--port", str(port), "--dir", data] + extra,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            preexec_fn=preexec_fn)
    wait_ready(port, proc)
    return port, proc


def start_redis(workdir):
    port = free_port()
    proc = subprocess.Popen(["redis-server", "--port", str(port), "--save", "", "--appendonly",
                             "no", "--dir", workdir], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    wait_ready(port, proc)
    return port, proc


def run_benchmark(port, tests, requests, clients, pipeline, size, keyspace, extra=()):
    """One redis-benchmark run; `extra` adds flags (bench/tls.py passes --tls and its files)."""
    out = subprocess.run(["redis-benchmark", "-p", str(port), "-c", str(clients), "-P",
                          str(pipeline), "-d", str(size), "-n", str(requests), "-r",
                          str(keyspace), "-t", tests, "--csv"] + list(extra),
                         capture_output=True, text=True, check=True).stdout
    rows = list(csv.reader(io.StringIO(out)))
    result = {}
    for row in rows[1:]:
        if "needed to benchmark" in row[0]:  # the LPUSH that fills the list for LRANGE_*
            continue
        name = row[0].split(" ")[0]
        result[name] = {"rps": float(row[1]), "p50": float(row[4]), "p99": float(row[6]),
                        "max": float(row[7])}
    return result


def add_load_args(ap, tests):
    """The redis-benchmark load and server flags every throughput script takes."""
    ap.add_argument("--bin", default="build/mnemo")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--requests", type=int, default=300000)
    ap.add_argument("--clients", type=int, default=50)
    ap.add_argument("--pipeline", type=int, default=16)
    ap.add_argument("--size", type=int, default=100)
    ap.add_argument("--keyspace", type=int, default=100000)
    ap.add_argument("--tests", default=tests)
    ap.add_argument("--mnemo-arg", action="append", default=[],
                    help="extra mnemo argument, e.g. --mnemo-arg=--workers --mnemo-arg=2")


def main():
    ap = argparse.ArgumentParser()
    add_load_args(ap, "set,get,incr,mset,hset,zadd,zpopmin,lpush,rpush,lpop,rpop,lrange_100,lrange_300,sadd,spop")
    args = ap.parse_args()

    workdir = tempfile.mkdtemp(prefix="mnemo-bench-")
    procs = []
    try:
        mport, mproc = start_mnemo(os.path.abspath(args.bin), workdir, args.mnemo_arg)
        rport, rproc = start_redis(workdir)
        procs = [mproc, rproc]
        samples = {"mnemo": {}, "redis": {}}
        for i in range(args.rounds):
            order = [("mnemo", mport, mproc), ("redis", rport, rproc)]
            if i % 2:
                order.reverse()
            for name, port, proc in order:
                for t in args.tests.split(","):
                    before = cpu_seconds(proc.pid)
                    res = run_benchmark(port, t, args.requests, args.clients, args.pipeline,
                                        args.size, args.keyspace)
                    used = cpu_seconds(proc.pid) - before
                    for test, v in res.items():
                        v["cpu_us"] = used * 1e6 / args.requests
                        samples[name].setdefault(test, []).append(v)
        print("redis-benchmark -c %d -P %d -d %d -r %d -n %d, %d rounds (median)" %
              (args.clients, args.pipeline, args.size, args.keyspace, args.requests, args.rounds))
        print("%-6s %12s %12s %6s %11s %11s %11s %11s" %
              ("test", "mnemo ops/s", "redis ops/s", "ratio", "mnemo us/op", "redis us/op",
               "mnemo p99ms", "redis p99ms"))

        def med(name, test, key):
            return statistics.median(v[key] for v in samples[name][test])

        for test in samples["mnemo"]:
            m, r = med("mnemo", test, "rps"), med("redis", test, "rps")
            print("%-6s %12.0f %12.0f %6.2f %11.2f %11.2f %11.2f %11.2f" %
                  (test, m, r, m / r, med("mnemo", test, "cpu_us"), med("redis", test, "cpu_us"),
                   med("mnemo", test, "p99"), med("redis", test, "p99")))
    finally:
        for p in procs:
            p.terminate()
            p.wait()
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
