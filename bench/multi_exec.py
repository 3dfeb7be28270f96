#!/usr/bin/python3
"""MULTI/EXEC of 10 SETs side by side with redis-server: transactions per second and the
server's CPU time per transaction (user + system, all threads, from /proc).

redis-benchmark sends one command per request, so a transaction of 12 commands (MULTI, 10 SETs,
EXEC) is sent by this script's own clients: `--clients` processes, each with one connection,
writing `--pipeline` whole transactions at a time and reading their 22 status lines each (+OK,
10 +QUEUED, *10 and 10 +OK). Keys are drawn from `--keyspace`, values are `--size` bytes.

    bench/multi_exec.py --bin build/mnemo [--rounds 3] [--transactions 20000] [--clients 8]
"""
import argparse
import multiprocessing
import os
import random
import shutil
import socket
import statistics
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from run import cpu_seconds, start_mnemo, start_redis  # noqa: E402

SETS = 10
LINES_PER_TXN = 2 * SETS + 2  # +OK, +QUEUED x10, *10, +OK x10


def encode(*args):
    out = [b"*%d\r\n" % len(args)]
    for a in args:
        a = a if isinstance(a, bytes) else str(a).encode()
        out.append(b"$%d\r\n%s\r\n" % (len(a), a))
    return b"".join(out)


def transaction(rng, keyspace, value):
    cmds = [encode("MULTI")]
    for _ in range(SETS):
        cmds.append(encode("SET", "key:%012d" % rng.randrange(keyspace), value))
    cmds.append(encode("EXEC"))
    return b"".join(cmds)


def client(port, count, pipeline, keyspace, size, seed, out):
    rng = random.Random(seed)
    value = b"x" * size
    sock = socket.create_connection(("127.0.0.1", port))
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    sent = 0
    while sent < count:
        n = min(pipeline, count - sent)
        sock.sendall(b"".join(transaction(rng, keyspace, value) for _ in range(n)))
        want, got = n * LINES_PER_TXN, 0
        while got < want:
            d = sock.recv(1 << 20)
            if not d:
                raise RuntimeError("connection closed")
            if b"-" in d and (b"\r\n-" in d or d.startswith(b"-")):
                raise RuntimeError("error reply: %r" % d[:200])
            got += d.count(b"\r\n")
        sent += n
    sock.close()
    out.put(sent)


def run_load(port, args):
    per = args.transactions // args.clients
    q = multiprocessing.Queue()
    procs = [multiprocessing.Process(target=client, args=(port, per, args.pipeline, args.keyspace,
                                                          args.size, i, q))
             for i in range(args.clients)]
    start = time.perf_counter()
    for p in procs:
        p.start()
    done = sum(q.get() for _ in procs)
    for p in procs:
        p.join()
    return done, time.perf_counter() - start


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", default="build/mnemo")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--transactions", type=int, default=20000)
    ap.add_argument("--clients", type=int, default=8)
    ap.add_argument("--pipeline", type=int, default=4)
    ap.add_argument("--size", type=int, default=100)
    ap.add_argument("--keyspace", type=int, default=100000)
    ap.add_argument("--mnemo-arg", action="append", default=[],
                    help="extra mnemo argument, e.g. --mnemo-arg=--workers --mnemo-arg=2")
    args = ap.parse_args()
    workdir = tempfile.mkdtemp(prefix="mnemo-bench-multi-")
    procs = []
    try:
        mport, mproc = start_mnemo(os.path.abspath(args.bin), workdir, args.mnemo_arg)
        rport, rproc = start_redis(workdir)
        procs = [mproc, rproc]
        samples = {"mnemo": [], "redis": []}
        for i in range(args.rounds):
            order = [("mnemo", mport, mproc), ("redis", rport, rproc)]
            if i % 2:
                order.reverse()
            for name, port, proc in order:
                before = cpu_seconds(proc.pid)
                done, secs = run_load(port, args)
                used = cpu_seconds(proc.pid) - before
                samples[name].append((done / secs, used * 1e6 / done))
        print("MULTI + %d SET + EXEC: %d clients, %d transactions per write, -d %d, -r %d, "
              "%d transactions, %d rounds (median)" %
              (SETS, args.clients, args.pipeline, args.size, args.keyspace, args.transactions,
               args.rounds))
        print("%-10s %12s %12s %6s %11s %11s" %
              ("test", "mnemo txn/s", "redis txn/s", "ratio", "mnemo us/tx", "redis us/tx"))
        m = statistics.median(s[0] for s in samples["mnemo"])
        r = statistics.median(s[0] for s in samples["redis"])
        mc = statistics.median(s[1] for s in samples["mnemo"])
        rc = statistics.median(s[1] for s in samples["redis"])
        print("%-10s %12.0f %12.0f %6.2f %11.2f %11.2f" % ("multi_exec", m, r, m / r, mc, rc))
    finally:
        for p in procs:
            p.terminate()
            p.wait()
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
