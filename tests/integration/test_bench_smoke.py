"""Every script in bench/ runs with tiny sizes: it starts its servers, measures and prints its
figures. This is no measurement (the sizes are far too small for that); it only keeps a
benchmark from breaking unseen. The sanitizer build runs them too, with smaller sizes (its server
is several times slower), except what needs jemalloc's heap profiler, which that build does not
have: bench/profiling.py as a whole, and the stall part of bench/governor.py (KPROFILE MEMORY
DUMP); those tests say so, and check instead that the build refuses profiling as documented.
"""
import os
import re
import signal
import subprocess
import sys

import pytest

from conftest import MNEMO_BIN, ROOT, SANITIZED

BENCH = os.path.join(ROOT, "bench")
TINY = ["--rounds", "1", "--requests", "500" if SANITIZED else "2000", "--clients", "4",
        "--keyspace", "200"]
STALL_TINY = ["--stall-keys", "2000", "--dumps", "2", "--repeats", "1", "--probe-seconds", "0.2"]
# KPROFILE's answer in a build without jemalloc (src/memory; test_kprofile.py checks every form).
NO_PROFILER = "memory profiling is not available: this build uses the sanitizer allocator"
NUMBER = r"\d+(\.\d+)?"


def run_bench(script, *args, ok=True):
    # The script and every server it starts share a new process group, which is killed once the
    # script has ended (or timed out): a server a failing script left behind is counted and
    # fails the test, and none outlives it.
    proc = subprocess.Popen([sys.executable, os.path.join(BENCH, script), "--bin", MNEMO_BIN,
                             *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True)
    try:
        stdout, stderr = proc.communicate(timeout=600)
    finally:
        left = leftover_processes(proc.pid)
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        proc.wait()
    assert (proc.returncode == 0) == ok, "%s exited %d:\n%s\n%s" % (
        script, proc.returncode, stdout[-3000:], stderr[-3000:])
    assert not left, "%s left processes running: %s" % (script, left)
    return stdout if ok else stderr


def leftover_processes(pgid):
    """Command lines of the live processes in process group `pgid` (zombies excluded)."""
    found = []
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % pid) as f:
                fields = f.read().rsplit(")", 1)[1].split()
            with open("/proc/%s/cmdline" % pid, "rb") as f:
                cmd = f.read().replace(b"\0", b" ").decode(errors="replace").strip()
        except OSError:
            continue
        if int(fields[2]) == pgid and fields[0] != "Z":
            found.append(cmd)
    return found


def test_run_py_measures_mnemo_and_redis():
    out = run_bench("run.py", *TINY, "--tests", "set,get")
    for test in ("SET", "GET"):
        assert re.search(r"(?im)^%s\b.*%s" % (test, NUMBER), out), out


def test_profiling_py_measures_every_mode_and_the_stall():
    if SANITIZED:
        # Every mode of bench/profiling.py but "never" is jemalloc's profiler armed or active,
        # and its stall part runs KPROFILE MEMORY DUMP: a build without jemalloc has nothing to
        # measure. What holds there: the script stops at its first server with the build's
        # refusal, not with a wrong figure.
        err = run_bench("profiling.py", *TINY, *STALL_TINY, ok=False)
        assert NO_PROFILER in err, err[-3000:]
        return
    out = run_bench("profiling.py", *TINY, *STALL_TINY)
    for mode in ("never", "armed", "active", "armed2"):
        assert re.search(r"(?im)^set\s+%s\s+%s" % (mode, NUMBER), out), out
        assert re.search(r"(?im)^get\s+%s\s+%s" % (mode, NUMBER), out), out
    assert re.search(r"(?m)^no dumps\s+\d+\s+%s" % NUMBER, out), out
    assert re.search(r"(?m)^dump: 2 taken", out), out


def test_governor_py_measures_both_servers_and_the_stall():
    # The stall part measures GETs during KPROFILE MEMORY DUMP, which needs jemalloc's profiler:
    # the sanitizer build runs the throughput part only (test_profiling_py_... covers the rest).
    out = run_bench("governor.py", *TINY, *(["--skip", "stall"] if SANITIZED else STALL_TINY))
    for name in ("nolimit", "limit8g"):
        assert re.search(r"(?im)^set\s+%s\s+%s" % (name, NUMBER), out), out
        assert re.search(r"(?im)^get\s+%s\s+%s" % (name, NUMBER), out), out
    assert bool(re.search(r"(?m)^dump: 2 taken", out)) != SANITIZED, out


