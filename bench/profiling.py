#!/usr/bin/python3
"""What heap profiling costs Mnemo: throughput with the profiler never armed, armed but inactive
(the default) and active, and the longest request stall while KPROFILE MEMORY DUMP runs.

Part 1, throughput. Four mnemo processes side by side in one run:
  never    MALLOC_CONF=prof:false in the environment (overrides the built-in prof:true)
  armed    default: prof:true,prof_active:false (compiled in, not sampling)
  active   default + KPROFILE MEMORY ENABLE (jemalloc's default 512 KiB sampling)
  armed2   a second `armed` server: the A/A control, showing the noise floor
Each is filled first (one untimed SET pass over the keyspace), then every round runs
redis-benchmark -t set then -t get against each of them, in an order that changes every round
(each server takes each position in turn, forwards then backwards). Reported: median ops/s over
the rounds, min..max, the ratio of the medians to `never`, the paired ratio (median over rounds of
mode/never within one round, which cancels slow drifts of the machine's load), and the server's
CPU time (user+sys from /proc/<pid>/stat) per request, less sensitive to other processes than
ops/s but not immune (fewer requests per event-loop pass under contention cost more CPU each).

Part 2, stall during dumps. One mnemo with profiling active and `--stall-keys` keys loaded (while
sampling, so the profile has content). A probe (this process, one connection, single-threaded)
sends GET <random key> in a loop and times every round trip with time.perf_counter. Phase
"no dumps": the probe alone for `--probe-seconds`. Phase "dumps": a separate process issues
KPROFILE MEMORY DUMP `--dumps` times back to back while the probe runs (a separate process, so the
probe never waits for Python's GIL); the two phases alternate `--repeats` times. Reported: p50,
p99, p99.9 and max of the probe in each kind of phase, and the dump times. Dumps run on the
server's background thread, not on the worker threads.

    bench/profiling.py --bin build/mnemo [--rounds 12] [--requests 200000] [--dumps 20]
                       [--repeats 5]
"""
import argparse
import csv
import io
import os
import random
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time

import redis

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from run import free_port, wait_ready  # noqa: E402  (shared with the core benchmark)

# (name, mode): "armed2" is a second, identical armed server: the A/A control whose ratio to
# "armed" shows how much of a difference the machine's noise alone makes.
SERVERS = (("never", "never"), ("armed", "armed"), ("active", "active"), ("armed2", "armed"))


