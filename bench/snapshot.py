#!/usr/bin/python3
"""The cost of a memory snapshot, and of INFO memory on a server under write load.

1. Runs the C++ snapshot_bench (the snapshot exactly as the server takes it, in-process, with
   data loaded), if it was built: median / p99 / max microseconds per snapshot and per view.
2. Starts mnemo, loads data with redis-benchmark, then times INFO memory, MEMORY STATS and PING
   (the round-trip floor) one call at a time over a raw socket: first on the idle server, then
   while redis-benchmark runs a SET load. Prints client-side median / p99 in microseconds, the
   server-side mean (INFO commandstats usec_per_call) and the SET throughput with and without a
   client polling INFO memory in a tight loop.

    bench/snapshot.py --bin build/mnemo [--snapshot-bench build/bench/snapshot_bench]
                      [--calls 2000] [--clients 50] [--pipeline 16] [--rounds 3]
"""
import argparse
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Resp:
    """A minimal RESP2 client: one command at a time, replies read whole, not parsed further."""

    def __init__(self, port):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=30)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buf = b""

    def call(self, *args):
        out = [b"*%d\r\n" % len(args)]
        for a in args:
            a = a.encode()
            out.append(b"$%d\r\n%s\r\n" % (len(a), a))
        self.sock.sendall(b"".join(out))
        return self._reply()

    def _line(self):
        while b"\r\n" not in self.buf:
            self._recv()
        line, self.buf = self.buf.split(b"\r\n", 1)
        return line

    def _recv(self):
        d = self.sock.recv(1 << 20)
        if not d:
            raise ConnectionError("closed")
        self.buf += d

    def _reply(self):
        line = self._line()
        kind, rest = line[:1], line[1:]
        if kind == b"$":
            n = int(rest)
            if n < 0:
                return None
            while len(self.buf) < n + 2:
                self._recv()
            data, self.buf = self.buf[:n], self.buf[n + 2:]
            return data
        if kind == b"*":
            return [self._reply() for _ in range(int(rest))]
        if kind == b"-":
            raise RuntimeError(rest.decode())
        return rest


def wait_ready(port, proc):
    deadline = time.time() + 30
    while time.time() < deadline:
        if proc.poll() is not None:
            raise RuntimeError("mnemo exited with %s" % proc.returncode)
        try:
            Resp(port).call("PING")
            return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError("mnemo did not start")


