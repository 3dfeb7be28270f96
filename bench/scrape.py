#!/usr/bin/python3
"""What monitoring costs the workers, in one run (docs/benchmarks.md, "Scrapes, history and
policies").

1. Scrapes: one Mnemo with the HTTP endpoint; each round runs the same redis-benchmark load
   (SET, then GET) twice, once with a scraper fetching /metrics every --interval seconds over
   one keep-alive connection and once without, the order alternating per round. Printed: the
   throughput of each, the ratio scraped/quiet, the worker threads' CPU time per request (user
   + system of the mnemo-worker-* threads, from /proc: steadier than throughput on a shared
   machine), the scrape's latency under load, and the server's CPU time per scrape (all its
   threads) over --idle-scrapes back-to-back scrapes once the load is over.
2. History and policies: two Mnemos side by side, one with no memory policy and one with 64
   (the most MEMORY POLICY ADD allows; rules that are evaluated every second and hold, with a
   long cooldown so one firing is logged and no action runs). The same load on each, the order
   alternating; then each server idle for --idle seconds, to show what the once-a-second
   history sample and policy evaluation cost the main thread (the workers do none of it).
   The history itself is always on: there is no server without it to compare with, so its
   cost shows as that idle main-thread figure and as workers' CPU per request equal in both.

    bench/scrape.py --bin build/mnemo [--rounds 3] [--requests 300000] [--interval 0.1]

Note `uptime`'s load next to the figures: on a shared machine compare the ratios, not the
throughputs of different runs.
"""
import argparse
import http.client
import math
import os
import shutil
import statistics
import sys
import tempfile
import threading
import time

import redis

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from run import (CLOCK_TICKS, add_load_args, cpu_seconds, free_port, run_benchmark,  # noqa: E402
                 start_mnemo)

POLICIES = 64


def thread_cpu(pid, prefix):
    """User + system CPU seconds of the process's threads whose name starts with `prefix`."""
    total = 0
    for tid in os.listdir("/proc/%d/task" % pid):
        try:
            with open("/proc/%d/task/%s/comm" % (pid, tid)) as f:
                if not f.read().startswith(prefix):
                    continue
            with open("/proc/%d/task/%s/stat" % (pid, tid)) as f:
                fields = f.read().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])
        except OSError:  # the thread ended meanwhile
            pass
    return total / CLOCK_TICKS


def main_thread_cpu(pid):
    with open("/proc/%d/task/%d/stat" % (pid, pid)) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


class Scraper(threading.Thread):
    """GET /metrics every `interval` seconds until stopped; keeps each scrape's latency."""

    def __init__(self, port, interval):
        super().__init__(daemon=True)
        self.port, self.interval = port, interval
        self.latencies, self.stop = [], threading.Event()

    def run(self):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        while True:  # at least one scrape, however short the load
            start = time.perf_counter()
            conn.request("GET", "/metrics")
            resp = conn.getresponse()
            body = resp.read()
            assert resp.status == 200 and b"mnemo_commands_processed_total" in body
            elapsed = time.perf_counter() - start
            self.latencies.append(elapsed)
            if self.stop.wait(max(0.0, self.interval - elapsed)):
                break
        conn.close()


def measure(args, port, pid, test):
    """One redis-benchmark run of `test`: ops/s and worker CPU microseconds per request."""
    before = thread_cpu(pid, "mnemo-worker-")
    res = run_benchmark(port, test, args.requests, args.clients, args.pipeline, args.size,
                        args.keyspace)
    worker = thread_cpu(pid, "mnemo-worker-") - before
    (row,) = res.values()
    return {"rps": row["rps"], "worker_us": worker * 1e6 / args.requests}


def med(samples, key):
    return statistics.median(s[key] for s in samples)


def print_pair(title, names, samples, tests):
    print(title)
    print("%-5s %-11s %12s %14s   %-11s %12s %14s   %6s %9s" %
          ("test", "", "ops/s", "worker us/op", "", "ops/s", "worker us/op", "ratio",
           "cpu ratio"))

    def ratio(x, y):  # CPU time is counted in clock ticks: a tiny run may show none
        return "%.3f" % (x / y) if y > 0 else "n/a"

    for t in tests:
        a, b = samples[names[0]][t], samples[names[1]][t]
        print("%-5s %-11s %12.0f %14.2f   %-11s %12.0f %14.2f   %6s %9s" %
              (t.upper(), names[0], med(a, "rps"), med(a, "worker_us"), names[1], med(b, "rps"),
               med(b, "worker_us"), ratio(med(b, "rps"), med(a, "rps")),
               ratio(med(b, "worker_us"), med(a, "worker_us"))))


