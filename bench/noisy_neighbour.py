#!/usr/bin/python3
"""Noisy neighbour: a steady tenant's throughput and p99 latency, alone and beside a tenant that
writes large values as fast as it can until its data quota refuses it.

One server with requirepass and two namespaces (docs/namespaces.md): `steady` and `noisy`, the
latter with a data quota (--quota). Each round measures the steady tenant twice, alternating the
order: alone, and while --writers connections of the noisy tenant pipeline SETs of --value-size
bytes to fresh keys until their first -OOM refusal (with --keep-writing they go on sending
refused writes for as long as the steady load runs: the worst neighbour). The steady
load is redis-benchmark -t set,get (AUTH with the steady tenant's token), --clients connections,
--size-byte values. The noisy tenant's keys are deleted (FLUSHDB inside it) between rounds, so
each noisy run fills its quota again. Reported: median ops/s and p99 of each test alone and with
the neighbour, their ratios (targets: throughput within 20 %, p99 at most 2x), and what the noisy
tenant got written and refused. Note the load average it prints: the machine is shared.

    bench/noisy_neighbour.py --bin build/mnemo [--rounds 3] [--requests 200000] [--quota 64mb]
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
import threading
import time

import redis

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import profiling  # noqa: E402  (reused: free_port, wait_ready)

ADMIN, STEADY, NOISY = "root-secret", "steady-token", "noisy-token"


def parse_bytes(text):
    units = {"kb": 1 << 10, "mb": 1 << 20, "gb": 1 << 30}
    t = text.lower()
    for u, m in units.items():
        if t.endswith(u):
            return int(float(t[:-2]) * m)
    return int(t)


def steady_load(port, args):
    """redis-benchmark as the steady tenant: {test: (ops/s, p99 ms)}."""
    out = subprocess.run(["redis-benchmark", "-p", str(port), "-a", STEADY, "-c",
                          str(args.clients), "-P", "1", "-d", str(args.size), "-n",
                          str(args.requests), "-r", str(args.keyspace), "-t", "set,get", "--csv"],
                         capture_output=True, text=True, check=True).stdout
    res = {}
    for row in list(csv.reader(io.StringIO(out)))[1:]:
        res[row[0].split(" ")[0].lower()] = (float(row[1]), float(row[6]))
    return res


class Noisy:
    """--writers threads pipelining large SETs as the noisy tenant until stopped."""

    def __init__(self, port, args):
        self.port, self.args = port, args
        self.stop_event = threading.Event()
        self.accepted = self.refused = 0
        self.first_refusal = None
        self.lock = threading.Lock()
        self.threads = [threading.Thread(target=self.write, args=(i,), daemon=True)
                        for i in range(args.writers)]

    def write(self, index):
        c = redis.Redis(port=self.port, password=NOISY, socket_timeout=300)
        value = b"n" * self.args.value_size
        n = 0
        while not self.stop_event.is_set():
            p = c.pipeline(transaction=False)
            for _ in range(self.args.pipeline):
                p.set("big:%d:%d" % (index, n), value)
                n += 1
            results = p.execute(raise_on_error=False)
            ok = sum(1 for r in results if r is True)
            with self.lock:
                self.accepted += ok
                self.refused += len(results) - ok
                if ok < len(results) and self.first_refusal is None:
                    self.first_refusal = time.time() - self.started
            if ok < len(results) and not self.args.keep_writing:
                return  # refused: this writer is done

    def __enter__(self):
        self.started = time.time()
        for t in self.threads:
            t.start()
        return self

    def __exit__(self, *exc):
        # Without --keep-writing every writer ends at its first refusal (the quota is finite),
        # so each run reaches the quota whatever the machine's speed.
        if self.args.keep_writing or exc[0] is not None:
            self.stop_event.set()
        for t in self.threads:
            t.join()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--bin", default="build/mnemo")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--requests", type=int, default=200000, help="steady requests per test")
    ap.add_argument("--clients", type=int, default=8, help="steady connections")
    ap.add_argument("--size", type=int, default=64, help="steady value size")
    ap.add_argument("--keyspace", type=int, default=10000, help="steady keys")
    ap.add_argument("--quota", type=parse_bytes, default=parse_bytes("64mb"),
                    help="the noisy tenant's data quota")
    ap.add_argument("--writers", type=int, default=2, help="noisy connections")
    ap.add_argument("--value-size", type=parse_bytes, default=parse_bytes("256kb"))
    ap.add_argument("--pipeline", type=int, default=8, help="noisy SETs per round trip")
    ap.add_argument("--keep-writing", action="store_true",
                    help="noisy writers go on sending after their first refusal")
    args = ap.parse_args()

    print("load average %s" % " ".join(open("/proc/loadavg").read().split()[:3]))
    workdir = tempfile.mkdtemp(prefix="mnemo-noisy-")
    port = profiling.free_port()
    proc = subprocess.Popen([args.bin, "--port", str(port), "--dir", workdir, "--requirepass",
                             ADMIN], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.time() + 30
        while True:
            try:
                admin = redis.Redis(port=port, password=ADMIN, socket_timeout=300)
                admin.ping()
                break
            except redis.exceptions.ConnectionError:
                if time.time() > deadline or proc.poll() is not None:
                    raise
                time.sleep(0.05)
        admin.execute_command("NAMESPACE", "ADD", "steady", STEADY)
        admin.execute_command("NAMESPACE", "ADD", "noisy", NOISY)
        admin.execute_command("NAMESPACE", "QUOTA", "noisy", "DATA", str(args.quota))
        noisy_admin = redis.Redis(port=port, password=NOISY, socket_timeout=300)
        steady_load(port, args)  # fills the steady keyspace (untimed)
        solo = {"set": [], "get": []}
        beside = {"set": [], "get": []}
        fills, refused = [], []
        for rnd in range(args.rounds):
            for alone in ((True, False) if rnd % 2 == 0 else (False, True)):
                if alone:
                    for k, v in steady_load(port, args).items():
                        solo[k].append(v)
                    continue
                noisy_admin.flushdb()
                with Noisy(port, args) as n:
                    got = steady_load(port, args)
                for k, v in got.items():
                    beside[k].append(v)
                fills.append((n.accepted, n.first_refusal))
                refused.append(n.refused)
                usage = admin.execute_command("NAMESPACE", "USAGE", "noisy")
                usage = dict(zip(usage[::2], usage[1::2])) if isinstance(usage, list) else usage
                data = int(usage.get(b"data_bytes", usage.get("data_bytes", 0)))
                print("round %d: noisy wrote %d values (%.1f MB held, quota %.1f MB), refused %d"
                      % (rnd + 1, n.accepted, data / 2**20, args.quota / 2**20, n.refused))
        print("%-5s %12s %12s %7s %12s %12s %7s" % ("test", "solo ops/s", "noisy ops/s", "ratio",
                                                   "solo p99 ms", "noisy p99 ms", "p99 x"))
        for test in ("set", "get"):
            s_ops = statistics.median(v[0] for v in solo[test])
            n_ops = statistics.median(v[0] for v in beside[test])
            s_p99 = statistics.median(v[1] for v in solo[test])
            n_p99 = statistics.median(v[1] for v in beside[test])
            print("%-5s %12.0f %12.0f %7.2f %12.3f %12.3f %7.2f" % (
                test, s_ops, n_ops, n_ops / s_ops if s_ops else 0, s_p99, n_p99,
                n_p99 / s_p99 if s_p99 else 0))
        reached = [f for _, f in fills if f is not None]
        print("noisy tenant: quota reached in %d of %d runs%s; %d writes refused in all"
              % (len(reached), len(fills),
                 " (after %.2f s median)" % statistics.median(reached) if reached else "",
                 sum(refused)))
    finally:
        proc.terminate()
        try:
            proc.wait(60)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