def timed(client, commands, n):
    """Times the commands interleaved (one of each per round), so they all see the same load.
    Returns {name: (median, p99)} in microseconds."""
    samples = {name: [] for name, _ in commands}
    for _ in range(n):
        for name, args in commands:
            t = time.perf_counter()
            client.call(*args)
            samples[name].append((time.perf_counter() - t) * 1e6)
    out = {}
    for name, us in samples.items():
        us.sort()
        out[name] = (us[len(us) // 2], us[len(us) * 99 // 100])
    return out


def server_usec_per_call(client, command):
    text = client.call("INFO", "commandstats").decode()
    for line in text.split("\r\n"):
        if line.startswith("cmdstat_%s:" % command):
            fields = dict(kv.split("=") for kv in line.split(":", 1)[1].split(","))
            return float(fields["usec_per_call"])
    return float("nan")


def benchmark(port, args, requests):
    cmd = ["redis-benchmark", "-p", str(port), "-t", "set", "-n", str(requests), "-c",
           str(args.clients), "-P", str(args.pipeline), "-d", "100", "-r", "100000", "--csv"]
    return subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)


def rps(proc):
    out, _ = proc.communicate()
    for line in out.splitlines()[1:]:
        return float(line.split(",")[1].strip('"'))
    return float("nan")


def measure(port, label, args):
    c = Resp(port)
    c.call("CONFIG", "RESETSTAT")
    commands = (("PING", ("PING",)), ("INFO memory", ("INFO", "memory")),
                ("MEMORY STATS", ("MEMORY", "STATS")))
    results = timed(c, commands, args.calls)
    server_info = server_usec_per_call(c, "info")
    server_memory = server_usec_per_call(c, "memory")
    print("%s:" % label)
    for name, _ in commands:
        med, p99 = results[name]
        print("  %-13s client median %7.1f us   p99 %7.1f us" % (name, med, p99))
    print("  server-side mean: INFO memory %.1f us, MEMORY STATS %.1f us (cmdstat usec_per_call)" %
          (server_info, server_memory))


def poll(port, command, stop, count):
    c = Resp(port)
    while not stop.is_set():
        c.call(*command)
        count[0] += 1


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", default="build/mnemo")
    ap.add_argument("--snapshot-bench", default=None,
                    help="path of the snapshot_bench binary (default: next to --bin)")
    ap.add_argument("--calls", type=int, default=2000)
    ap.add_argument("--clients", type=int, default=50)
    ap.add_argument("--pipeline", type=int, default=16)
    ap.add_argument("--requests", type=int, default=1000000, help="SET requests per load run")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--iterations", type=int, default=3000, help="snapshot_bench iterations")
    ap.add_argument("--preload", type=int, default=200000, help="SET requests loaded first")
    args = ap.parse_args()

    bench = args.snapshot_bench or os.path.join(os.path.dirname(os.path.abspath(args.bin)),
                                                "bench", "snapshot_bench")
    if os.path.exists(bench):
        print("== in-process snapshot cost (%s) ==" % bench)
        sys.stdout.flush()
        subprocess.run([bench, "--iterations", str(args.iterations)], check=True)
    else:
        print("(snapshot_bench not found at %s: skipping the in-process measurement)" % bench)

    workdir = tempfile.mkdtemp(prefix="mnemo-snapshot-bench-")
    port = free_port()
    proc = subprocess.Popen([os.path.abspath(args.bin), "--port", str(port), "--dir",
                             os.path.join(workdir, "data")], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    try:
        wait_ready(port, proc)
        subprocess.run(["redis-benchmark", "-p", str(port), "-t", "set", "-n", str(args.preload),
                        "-r", str(max(args.preload // 2, 1)), "-d", "100", "-c", "50", "-P", "16",
                        "-q"], check=True, capture_output=True)
        print("\n== over TCP, one call at a time (%d calls each) ==" % args.calls)
        measure(port, "idle server (%d SETs loaded)" % args.preload, args)

        load = benchmark(port, args, args.requests * 10)
        time.sleep(1.0)
        measure(port, "under SET load (redis-benchmark -c %d -P %d -d 100)" %
                (args.clients, args.pipeline), args)
        load.terminate()
        load.wait()

        # Throughput alone, with a client calling PING back to back (the cost of any polling
        # client on this machine) and with one calling INFO memory back to back. Rounds in
        # rotating order, medians reported (the machine may be shared).
        pollers = [("alone", None), ("PING poller", ("PING",)),
                   ("INFO memory poller", ("INFO", "memory"))]
        ops = {name: [] for name, _ in pollers}
        rates = {name: [] for name, _ in pollers}
        for i in range(args.rounds):
            for name, command in pollers[i % 3:] + pollers[:i % 3]:
                stop, count, poller = threading.Event(), [0], None
                if command:
                    poller = threading.Thread(target=poll, args=(port, command, stop, count))
                    poller.start()
                start = time.time()
                ops[name].append(rps(benchmark(port, args, args.requests)))
                rates[name].append(count[0] / (time.time() - start))
                stop.set()
                if poller:
                    poller.join()
        base = statistics.median(ops["alone"])
        print("\nSET throughput, median of %d rounds:" % args.rounds)
        for name, _ in pollers:
            v = statistics.median(ops[name])
            print("  %-19s %8.0f ops/s (%+5.1f%%)   poller %5.0f calls/s" %
                  (name, v, 100.0 * (v - base) / base, statistics.median(rates[name])))
    finally:
        proc.terminate()
        proc.wait()
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