def scrape_cost(args, workdir, tests):
    http_port = free_port()
    port, proc = start_mnemo(args.bin, os.path.join(workdir, "scrape"),
                             ["--http-port", str(http_port)] + args.mnemo_arg)
    try:
        samples = {"quiet": {}, "scraped": {}}
        latencies = []
        for i in range(args.rounds):
            for mode in (("quiet", "scraped") if i % 2 == 0 else ("scraped", "quiet")):
                for t in tests:
                    scraper = Scraper(http_port, args.interval) if mode == "scraped" else None
                    if scraper:
                        scraper.start()
                    samples[mode].setdefault(t, []).append(measure(args, port, proc.pid, t))
                    if scraper:
                        scraper.stop.set()
                        scraper.join()
                        latencies += scraper.latencies
        print_pair("/metrics every %g s under load (scraped/quiet)" % args.interval,
                   ["quiet", "scraped"], samples, tests)
        # What one scrape costs the server (HTTP threads and all), on an otherwise idle server.
        scraper = Scraper(http_port, 0)
        before = cpu_seconds(proc.pid)
        scraper.start()
        while len(scraper.latencies) < args.idle_scrapes:
            time.sleep(0.01)
        scraper.stop.set()
        scraper.join()
        per_scrape = (cpu_seconds(proc.pid) - before) * 1e3 / len(scraper.latencies)
        print("idle server, %d scrapes back to back: %.2f ms server CPU per scrape" %
              (len(scraper.latencies), per_scrape))
        ms = sorted(x * 1000 for x in latencies)
        print("scrape latency: %d scrapes, median %.2f ms, p99 %.2f ms, max %.2f ms" %
              (len(ms), statistics.median(ms), ms[max(0, math.ceil(0.99 * len(ms)) - 1)], ms[-1]))
    finally:
        proc.terminate()
        proc.wait()


def add_policies(port):
    r = redis.Redis(port=port)
    # Fields every build has (a build without jemalloc has no fragmentation figure, so a rule on
    # it would never hold there).
    fields = ["used", "rss", "unaccounted", "block_cache", "memtables", "clients", "key_cache"]
    for i in range(POLICIES):
        # Holds on every evaluation (each field is >= 0); fires once, then its cooldown.
        r.execute_command("MEMORY", "POLICY", "ADD", "p%d" % i,
                          "%s >= 0 -> log cooldown 1d" % fields[i % len(fields)])
    assert len(r.execute_command("MEMORY", "POLICY", "LIST")) == POLICIES


def policy_cost(args, workdir, tests):
    servers = {}
    try:
        for name in ("none", "policies64"):
            servers[name] = start_mnemo(args.bin, os.path.join(workdir, name), args.mnemo_arg)
        add_policies(servers["policies64"][0])
        samples = {"none": {}, "policies64": {}}
        for i in range(args.rounds):
            order = ["none", "policies64"] if i % 2 == 0 else ["policies64", "none"]
            for name in order:
                port, proc = servers[name]
                for t in tests:
                    samples[name].setdefault(t, []).append(measure(args, port, proc.pid, t))
        print_pair("memory history and %d policies (policies64/none)" % POLICIES,
                   ["none", "policies64"], samples, tests)
        idle = {name: main_thread_cpu(proc.pid) for name, (_, proc) in servers.items()}
        time.sleep(args.idle)  # the figure is CPU per second of an idle server: this is the second
        for name, (_, proc) in servers.items():
            used = main_thread_cpu(proc.pid) - idle[name]
            print("idle main thread (history sample, policies, cron) %-10s %.3f ms CPU/s" %
                  (name, used * 1000 / args.idle))
        # Every rule holds, so each fires at the first evaluation after ADD (then its cooldown
        # holds it): all 64 firing shows the evaluation ran meanwhile.
        r = redis.Redis(port=servers["policies64"][0])
        deadline = time.time() + 60
        while r.info("everything")["memory_policy_firings"] < POLICIES and time.time() < deadline:
            time.sleep(0.1)
        fired = r.info("everything")["memory_policy_firings"]
        print("policies64: %d rules fired %d times in all (cooldown 1d)" % (POLICIES, fired))
    finally:
        for _, proc in servers.values():
            proc.terminate()
            proc.wait()


def main():
    ap = argparse.ArgumentParser()
    add_load_args(ap, "set,get")
    ap.add_argument("--interval", type=float, default=0.1, help="seconds between scrapes")
    ap.add_argument("--idle", type=float, default=10, help="seconds of the idle measurement")
    ap.add_argument("--idle-scrapes", type=int, default=200,
                    help="back-to-back scrapes of the idle server")
    ap.add_argument("--skip", default="", help="scrape or policies")
    args = ap.parse_args()
    args.bin = os.path.abspath(args.bin)
    tests = args.tests.split(",")
    with open("/proc/loadavg") as f:
        print("load average at start: %s" % " ".join(f.read().split()[:3]))
    print("redis-benchmark -c %d -P %d -d %d -r %d -n %d, %d rounds (median)" %
          (args.clients, args.pipeline, args.size, args.keyspace, args.requests, args.rounds))
    workdir = tempfile.mkdtemp(prefix="mnemo-bench-scrape-")
    try:
        for d in ("scrape", "none", "policies64"):
            os.makedirs(os.path.join(workdir, d))
        if "scrape" not in args.skip:
            scrape_cost(args, workdir, tests)
        if "policies" not in args.skip:
            policy_cost(args, workdir, tests)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    with open("/proc/loadavg") as f:
        print("load average at end: %s" % " ".join(f.read().split()[:3]))


if __name__ == "__main__":
    sys.exit(main())
