#!/usr/bin/python3
"""TLS against plain on one Mnemo: the same redis-benchmark run on `port` and on `tls-port`.

Makes a CA, a server and a client certificate with the openssl CLI in a temporary directory,
starts one Mnemo with both ports (tls-auth-clients yes, so the client certificate is checked),
and runs redis-benchmark with the same settings against each port, alternating the order per
round. Prints the throughput and the server CPU time per request of each, and the ratios
TLS/plain (medians over rounds). The connections are opened once per run (redis-benchmark keeps
them), so the figures are of steady-state encryption, not of handshakes.

    bench/tls.py --bin build/mnemo [--rounds 3] [--requests 300000] [--tests set,get]
"""
import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile

from run import add_load_args, cpu_seconds, free_port, run_benchmark, wait_ready

EC_KEY = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]


def make_certs(d):
    def openssl(*args):
        subprocess.run(["openssl"] + list(args), cwd=d, check=True, capture_output=True)

    openssl("req", "-x509", *EC_KEY, "-keyout", "ca.key", "-out", "ca.crt", "-days", "2",
            "-subj", "/CN=Mnemo bench CA")
    with open(os.path.join(d, "server.ext"), "w") as f:
        f.write("subjectAltName=DNS:localhost,IP:127.0.0.1\n")
    for name, ext in (("server", ["-extfile", "server.ext"]), ("client", [])):
        openssl("req", "-new", *EC_KEY, "-keyout", name + ".key", "-out", name + ".csr",
                "-subj", "/CN=" + name)
        openssl("x509", "-req", "-in", name + ".csr", "-CA", "ca.crt", "-CAkey", "ca.key",
                "-CAcreateserial", "-out", name + ".crt", "-days", "2", *ext)
    return {n: os.path.join(d, n) for n in ("ca.crt", "server.crt", "server.key", "client.crt",
                                            "client.key")}


def main():
    ap = argparse.ArgumentParser()
    add_load_args(ap, "set,get")
    args = ap.parse_args()

    workdir = tempfile.mkdtemp(prefix="mnemo-bench-tls-")
    proc = None
    try:
        c = make_certs(workdir)
        port, tls_port = free_port(), free_port()
        proc = subprocess.Popen(
            [os.path.abspath(args.bin), "--port", str(port), "--dir",
             os.path.join(workdir, "data"), "--tls-port", str(tls_port), "--tls-cert-file",
             c["server.crt"], "--tls-key-file", c["server.key"], "--tls-ca-cert-file",
             c["ca.crt"]] + args.mnemo_arg, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_ready(port, proc)
        tls_flags = ["--tls", "--cacert", c["ca.crt"], "--cert", c["client.crt"], "--key",
                     c["client.key"]]
        samples = {"plain": {}, "tls": {}}
        for i in range(args.rounds):
            order = [("plain", port, []), ("tls", tls_port, tls_flags)]
            if i % 2:
                order.reverse()
            for name, p, extra in order:
                for t in args.tests.split(","):
                    before = cpu_seconds(proc.pid)
                    res = run_benchmark(p, t, args.requests, args.clients, args.pipeline,
                                        args.size, args.keyspace, extra)
                    used = cpu_seconds(proc.pid) - before
                    for test, v in res.items():
                        v["cpu_us"] = used * 1e6 / args.requests
                        samples[name].setdefault(test, []).append(v)
        print("redis-benchmark -c %d -P %d -d %d -r %d -n %d, %d rounds (median), one server" %
              (args.clients, args.pipeline, args.size, args.keyspace, args.requests, args.rounds))
        print("%-6s %12s %12s %6s %11s %11s %6s %11s %11s" %
              ("test", "plain ops/s", "tls ops/s", "ratio", "plain us/op", "tls us/op", "ratio",
               "plain p99ms", "tls p99ms"))

        def ratio(a, b):  # a run too short for the CPU clock's 10 ms ticks measures 0
            return a / b if b else float("nan")

        def med(name, test, key):
            return statistics.median(v[key] for v in samples[name][test])

        for test in samples["plain"]:
            p, t = med("plain", test, "rps"), med("tls", test, "rps")
            pc, tc = med("plain", test, "cpu_us"), med("tls", test, "cpu_us")
            print("%-6s %12.0f %12.0f %6.2f %11.2f %11.2f %6.2f %11.2f %11.2f" %
                  (test, p, t, ratio(t, p), pc, tc, ratio(tc, pc), med("plain", test, "p99"),
                   med("tls", test, "p99")))
    finally:
        if proc is not None:
            proc.terminate()
            proc.wait()
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