def test_snapshot_py_measures_snapshot_info_and_throughput():
    out = run_bench("snapshot.py", "--calls", "50", "--requests", "2000", "--rounds", "1",
                    "--iterations", "20", "--preload", "2000", "--clients", "4")
    assert "in-process snapshot cost" in out, out
    assert re.search(r"INFO memory\s+client median\s+%s us" % NUMBER, out), out
    assert re.search(r"alone\s+%s ops/s" % NUMBER, out), out


def test_tls_py_measures_plain_and_tls_side_by_side():
    out = run_bench("tls.py", *TINY, "--tests", "set,get")
    for test in ("SET", "GET"):
        # test, plain ops/s, tls ops/s, ratio, ...: both ports measured
        assert re.search(r"(?im)^%s\s+%s\s+%s\s+%s" % (test, NUMBER, NUMBER, NUMBER), out), out


def test_multi_exec_py_measures_both_servers():
    out = run_bench("multi_exec.py", "--rounds", "1", "--transactions", "200" if SANITIZED else "800",
                    "--clients", "2", "--keyspace", "200")
    assert re.search(r"(?m)^multi_exec\s+%s\s+%s\s+%s" % (NUMBER, NUMBER, NUMBER), out), out
def test_scripting_py_measures_incr_eval_and_evalsha():
    out = run_bench("scripting.py", *TINY)
    for test in ("incr", "eval", "evalsha"):
        # test, mnemo ops/s, redis ops/s, ratio: both servers measured
        assert re.search(r"(?m)^%s\s+%s\s+%s\s+%s" % (test, NUMBER, NUMBER, NUMBER), out), out


def test_pubsub_py_measures_fanout_on_both_servers():
    out = run_bench("pubsub.py", "--rounds", "1", "--messages", "500", "--fanout", "1,3")
    for fanout in ("1", "3"):
        assert re.search(r"(?m)^%s\s+%s\s+%s" % (fanout, NUMBER, NUMBER), out), out


def test_unaccounted_py_samples_every_load():
    # A floor of 1 MB lets tiny loads qualify; the sanitizer build reports used_memory 0, so no
    # sample qualifies there and the script says so for each load.
    out = run_bench("unaccounted.py", "--seconds", "1.5", "--floor", "1mb", "--interval", "0.05",
                    "--keyspace", "2000", "--mget-keys", "50", "--mget-size", "1024")
    for load in ("a", "b", "c"):
        if SANITIZED:
            assert re.search(r"(?m)^%s  no sample above 1 MB" % load, out), out
        else:
            assert re.search(r"(?m)^%s  worst %s%%  unaccounted %s MB of used %s MB"
                             % (load, NUMBER, NUMBER, NUMBER), out), out


def test_noisy_neighbour_py_measures_the_steady_tenant_alone_and_beside_the_noisy_one():
    out = run_bench("noisy_neighbour.py", "--rounds", "1", "--requests",
                    "500" if SANITIZED else "2000", "--clients", "2", "--quota", "1mb",
                    "--value-size", "64kb", "--writers", "1")
    for test in ("set", "get"):
        # test, solo ops/s, noisy ops/s, ratio, solo p99, noisy p99, p99 ratio
        assert re.search(r"(?m)^%s\s+%s(\s+%s){5}" % (test, NUMBER, NUMBER), out), out
    # The noisy tenant reached its quota and was refused: the quota worked.
    assert re.search(r"(?m)^noisy tenant: quota reached in 1 of 1 runs", out), out

