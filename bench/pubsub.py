#!/usr/bin/python3
"""Pub/sub fan-out: Mnemo against redis-server on the same machine, in one run.

For each fan-out (subscriber count), subscriber processes (one connection each, raw sockets)
subscribe to one channel; one publisher process sends --messages PUBLISHes of --size bytes in
pipelined bursts of --pipeline. The figure is the time from the first PUBLISH until every
subscriber has every message: published messages per second and delivered messages per second
(messages x subscribers), plus each server's CPU time per delivered message (user + system, all
threads, from /proc). Rounds alternate the order of the servers; medians are printed with the
ratio Mnemo/Redis.

    bench/pubsub.py --bin build/mnemo [--rounds 3] [--messages 200000] [--fanout 1,50]
"""
import argparse
import multiprocessing
import os
import shutil
import socket
import statistics
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from run import cpu_seconds, start_mnemo, start_redis  # noqa: E402

MESSAGE_HEADER = b"*3\r\n$7\r\nmessage\r\n"


def encode(*args):
    out = [b"*%d\r\n" % len(args)]
    for a in args:
        a = a if isinstance(a, bytes) else str(a).encode()
        out.append(b"$%d\r\n%s\r\n" % (len(a), a))
    return b"".join(out)


def subscriber(port, channel, expected, ready, done):
    s = socket.create_connection(("127.0.0.1", port))
    s.sendall(encode("SUBSCRIBE", channel))
    buf = b""
    while b"\r\n:1\r\n" not in buf:
        buf += s.recv(4096)
    ready.put(1)
    count, tail = 0, b""
    while count < expected:
        chunk = s.recv(1 << 20)
        if not chunk:
            break
        data = tail + chunk
        count += data.count(MESSAGE_HEADER)
        tail = data[-(len(MESSAGE_HEADER) - 1):]
    done.put((count, time.time()))
    s.close()


def publish(port, channel, messages, size, pipeline):
    s = socket.create_connection(("127.0.0.1", port))
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    burst = encode("PUBLISH", channel, b"x" * size) * pipeline
    replies = 0
    buf = b""
    for _ in range(0, messages, pipeline):
        s.sendall(burst)
        while buf.count(b"\r\n") < pipeline:
            buf += s.recv(1 << 16)
        replies += buf.count(b"\r\n")
        buf = b""
    s.close()
    return replies


def run_once(port, proc, fanout, args):
    channel = "bench-%d" % fanout
    ctx = multiprocessing.get_context("fork")
    ready, done = ctx.Queue(), ctx.Queue()
    subs = [ctx.Process(target=subscriber, args=(port, channel, args.messages, ready, done))
            for _ in range(fanout)]
    for p in subs:
        p.start()
    for _ in subs:
        ready.get(timeout=60)
    cpu_before = cpu_seconds(proc.pid)
    start = time.time()
    publish(port, channel, args.messages, args.size, args.pipeline)
    results = [done.get(timeout=600) for _ in subs]
    elapsed = max(t for _, t in results) - start
    cpu = cpu_seconds(proc.pid) - cpu_before
    for p in subs:
        p.join()
    got = sum(c for c, _ in results)
    if got != args.messages * fanout:
        raise RuntimeError("subscribers got %d of %d messages" % (got, args.messages * fanout))
    return {"pub": args.messages / elapsed, "delivered": got / elapsed,
            "cpu_us": cpu * 1e6 / got}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", default="build/mnemo")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--messages", type=int, default=200000)
    ap.add_argument("--size", type=int, default=100)
    ap.add_argument("--pipeline", type=int, default=50)
    ap.add_argument("--fanout", default="1,50")
    ap.add_argument("--mnemo-arg", action="append", default=[],
                    help="extra mnemo argument, e.g. --mnemo-arg=--workers --mnemo-arg=2")
    args = ap.parse_args()
    args.messages -= args.messages % args.pipeline

    workdir = tempfile.mkdtemp(prefix="mnemo-bench-")
    procs = []
    try:
        mport, mproc = start_mnemo(os.path.abspath(args.bin), workdir, args.mnemo_arg)
        rport, rproc = start_redis(workdir)
        procs = [mproc, rproc]
        fanouts = [int(f) for f in args.fanout.split(",")]
        samples = {(n, f): [] for n in ("mnemo", "redis") for f in fanouts}
        for i in range(args.rounds):
            order = [("mnemo", mport, mproc), ("redis", rport, rproc)]
            if i % 2:
                order.reverse()
            for name, port, proc in order:
                for f in fanouts:
                    samples[(name, f)].append(run_once(port, proc, f, args))
        print("%d PUBLISHes of %d bytes, pipeline %d, %d rounds (median)" %
              (args.messages, args.size, args.pipeline, args.rounds))
        print("%-7s %13s %13s %15s %15s %6s %11s %11s" %
              ("fanout", "mnemo pub/s", "redis pub/s", "mnemo deliv/s", "redis deliv/s", "ratio",
               "mnemo us/msg", "redis us/msg"))

        def med(name, f, key):
            return statistics.median(v[key] for v in samples[(name, f)])

        for f in fanouts:
            print("%-7d %13.0f %13.0f %15.0f %15.0f %6.2f %11.2f %11.2f" %
                  (f, med("mnemo", f, "pub"), med("redis", f, "pub"), med("mnemo", f, "delivered"),
                   med("redis", f, "delivered"),
                   med("mnemo", f, "delivered") / med("redis", f, "delivered"),
                   med("mnemo", f, "cpu_us"), med("redis", f, "cpu_us")))
    finally:
        for p in procs:
            p.terminate()
            p.wait()
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
