#!/usr/bin/python3
"""How much of used memory no component names: mem_unaccounted against used_memory, sampled.

Three loads, each on a fresh server, while a sampler reads INFO memory every --interval seconds:
  a  four clients pipelining 100-byte SETs (redis-benchmark -c 4 -P 16 -d 100), no maxmemory
  b  2 KB SETs (redis-benchmark -c 4 -P 16 -d 2048) under maxmemory 128mb
  c  four clients each MGETting 2 000 values of 16 KB (preloaded) under maxmemory 256mb
For each load it prints the worst sample taken while used_memory was above --floor (32 MB, the
target's condition: mem_unaccounted <= 5 % of used memory at every such sample), with the
components that were largest at that sample, and how many samples qualified.

    bench/unaccounted.py --bin build/mnemo [--loads a,b,c] [--seconds 20] [--floor 32mb]
                         [--trace FILE]   (every sample and its components, to FILE.<load>)

A build without jemalloc (MNEMO_SANITIZED) reports used_memory 0: no sample qualifies, and the
script says so instead of printing a ratio.
"""
import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time

import redis

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import profiling  # noqa: E402  (reused: free_port, wait_ready)

MB = 1 << 20
# The components INFO memory names (docs/memory.md): printed beside the worst sample.
COMPONENTS = ("mem_block_cache", "mem_memtables", "mem_table_readers", "mem_storage_jobs",
              "mem_key_cache",
              "mem_clients_normal", "mem_client_running_commands", "mem_profiler", "mem_history",
              "mem_lua", "mem_allocator_tcache", "mem_startup_other")


def parse_bytes(text):
    units = {"kb": 1 << 10, "mb": 1 << 20, "gb": 1 << 30}
    t = text.lower()
    for u, m in units.items():
        if t.endswith(u):
            return int(float(t[:-2]) * m)
    return int(t)


class Server:
    def __init__(self, binary, workdir, extra):
        self.port = profiling.free_port()
        self.dir = tempfile.mkdtemp(dir=workdir)
        self.proc = subprocess.Popen([binary, "--port", str(self.port), "--dir", self.dir] + extra,
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        profiling.wait_ready(self.port, self.proc)

    def client(self):
        return redis.Redis(port=self.port, socket_timeout=300)

    def stop(self):
        self.proc.terminate()
        try:
            self.proc.wait(60)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        shutil.rmtree(self.dir, ignore_errors=True)


class Sampler(threading.Thread):
    """INFO memory every `interval` s until stopped; keeps the worst qualifying sample."""

    def __init__(self, server, interval, floor, trace=None):
        super().__init__(daemon=True)
        self.trace = trace  # a file: one line per sample, for the timeline around the worst
        self.t0 = time.time()
        self.c = server.client()
        self.interval, self.floor = interval, floor
        self.stop_event = threading.Event()
        self.samples = self.qualifying = 0
        self.worst = None  # (share, info)
        self.max_used = 0

    def run(self):
        while not self.stop_event.is_set():
            info = self.c.info("memory")
            self.samples += 1
            used = int(info["used_memory"])
            self.max_used = max(self.max_used, used)
            if self.trace is not None:
                self.trace.write("%.2f used %.1f unacc %.1f %s\n" % (
                    time.time() - self.t0, used / MB, int(info["mem_unaccounted"]) / MB,
                    " ".join("%s=%.1f" % (k[4:], int(info.get(k, 0)) / MB) for k in COMPONENTS
                             if int(info.get(k, 0)) >= MB // 10)))
            if used > self.floor:
                self.qualifying += 1
                share = int(info["mem_unaccounted"]) / used
                if self.worst is None or share > self.worst[0]:
                    self.worst = (share, info)
            self.stop_event.wait(self.interval)

    def finish(self):
        self.stop_event.set()
        self.join()


def benchmark(port, size, seconds, keyspace):
    """redis-benchmark SETs for about `seconds` (killed then; -l loops)."""
    p = subprocess.Popen(["redis-benchmark", "-p", str(port), "-c", "4", "-P", "16", "-d",
                          str(size), "-r", str(keyspace), "-t", "set", "-l", "-q"],
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(seconds)
    p.terminate()
    p.wait()


def mget_load(server, seconds, keys, size):
    c = server.client()
    value = b"v" * size
    for start in range(0, keys, 100):
        c.mset({"k:%d" % i: value for i in range(start, min(keys, start + 100))})
    names = ["k:%d" % i for i in range(keys)]
    deadline = time.time() + seconds
    errors = []

    def one():
        cc = server.client()
        try:
            while time.time() < deadline:
                got = cc.mget(names)
                assert len(got) == keys
        except redis.exceptions.ResponseError as e:  # the reply gate under the limit
            errors.append(str(e))

    threads = [threading.Thread(target=one) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return errors


def run_load(args, workdir, name):
    extra = {"a": [], "b": ["--maxmemory", "128mb"], "c": ["--maxmemory", "256mb"]}[name]
    s = Server(args.bin, workdir, extra)
    trace = open("%s.%s" % (args.trace, name), "w") if args.trace else None
    sampler = Sampler(s, args.interval, args.floor, trace)
    try:
        sampler.start()
        note = ""
        if name == "a":
            benchmark(s.port, 100, args.seconds, args.keyspace)
        elif name == "b":
            benchmark(s.port, 2048, args.seconds, args.keyspace)
        else:
            errors = mget_load(s, args.seconds, args.mget_keys, args.mget_size)
            if errors:
                note = " (%d MGETs refused: %s)" % (len(errors), errors[0][:60])
    finally:
        sampler.finish()
        s.stop()
        if trace is not None:
            trace.close()
    if sampler.worst is None:
        print("%s  no sample above %d MB (%d samples, used_memory at most %.1f MB)%s"
              % (name, args.floor // MB, sampler.samples, sampler.max_used / MB, note))
        return
    share, info = sampler.worst
    used = int(info["used_memory"])
    top = sorted(COMPONENTS, key=lambda k: -int(info.get(k, 0)))[:args.show]
    print("%s  worst %.1f%%  unaccounted %.1f MB of used %.1f MB  (%d of %d samples above %d MB)"
          "  largest: %s%s" % (name, 100 * share, int(info["mem_unaccounted"]) / MB, used / MB,
                               sampler.qualifying, sampler.samples, args.floor // MB,
                               ", ".join("%s %.1f MB" % (k, int(info.get(k, 0)) / MB)
                                         for k in top), note))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--bin", default="build/mnemo")
    ap.add_argument("--loads", default="a,b,c")
    ap.add_argument("--seconds", type=float, default=20, help="length of each load")
    ap.add_argument("--interval", type=float, default=0.1, help="seconds between samples")
    ap.add_argument("--floor", type=parse_bytes, default=32 * MB,
                    help="samples count while used_memory is above this")
    ap.add_argument("--keyspace", type=int, default=2000000, help="keys of loads a and b")
    ap.add_argument("--mget-keys", type=int, default=2000)
    ap.add_argument("--mget-size", type=int, default=16384)
    ap.add_argument("--trace", help="write every sample to TRACE.<load>")
    ap.add_argument("--show", type=int, default=4, help="components printed beside the worst")
    args = ap.parse_args()
    try:
        load = open("/proc/loadavg").read().split()[:3]
    except OSError:
        load = ["?"]
    print("load average %s" % " ".join(load))
    workdir = tempfile.mkdtemp(prefix="mnemo-unaccounted-")
    try:
        for name in args.loads.split(","):
            run_load(args, workdir, name)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
