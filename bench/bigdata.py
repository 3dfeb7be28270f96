#!/usr/bin/python3
"""A data set larger than the machine's RAM: one load, then random reads of it (issue 12).

Mnemo (--maxmemory LIMIT, default 1 GB) is loaded with GIGABYTES GiB of incompressible values of
SIZE bytes under `key:%012d`, every key written once (in random order by default), by CLIENTS
loader processes, each with its own connection and pipelines of PIPELINE SETs. Each value is its
key's number (8 bytes) and then a slice at a random offset of a 32 MiB random buffer: LZ4 finds
nothing to compress, so the data on disk and in the page cache is as large as what was sent, and
no two values are alike. (redis-benchmark cannot do this load: its values repeat one byte and
compress to nothing.) Then CLIENTS processes send pipelined GETs of random keys for GET_SECONDS,
and one client SINGLE_GETS GETs without pipelining. Every GET must return its key's value (the
length and the number at its start): a missing key or a wrong value is an error, and the script
exits 1, since an acknowledged write must not be lost.

Printed: a progress line every PROGRESS seconds (GiB loaded, SET/s over the interval, the
server's RSS and INFO used_memory, the data dir's size on disk, pending compaction); SET
throughput and latency per pipeline round trip (p50/p99/max); the longest time in which no SET
completed (a stall detector); GET throughput and latency for both readers; what the server read
from disk during the GETs (/proc/PID/io read_bytes: the reads the page cache did not answer);
the peaks of RSS and used_memory (sampled every second throughout) as a share of the limit; the
machine's RAM against the data dir's size on disk; the load average before and after; INFO
storage; and the server's exit status after SIGTERM, which must be 0.

    bench/bigdata.py --bin build/mnemo [--gigabytes 26] [--size 16384] [--clients 4]
                     [--pipeline 16] [--maxmemory 1gb] [--get-seconds 60] [--single-gets 5000]
                     [--dir DIR] [--keep] [--mnemo-arg=...]

The data dir is made under DIR (default: the checkout's build/ directory, on the checkout's disk;
not /tmp, which can be a tmpfs, i.e. RAM) and removed at the end unless --keep. The script
refuses to start with less than 1.5x the load free there (compaction holds its input and output
at once). Every process it starts dies with it (PR_SET_PDEATHSIG), even if it is killed (a
SIGKILL leaves the data dir behind).
"""
import argparse
import ctypes
import multiprocessing
import multiprocessing.connection
import os
import random
import shutil
import signal
import struct
import subprocess
import sys
import tempfile
import threading
import time

import redis

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from ltm import parse_bytes, rss_bytes  # noqa: E402
from run import start_mnemo  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
KEY = "key:%012d"
GIB = 1 << 30
MB = 1 << 20
RANDOM_BUFFER = 32 << 20
# A reply can wait for a long write stall; one longer than this is a failure in itself.
IO_TIMEOUT = 300
PR_SET_PDEATHSIG = 1


def die_with_parent():
    """Has the kernel SIGKILL this process when its parent dies, however the parent died."""
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_PDEATHSIG)")


def value_of(index, buf, rng, size):
    off = rng.randrange(len(buf) - size)
    return struct.pack(">Q", index) + buf[off:off + size - 8]


def load_worker(port, worker, clients, keys, size, pipeline, order, counts, out):
    """SETs of keys worker, worker + clients, ... (shuffled for --order random); sends on `out`
    when it began (after its preparation) and each pipeline's round trip and completion time,
    all from time.monotonic, one clock for every process."""
    die_with_parent()
    try:
        r = redis.Redis(port=port, socket_timeout=IO_TIMEOUT)
        rng = random.Random(worker)
        buf = os.urandom(RANDOM_BUFFER)
        mine = list(range(worker, keys, clients))
        if order == "random":
            rng.shuffle(mine)
        lat, done, began = [], [], time.monotonic()
        for start in range(0, len(mine), pipeline):
            batch = mine[start:start + pipeline]
            p = r.pipeline(transaction=False)
            for i in batch:
                p.set(KEY % i, value_of(i, buf, rng, size))
            t0 = time.monotonic()
            p.execute()  # raises on an error reply
            t1 = time.monotonic()
            lat.append(t1 - t0)
            done.append(t1)
            counts[worker] += len(batch)
        out.send({"began": began, "lat": lat, "done": done})
    except Exception as e:  # noqa: BLE001 - reported by the parent, which fails the run
        out.send({"error": "%s: %s" % (type(e).__name__, e)})