class Mnemo:
    def __init__(self, binary, workdir, name, mode, extra):
        self.name, self.mode = name, mode
        self.port = free_port()
        data = os.path.join(workdir, name)
        env = dict(os.environ)
        env.pop("MALLOC_CONF", None)
        if mode == "never":
            env["MALLOC_CONF"] = "prof:false"
        self.proc = subprocess.Popen([binary, "--port", str(self.port), "--dir", data] + extra,
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
        try:
            wait_ready(self.port, self.proc)
            self.client = redis.Redis(port=self.port, socket_timeout=300, decode_responses=True)
            if mode == "active":
                assert self.kp("ENABLE") == "OK"
            self.check_mode()
        except BaseException:
            self.stop()  # a server that is not in its mode is not left running
            raise

    def kp(self, *args):
        return self.client.execute_command("KPROFILE", "MEMORY", *args)

    def info(self):
        flat = self.kp("INFO")
        return dict(zip(flat[0::2], flat[1::2]))

    def check_mode(self):
        if self.mode == "never":
            # A server that never armed jemalloc's profiler answers KPROFILE with an error
            # saying so; anything else means the mode is not the intended one.
            try:
                self.info()
            except redis.ResponseError as e:
                if "not armed" in str(e):
                    return {}
                raise
            raise RuntimeError("%s: KPROFILE MEMORY INFO answered: profiling is armed" % self.name)
        i = self.info()
        expect = {"armed": (1, 0), "active": (1, 1)}[self.mode]
        got = (i["armed"], i["active"])
        if got != expect:
            raise RuntimeError("%s: armed/active = %r, expected %r" % (self.name, got, expect))
        return i

    def stop(self):
        self.proc.terminate()
        try:
            self.proc.wait(60)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def redis_benchmark(port, tests, requests, clients, pipeline, size, keyspace):
    out = subprocess.run(["redis-benchmark", "-p", str(port), "-c", str(clients), "-P",
                          str(pipeline), "-d", str(size), "-n", str(requests), "-r",
                          str(keyspace), "-t", tests, "--csv"],
                         capture_output=True, text=True, check=True).stdout
    result = {}
    for row in list(csv.reader(io.StringIO(out)))[1:]:
        result[row[0].split(" ")[0]] = {"rps": float(row[1]), "p50": float(row[4]),
                                        "p99": float(row[6])}
    return result


def cpu_seconds(pid):
    """User + system CPU time of a process so far (clock ticks, /proc/<pid>/stat)."""
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def timed_benchmark(s, args):
    """redis-benchmark, one test at a time, adding the server's CPU microseconds per request."""
    res = {}
    for test in args.tests.split(","):
        cpu = cpu_seconds(s.proc.pid)
        out = redis_benchmark(s.port, test, args.requests, args.clients, args.pipeline,
                              args.size, args.keyspace)
        cpu = cpu_seconds(s.proc.pid) - cpu
        for name, v in out.items():
            v["cpu_us"] = cpu * 1e6 / args.requests
            res[name] = v
    return res


def throughput(args, workdir):
    names = [n for n, _ in SERVERS]
    # Started (and filled) in a shuffled order, so no mode always comes first.
    start = list(SERVERS)
    random.Random(args.seed).shuffle(start)
    print("start order (seed %d): %s" % (args.seed, " ".join(n for n, _ in start)),
          file=sys.stderr)
    started = {}
    try:
        for n, m in start:
            started[n] = Mnemo(args.bin, workdir, n, m, args.mnemo_arg)
            # Fill the keyspace so GETs hit (untimed).
            redis_benchmark(started[n].port, "set", args.keyspace * 2, args.clients,
                            args.pipeline, args.size, args.keyspace)
        servers = [started[n] for n in names]
        samples = {n: {} for n in names}
        paired = {n: {} for n in names}  # per round: ops/s of the mode / ops/s of never
        for rnd in range(args.rounds):
            # Every server takes every position in turn, forwards then backwards.
            k = rnd % len(servers)
            order = servers[k:] + servers[:k]
            if (rnd // len(servers)) % 2:
                order.reverse()
            print("round %d: %s" % (rnd + 1, " ".join(s.name for s in order)), file=sys.stderr)
            this_round = {}
            for s in order:
                res = timed_benchmark(s, args)
                this_round[s.name] = res
                for test, v in res.items():
                    samples[s.name].setdefault(test, []).append(v)
            for m in names:
                for test, v in this_round[m].items():
                    base = this_round["never"][test]
                    # CPU time is counted in clock ticks (10 ms): a tiny run can read 0.
                    cpu_ratio = v["cpu_us"] / base["cpu_us"] if base["cpu_us"] else float("nan")
                    paired[m].setdefault(test, []).append((v["rps"] / base["rps"], cpu_ratio))
        infos = {s.name: s.check_mode() for s in servers}  # still in the intended state
    finally:
        for s in started.values():
            s.stop()

    print()
    print("Throughput: redis-benchmark -c %d -P %d -d %d -r %d -n %d -t %s, %d rounds, "
          "median (min..max)" % (args.clients, args.pipeline, args.size, args.keyspace,
                                 args.requests, args.tests, args.rounds))
    print("ratio = median ops/s / median ops/s of never; paired = median over rounds of the ratio "
          "to never within the same round;\ncpu us = server CPU (user+sys) per request, median; "
          "cpu paired = median over rounds of cpu us / cpu us of never within the round")
    print("%-5s %-6s %9s %19s %6s %6s %7s %7s %7s %6s" % (
        "test", "mode", "ops/s", "min..max", "ratio", "paired", "p50 ms", "p99 ms", "cpu us",
        "cpu paired"))
    for test in samples["never"]:
        base = statistics.median(v["rps"] for v in samples["never"][test])
        for m in names:
            vals = samples[m][test]
            rps = [v["rps"] for v in vals]
            med = statistics.median(rps)
            print("%-5s %-6s %9.0f %9.0f..%-9.0f %6.3f %6.3f %7.3f %7.3f %7.3f %6.3f" % (
                test, m, med, min(rps), max(rps), med / base,
                statistics.median(x[0] for x in paired[m][test]),
                statistics.median(v["p50"] for v in vals),
                statistics.median(v["p99"] for v in vals),
                statistics.median(v["cpu_us"] for v in vals),
                statistics.median(x[1] for x in paired[m][test])))
    print("profiler-bytes of the active server at the end: %d" % infos["active"]["profiler-bytes"])


DUMPER = r"""
import sys, time, redis
port, n = int(sys.argv[1]), int(sys.argv[2])
c = redis.Redis(port=port, socket_timeout=300)
print("start", flush=True)
times, busy = [], 0
for _ in range(n):
    t = time.perf_counter()
    try:
        c.execute_command("KPROFILE", "MEMORY", "DUMP")
    except redis.ResponseError as e:
        if not str(e).startswith("BUSY"):
            raise
        busy += 1
    times.append(time.perf_counter() - t)
print("done", " ".join("%.6f" % x for x in times), busy, flush=True)
"""


def percentile(sorted_vals, p):
    if not sorted_vals:
        return float("nan")
    k = min(len(sorted_vals) - 1, max(0, int(round(p / 100.0 * (len(sorted_vals) - 1)))))
    return sorted_vals[k]


def probe_until(sock_file, keys, rnd, stop):
    """GET round trips until stop() is true; returns the latencies in seconds."""
    lat = []
    while not stop():
        k = keys[rnd.randrange(len(keys))]
        req = b"*2\r\n$3\r\nGET\r\n$%d\r\n%s\r\n" % (len(k), k)
        t = time.perf_counter()
        sock_file.write(req)
        sock_file.flush()
        line = sock_file.readline()
        if line.startswith(b"$") and line[1:2] != b"-":
            sock_file.readline()
        lat.append(time.perf_counter() - t)
        if not line.startswith(b"$"):
            raise RuntimeError("probe got %r" % line)
    return lat


def summarize(lat):
    s = sorted(lat)
    return {"n": len(s), "p50": percentile(s, 50) * 1e3, "p99": percentile(s, 99) * 1e3,
            "p999": percentile(s, 99.9) * 1e3, "max": s[-1] * 1e3,
            "over5": sum(x > 0.005 for x in s),
            "over20": sum(x > 0.020 for x in s)}


def stall(args, workdir):
    s = Mnemo(args.bin, workdir, "stall", "active", args.mnemo_arg)
    try:
        c = s.client
        keys = [("key:%08d" % i).encode() for i in range(args.stall_keys)]
        value = b"v" * args.size
        for i in range(0, len(keys), 10000):
            p = c.pipeline(transaction=False)
            for k in keys[i:i + 10000]:
                p.set(k, value)
            p.execute()
        # Some churn so the profile holds many stacks, as on a real server.
        redis_benchmark(s.port, "set,get,incr,mset", 100000, args.clients, args.pipeline,
                        args.size, args.stall_keys)
        s.check_mode()
        rnd = random.Random(1)
        sock = socket.create_connection(("127.0.0.1", s.port))
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        f = sock.makefile("rwb")
        probe_until(f, keys, rnd, lambda n=[0]: n.__setitem__(0, n[0] + 1) or n[0] > 2000)  # warm

        with_dumps, without, dump_times, busy, dump_phase = [], [], [], 0, 0.0
        for _ in range(args.repeats):  # alternate: a dump phase, then as long without dumps
            dumper = subprocess.Popen([sys.executable, "-c", DUMPER, str(s.port),
                                       str(args.dumps)], stdout=subprocess.PIPE, text=True)
            assert dumper.stdout.readline().strip() == "start"
            t0 = time.perf_counter()
            with_dumps += probe_until(f, keys, rnd, lambda: dumper.poll() is not None)
            phase = time.perf_counter() - t0
            dump_phase += phase
            out = dumper.stdout.read().split()
            if dumper.returncode != 0 or not out or out[0] != "done":
                raise RuntimeError("dumper failed: %r" % out)
            dump_times += [float(x) for x in out[1:-1]]
            busy += int(out[-1])
            seconds = max(args.probe_seconds / args.repeats, phase)
            t0 = time.perf_counter()
            without += probe_until(f, keys, rnd, lambda: time.perf_counter() - t0 > seconds)
        info = s.check_mode()
        dumps = [d for d in os.listdir(os.path.dirname(info["last-dump"]))
                 if d.startswith("jeprof.")]
        size = os.path.getsize(info["last-dump"])
        sock.close()
    finally:
        s.stop()

    print()
    print("Stall: %d keys of %d bytes, profiling active (512 KiB sampling), probe = 1 connection"
          " GET <random key>, round trip per request" % (args.stall_keys, args.size))
    print("%-14s %9s %8s %8s %8s %8s %7s %7s" % ("phase", "requests", "p50 ms", "p99 ms",
                                                 "p99.9 ms", "max ms", ">5ms", ">20ms"))
    for name, lat in (("no dumps", without),
                      ("%dx%d dumps" % (args.repeats, args.dumps), with_dumps)):
        v = summarize(lat)
        print("%-14s %9d %8.3f %8.3f %8.3f %8.3f %7d %7d" % (
            name, v["n"], v["p50"], v["p99"], v["p999"], v["max"], v["over5"], v["over20"]))
    print("dump: %d taken (%d BUSY), median %.1f ms, max %.1f ms each; last dump %d bytes; "
          "%d files kept; dump phases %.2f s in all" % (len(dump_times), busy,
                                               statistics.median(dump_times) * 1e3,
                                               max(dump_times) * 1e3, size, len(dumps), dump_phase))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", default="build/mnemo")
    ap.add_argument("--rounds", type=int, default=12)
    ap.add_argument("--requests", type=int, default=200000)
    ap.add_argument("--clients", type=int, default=50)
    ap.add_argument("--pipeline", type=int, default=16)
    ap.add_argument("--size", type=int, default=100)
    ap.add_argument("--keyspace", type=int, default=100000)
    ap.add_argument("--tests", default="set,get")
    ap.add_argument("--seed", type=int, default=int(time.time()),
                    help="shuffles the start order of the servers (default: the time)")
    ap.add_argument("--stall-keys", type=int, default=200000)
    ap.add_argument("--dumps", type=int, default=20)
    ap.add_argument("--repeats", type=int, default=5,
                    help="dump phases (each followed by a no-dump phase of at least its length)")
    ap.add_argument("--probe-seconds", type=float, default=5.0,
                    help="total length of the no-dump phases (at least as long as the dump ones)")
    ap.add_argument("--skip", choices=["throughput", "stall"], action="append", default=[])
    ap.add_argument("--mnemo-arg", action="append", default=[],
                    help="extra mnemo argument, e.g. --mnemo-arg=--workers --mnemo-arg=2")
    args = ap.parse_args()
    args.bin = os.path.abspath(args.bin)
    if "MALLOC_CONF" in os.environ:
        print("note: MALLOC_CONF=%s in this environment is not passed to the servers"
              % os.environ["MALLOC_CONF"], file=sys.stderr)
    workdir = tempfile.mkdtemp(prefix="mnemo-bench-prof-")
    try:
        if "throughput" not in args.skip:
            throughput(args, workdir)
        if "stall" not in args.skip:
            stall(args, workdir)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
