#!/usr/bin/python3
"""What the memory governor costs Mnemo when the limit is far away (level normal).

Part 1, throughput. Two mnemo processes side by side: `nolimit` (no maxmemory, no cgroup limit:
the governor has no limit and stays normal) and `limit8g` (--maxmemory 8gb: the governor ticks,
reads used memory every 100 ms, and every command marked deny-oom reads the level). Each is filled
first (one untimed SET pass over the keyspace); then every round runs redis-benchmark -t set and
-t get against both, alternating which goes first. Reported: median ops/s over the rounds,
min..max, and the ratio of the medians (limit8g / nolimit). Both servers are checked to be at
memory_level normal with the expected maxmemory_source before and after.

Part 2, GET latency with and without a concurrent KPROFILE MEMORY DUMP loop, on a server with
--maxmemory 8gb: bench/profiling.py's stall measurement (one probe connection, GET <random key>,
round trip per request; dumps from a separate process), run through its own code.

    bench/governor.py --bin build/mnemo [--rounds 3] [--requests 300000]
"""
import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile

import redis

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import profiling  # noqa: E402  (reused: free_port, wait_ready, redis_benchmark, stall)

SERVERS = (("nolimit", []), ("limit8g", ["--maxmemory", "8gb"]))


class Server:
    def __init__(self, binary, workdir, name, extra):
        self.name = name
        self.port = profiling.free_port()
        data = os.path.join(workdir, name)
        self.proc = subprocess.Popen([binary, "--port", str(self.port), "--dir", data] + extra,
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        profiling.wait_ready(self.port, self.proc)
        self.client = redis.Redis(port=self.port, socket_timeout=300, decode_responses=True)

    def governor(self):
        return self.client.info("governor")

    def stop(self):
        self.proc.terminate()
        try:
            self.proc.wait(60)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def check(s):
    g = s.governor()
    expect = "maxmemory" if s.name == "limit8g" else ("none", "cgroup")
    assert g["memory_level"] == "normal", (s.name, g["memory_level"])
    assert g["maxmemory_source"] in expect, (s.name, g["maxmemory_source"])
    return g


def throughput(args, workdir):
    servers = [Server(args.bin, workdir, n, e) for n, e in SERVERS]
    results = {s.name: {"SET": [], "GET": []} for s in servers}
    try:
        for s in servers:
            check(s)
            profiling.redis_benchmark(s.port, "set", args.keyspace, args.clients, args.pipeline,
                                      args.size, args.keyspace)
        for rnd in range(args.rounds):
            order = servers if rnd % 2 == 0 else servers[::-1]
            for s in order:
                for test in ("set", "get"):
                    r = profiling.redis_benchmark(s.port, test, args.requests, args.clients,
                                                  args.pipeline, args.size, args.keyspace)
                    for k, v in r.items():
                        results[s.name][k].append(v["rps"])
            print("round %d: %s" % (rnd + 1, "  ".join(
                "%s %s=%.0f" % (n, t, results[n][t][-1]) for n in results for t in ("SET", "GET"))),
                flush=True)
        for s in servers:
            check(s)
    finally:
        for s in servers:
            s.stop()
    print()
    print("Throughput: redis-benchmark -c %d -P %d -d %d -r %d -n %d, %d rounds (alternating "
          "order), ops/s" % (args.clients, args.pipeline, args.size, args.keyspace,
                             args.requests, args.rounds))
    print("%-5s %-8s %10s %21s %8s" % ("test", "server", "median", "min..max", "ratio"))
    for test in ("SET", "GET"):
        base = statistics.median(results["nolimit"][test])
        for name in ("nolimit", "limit8g"):
            v = results[name][test]
            med = statistics.median(v)
            print("%-5s %-8s %10.0f %10.0f..%-10.0f %8.3f" % (test, name, med, min(v), max(v),
                                                            med / base))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", default="build/mnemo")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--requests", type=int, default=300000)
    ap.add_argument("--clients", type=int, default=50)
    ap.add_argument("--pipeline", type=int, default=16)
    ap.add_argument("--size", type=int, default=100)
    ap.add_argument("--keyspace", type=int, default=100000)
    ap.add_argument("--stall-keys", type=int, default=200000)
    ap.add_argument("--dumps", type=int, default=20)
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--probe-seconds", type=float, default=5.0)
    ap.add_argument("--skip", choices=["throughput", "stall"], action="append", default=[])
    args = ap.parse_args()
    args.bin = os.path.abspath(args.bin)
    # profiling.stall reads these: the stall server runs with the far-away limit.
    args.mnemo_arg = ["--maxmemory", "8gb"]
    workdir = tempfile.mkdtemp(prefix="mnemo-bench-gov-")
    try:
        if "throughput" not in args.skip:
            throughput(args, workdir)
        if "stall" not in args.skip:
            print()
            print("Stall server: mnemo --maxmemory 8gb (governor at level normal)")
            profiling.stall(args, workdir)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