def get_worker(port, worker, keys, size, pipeline, seconds, limit, counts, out):
    """Pipelines of GETs of random keys for `seconds` or `limit` GETs, whichever ends first;
    checks every value against its key."""
    die_with_parent()
    try:
        r = redis.Redis(port=port, socket_timeout=IO_TIMEOUT)
        rng = random.Random(1000 + worker)
        lat, missing, wrong, examples, n = [], 0, 0, [], 0
        began = time.monotonic()
        deadline = began + seconds
        while n < limit and time.monotonic() < deadline:
            batch = [rng.randrange(keys) for _ in range(min(pipeline, limit - n))]
            p = r.pipeline(transaction=False)
            for i in batch:
                p.get(KEY % i)
            t0 = time.monotonic()
            values = p.execute()
            lat.append(time.monotonic() - t0)
            for i, v in zip(batch, values):
                if v is None:
                    missing += 1
                elif len(v) != size or v[:8] != struct.pack(">Q", i):
                    wrong += 1
                else:
                    continue
                if len(examples) < 5 and KEY % i not in examples:
                    examples.append(KEY % i)
            n += len(batch)
            counts[worker] += len(batch)
        out.send({"began": began, "ended": time.monotonic(), "lat": lat, "n": n,
                  "missing": missing, "wrong": wrong, "examples": examples})
    except Exception as e:  # noqa: BLE001
        out.send({"error": "%s: %s" % (type(e).__name__, e)})


def disk_bytes(path):
    """Bytes the files under `path` take on disk (du), skipping files compaction deletes
    meanwhile."""
    total = 0
    for dirpath, _, files in os.walk(path):
        for name in files:
            try:
                total += os.lstat(os.path.join(dirpath, name)).st_blocks * 512
            except FileNotFoundError:
                pass
    return total


def mem_total():
    with open("/proc/meminfo") as f:
        for line in f:
            if line.startswith("MemTotal:"):
                return int(line.split()[1]) * 1024
    raise RuntimeError("no MemTotal in /proc/meminfo")


def read_bytes(pid):
    """Bytes the process caused to be read from the disk (not from the page cache)."""
    with open("/proc/%d/io" % pid) as f:
        for line in f:
            if line.startswith("read_bytes:"):
                return int(line.split()[1])
    return 0


class Sampler(threading.Thread):
    """The server's RSS and INFO used_memory every second: the latest values and the peaks."""

    def __init__(self, port, pid):
        super().__init__(daemon=True)
        self.client = redis.Redis(port=port, socket_timeout=30)
        self.pid = pid
        self.rss = self.used = self.peak_rss = self.peak_used = 0
        self.done = threading.Event()

    def run(self):
        while True:
            try:
                self.rss = rss_bytes(self.pid)
                self.peak_rss = max(self.peak_rss, self.rss)
                self.used = int(self.client.info("memory")["used_memory"])
                self.peak_used = max(self.peak_used, self.used)
            except (OSError, redis.exceptions.RedisError):
                pass  # a slow reply under load or the server gone: the phase reports it
            if self.done.wait(1.0):
                return