def test_scrape_py_measures_scrapes_history_and_policies():
    out = run_bench("scrape.py", *TINY, "--idle", "1", "--idle-scrapes", "5")
    for title in ("scraped/quiet", "policies64/none"):
        assert title in out, out
    for test in ("SET", "GET"):
        # test, name, ops/s, worker us/op, name, ops/s, worker us/op, ratio, cpu ratio: twice
        # (the CPU ratio is n/a when a tiny run's worker CPU time is below one clock tick)
        row = r"(?m)^%s\s+\S+\s+%s\s+%s\s+\S+\s+%s\s+%s\s+%s\s+(%s|n/a)$" % (
            (test,) + (NUMBER,) * 6)
        assert len(re.findall(row, out)) == 2, out
    assert re.search(r"scrape latency: [1-9]\d* scrapes, median %s ms" % NUMBER, out), out
    idle = re.search(r"idle server, (\d+) scrapes back to back: %s ms" % NUMBER, out)
    assert idle and int(idle.group(1)) >= 5, out
    assert re.search(r"idle main thread .* policies64\s+%s ms CPU/s" % NUMBER, out), out
    assert re.search(r"policies64: 64 rules fired 64 times", out), out


def test_ceiling_py_measures_both_servers_and_the_engine():
    # 5000 requests also in the sanitizer build: redis-benchmark reports a run that ends within
    # its clock's resolution (Redis's side, 500 requests) as "inf" requests per second.
    out = run_bench("ceiling.py", "--rounds", "1", "--requests", "5000", "--clients", "4",
                    "--keyspace", "200", "--tests", "set,hset,zadd")
    for test in ("SET", "HSET", "ZADD"):
        # redis/s, mnemo/s, records, ceiling with 1 and 2 threads, then the four ratios
        assert re.search(r"(?m)^%s(\s+%s){9}\s*$" % (test, NUMBER), out), out


def test_bigdata_py_loads_reads_back_and_stops_cleanly(tmp_path):
    # A thousandth of a gigabyte instead of 26: the figures are printed, every GET found its
    # value, the server exited 0 and the data dir is gone.
    out = run_bench("bigdata.py", "--gigabytes", "0.002" if SANITIZED else "0.005", "--size",
                    "1024", "--get-seconds", "1", "--single-gets", "50", "--clients", "2",
                    "--progress-seconds", "0.2", "--dir", str(tmp_path))
    three = r"%s / %s / %s" % (NUMBER, NUMBER, NUMBER)
    assert re.search(r"(?m)^machine\s+MemTotal %s GiB" % NUMBER, out), out
    assert re.search(r"(?m)^SET ops/s\s+%s \(%s MB/s\)$" % (NUMBER, NUMBER), out), out
    assert re.search(r"(?m)^SET ms per pipeline p50 / p99 / max\s+%s$" % three, out), out
    assert re.search(r"(?m)^longest time without a completed SET\s+%s s" % NUMBER, out), out
    # A progress line of the GETs (the load can end before the first one is due).
    assert re.search(r"(?m)^\s+\d+ s\s+\d+ GETs\s+%s GET/s\s+RSS \d+ MB\s+used_memory \d+ MB\s+"
                     r"disk %s GiB" % (NUMBER, NUMBER), out), out
    assert re.search(r"(?m)^GET ops/s, 2 clients, pipeline 16\s+%s$" % NUMBER, out), out
    assert re.search(r"(?m)^GET ms per pipeline p50 / p99 / max\s+%s$" % three, out), out
    assert re.search(r"(?m)^GET ops/s, 1 client, no pipeline\s+%s$" % NUMBER, out), out
    assert re.search(r"(?m)^GET ms p50 / p99 / max, 1 client\s+%s$" % three, out), out
    assert re.search(r"(?m)^GETs checked\s+[1-9]\d*, 0 errors", out), out
    keys = re.search(r"(?m)^keys \(DBSIZE\)\s+(\d+) of (\d+) loaded$", out)
    assert keys and keys.group(1) == keys.group(2), out
    for name in ("peak RSS", "peak used_memory"):
        assert re.search(r"(?m)^%s\s+\d+ MB = %s of maxmemory$" % (name, NUMBER), out), out
    assert re.search(r"(?m)^data dir on disk\s+%s GiB = %sx RAM" % (NUMBER, NUMBER), out), out
    for field in ("storage_block_cache_hit_ratio", "storage_pending_compaction_bytes",
                  "storage_write_stall_ms"):
        assert re.search(r"(?m)^  %s:" % field, out), out
    assert re.search(r"(?m)^server stopped \(SIGTERM\)\s+exit status 0 ", out), out
    assert not os.listdir(tmp_path), os.listdir(tmp_path)