class Server:
    """The Mnemo under test, started with start_mnemo (bench/run.py), logging to a file."""

    def __init__(self, args, workdir):
        self.workdir = workdir
        self.data = os.path.join(workdir, "mnemo-data")
        self.log = os.path.join(workdir, "mnemo.log")
        extra = ["--maxmemory", str(args.maxmemory), "--logfile", self.log] + args.mnemo_arg
        self.port, self.proc = start_mnemo(args.bin, workdir, extra, preexec_fn=die_with_parent)
        self.client = redis.Redis(port=self.port, socket_timeout=IO_TIMEOUT)
        # For progress lines: a late one should not hold up the checks on the clients.
        self.quick = redis.Redis(port=self.port, socket_timeout=10)

    def check_alive(self):
        if self.proc.poll() is not None:
            raise RuntimeError("the server exited with %s" % self.proc.returncode)

    def died_within(self, seconds):
        """Raises if the server exits within `seconds` (its sockets close before it is gone)."""
        try:
            self.proc.wait(seconds)
        except subprocess.TimeoutExpired:
            return
        self.check_alive()

    def stop(self, timeout):
        """SIGTERM, then its exit status; closing a large database flushes its memtables."""
        self.proc.send_signal(signal.SIGTERM)
        return self.proc.wait(timeout)

    def kill(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()

    def log_tail(self, lines=20):
        try:
            with open(self.log, errors="replace") as f:
                return "".join(f.readlines()[-lines:])
        except OSError:
            return ""


def run_phase(ctx, target, argv, n, server, sampler, args, what, total):
    """Runs `n` processes of `target` (their arguments: argv(worker, counts, out)) and returns
    their results, printing progress meanwhile (`total`: the SETs of a load, or 0 for GETs);
    raises if a process or the server fails. Each result comes back on the process's own pipe,
    whose EOF says the process died without one."""
    counts = ctx.RawArray("q", n)
    procs, pending = [], {}
    t0 = time.monotonic()
    for w in range(n):
        recv, send = ctx.Pipe(duplex=False)
        procs.append(ctx.Process(target=target, args=argv(w, counts, send), daemon=True))
        procs[-1].start()
        # Only the child holds `send` now (the next children are forked after this close), so
        # its exit is EOF on `recv`.
        send.close()
        pending[recv] = w
    results = {}
    try:
        last_t, last_n = t0, 0
        while pending:
            for recv in multiprocessing.connection.wait(list(pending), timeout=0.5):
                w = pending.pop(recv)
                try:
                    res = recv.recv()
                except EOFError:
                    procs[w].join()
                    raise RuntimeError("%s client %d exited with %s" %
                                       (what, w, procs[w].exitcode)) from None
                if "error" in res:
                    server.died_within(1.0)  # a client's error is most often the server's death
                    raise RuntimeError("%s client %d: %s" % (what, w, res["error"]))
                results[w] = res
            server.check_alive()
            now = time.monotonic()
            if now - last_t >= args.progress_seconds:
                done = sum(counts)
                print_progress(now - t0, done, total, (done - last_n) / (now - last_t), what,
                               args.size, server, sampler)
                last_t, last_n = now, done
    finally:
        for p in procs:
            if p.is_alive():
                p.kill()
            p.join()
    return [results[w] for w in range(n)]


def print_progress(elapsed, done, total, rate, what, size, server, sampler):
    try:
        pending = "%.2f" % (int(server.quick.info("storage")["storage_pending_compaction_bytes"])
                            / GIB)
    except (redis.exceptions.RedisError, KeyError):
        pending = "?"  # no reply in time: the next line has one
    done_text = ("%.3f of %.3f GiB" % (done * size / GIB, total * size / GIB) if total else
                 "%d GETs" % done)
    print("  %5.0f s  %s  %.0f %s/s  RSS %d MB  used_memory %d MB  disk %.2f GiB  "
          "pending compaction %s GiB" % (elapsed, done_text, rate, what, sampler.rss // MB,
                                         sampler.used // MB, disk_bytes(server.data) / GIB,
                                         pending), flush=True)


def percentiles(seconds):
    """p50 / p99 / max of a list of durations, in milliseconds."""
    s = sorted(seconds)
    if not s:
        return "n/a"
    at = lambda q: s[min(len(s) - 1, int(q * len(s)))] * 1000  # noqa: E731
    return "%.2f / %.2f / %.2f" % (at(0.50), at(0.99), s[-1] * 1000)


def longest_gap(t0, done):
    """The longest time without a completed pipeline, where it began (seconds after t0), and
    how many such gaps lasted a second or more."""
    times = [t0] + sorted(done)
    gaps = [(b - a, a - t0) for a, b in zip(times, times[1:])]
    if not gaps:
        return 0.0, 0.0, 0
    gap, at = max(gaps)
    return gap, at, sum(1 for g, _ in gaps if g >= 1.0)


def share(value, limit):
    return "%d MB = %.2f of maxmemory" % (value // MB, value / limit) if limit else \
        "%d MB (no limit)" % (value // MB)


def row(name, value):
    print("%-40s %s" % (name, value), flush=True)


def load_avg():
    return "%.2f %.2f %.2f" % os.getloadavg()


def load(args, ctx, server, sampler, keys):
    """The load phase and its figures."""
    print("load: %.3f GiB = %d values of %d B, %s order, %d clients, pipeline %d, "
          "maxmemory %d MB" % (keys * args.size / GIB, keys, args.size, args.order,
                                args.clients, args.pipeline, args.maxmemory // MB), flush=True)
    res = run_phase(ctx, load_worker, lambda w, c, q: (
        server.port, w, args.clients, keys, args.size, args.pipeline, args.order, c, q),
        args.clients, server, sampler, args, "SET", keys)
    t0 = min(r["began"] for r in res)
    done = [t for r in res for t in r["done"]]
    load_s = max(done) - t0
    row("loaded", "%.3f GiB in %.0f s" % (keys * args.size / GIB, load_s))
    row("SET ops/s", "%.0f (%.1f MB/s)" % (keys / load_s, keys * args.size / MB / load_s))
    row("SET ms per pipeline p50 / p99 / max", percentiles([x for r in res for x in r["lat"]]))
    gap, at, long_gaps = longest_gap(t0, done)
    row("longest time without a completed SET", "%.2f s (at %.0f s; %d gaps >= 1 s)" %
        (gap, at, long_gaps))
    row("data dir on disk after the load", "%.2f GiB" % (disk_bytes(server.data) / GIB))


def read_back(args, ctx, server, sampler, keys):
    """The two GET phases and their figures; returns the number of wrong or missing values."""
    reads_before = read_bytes(server.proc.pid)
    gets = []
    for label, lat_label, n, pipeline, seconds, limit in (
            ("GET ops/s, %d clients, pipeline %d" % (args.clients, args.pipeline),
             "GET ms per pipeline p50 / p99 / max", args.clients, args.pipeline,
             args.get_seconds, float("inf")),
            ("GET ops/s, 1 client, no pipeline", "GET ms p50 / p99 / max, 1 client", 1, 1,
             float("inf"), args.single_gets)):
        print("%s:" % label.replace("GET ops/s", "GETs"), flush=True)
        res = run_phase(ctx, get_worker, lambda w, c, q: (
            server.port, w, keys, args.size, pipeline, seconds, limit, c, q),
            n, server, sampler, args, "GET", 0)
        elapsed = max(r["ended"] for r in res) - min(r["began"] for r in res)
        gets += res
        row(label, "%.0f" % (sum(r["n"] for r in res) / elapsed))
        row(lat_label, percentiles([x for r in res for x in r["lat"]]))
    disk_reads = read_bytes(server.proc.pid) - reads_before
    checked = sum(r["n"] for r in gets)
    missing = sum(r["missing"] for r in gets)
    wrong = sum(r["wrong"] for r in gets)
    examples = [k for r in gets for k in r["examples"]][:5]
    row("GETs checked", "%d, %d errors (%d missing, %d wrong value)%s" %
        (checked, missing + wrong, missing, wrong, ": " + ", ".join(examples) if examples else ""))
    row("server's disk reads during the GETs", "%.2f GiB (%.0f KB per GET)" %
        (disk_reads / GIB, disk_reads / 1024 / max(checked, 1)))
    return missing + wrong


def finish(args, server, sampler, keys, ram):
    """Memory peaks, data against RAM, INFO storage, the shutdown; returns the failures."""
    stored = server.client.dbsize()
    row("keys (DBSIZE)", "%d of %d loaded%s" % (stored, keys, "" if stored == keys else
                                               ": MISMATCH"))
    row("peak RSS", share(sampler.peak_rss, args.maxmemory))
    row("peak used_memory", share(sampler.peak_used, args.maxmemory))
    on_disk = disk_bytes(server.data)
    row("RAM (MemTotal)", "%.2f GiB" % (ram / GIB))
    row("data dir on disk", "%.2f GiB = %.2fx RAM (%s)" % (
        on_disk / GIB, on_disk / ram, "larger than RAM" if on_disk > ram else
        "smaller than RAM: not the run issue 12 asks for"))
    row("load average after", load_avg())
    print("INFO storage:")
    for k, v in server.client.info("storage").items():
        print("  %s:%s" % (k, v))
    t = time.monotonic()
    status = server.stop(args.shutdown_timeout)
    row("server stopped (SIGTERM)", "exit status %d in %.1f s" % (status, time.monotonic() - t))
    return (stored != keys) + (status != 0)


def run(args, workdir, keys):
    """The whole run against one server; returns the number of failures found."""
    # fork, not spawn: spawn starts multiprocessing's resource tracker, a process that outlives
    # the script by a moment. The sampler thread's state is not used in the children.
    ctx = multiprocessing.get_context("fork")
    ram = mem_total()
    st = os.statvfs(workdir)
    row("machine", "MemTotal %.2f GiB, %d cores, %.1f GiB free for the data, load average "
        "before %s" % (ram / GIB, os.cpu_count(), st.f_bavail * st.f_frsize / GIB, load_avg()))
    server = Server(args, workdir)
    sampler = Sampler(server.port, server.proc.pid)
    sampler.start()
    try:
        row("data dir", server.data)
        load(args, ctx, server, sampler, keys)
        failures = read_back(args, ctx, server, sampler, keys)
        return failures + finish(args, server, sampler, keys, ram)
    except BaseException:
        # The data dir and its log go with the cleanup (unless --keep): what the server said
        # last is kept here.
        sys.stderr.write("the server's log ends:\n%s" % server.log_tail())
        raise
    finally:
        sampler.done.set()
        server.kill()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--bin", default="build/mnemo")
    ap.add_argument("--gigabytes", type=float, default=26, help="GiB of values to load")
    ap.add_argument("--size", type=int, default=16384, help="value size in bytes (>= 16)")
    ap.add_argument("--clients", type=int, default=4, help="loader and reader processes")
    ap.add_argument("--pipeline", type=int, default=16)
    ap.add_argument("--order", choices=("random", "sequential"), default="random",
                    help="order in which each loader writes its keys")
    ap.add_argument("--maxmemory", type=parse_bytes, default=parse_bytes("1gb"),
                    help="Mnemo's limit; 0 for none")
    ap.add_argument("--get-seconds", type=float, default=60)
    ap.add_argument("--single-gets", type=int, default=5000)
    ap.add_argument("--progress-seconds", type=float, default=30)
    ap.add_argument("--shutdown-timeout", type=float, default=600)
    ap.add_argument("--dir", default=os.path.join(ROOT, "build"),
                    help="where the data dir is made (default: the checkout's build/)")
    ap.add_argument("--keep", action="store_true", help="keep the data dir and the log")
    ap.add_argument("--mnemo-arg", action="append", default=[],
                    help="extra mnemo argument, e.g. --mnemo-arg=--workers --mnemo-arg=2")
    args = ap.parse_args()
    if args.size < 16:
        ap.error("--size must be at least 16 (each value starts with its key's number)")
    keys = int(args.gigabytes * GIB) // args.size
    if keys < args.clients:
        ap.error("--gigabytes %g of --size %d is fewer values than --clients" %
                 (args.gigabytes, args.size))
    args.bin = os.path.abspath(args.bin)

    # SIGTERM and SIGHUP (a closed terminal) end the run through the cleanup below, as Ctrl-C
    # does; whatever still runs then dies with this process (die_with_parent).
    for sig in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, lambda signum, _: sys.exit(128 + signum))
    os.makedirs(args.dir, exist_ok=True)
    st = os.statvfs(args.dir)
    free = st.f_bavail * st.f_frsize
    if free < 1.5 * args.gigabytes * GIB:
        sys.exit("%.1f GiB free under %s: a load of %.1f GiB needs 1.5x that" %
                 (free / GIB, args.dir, args.gigabytes))
    workdir = tempfile.mkdtemp(prefix="mnemo-bigdata-", dir=args.dir)
    try:
        failures = run(args, workdir, keys)
    finally:
        if args.keep:
            print("kept %s" % workdir)
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    if failures:
        print("FAILED: %d errors (see above)" % failures)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
