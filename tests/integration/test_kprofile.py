"""KPROFILE MEMORY against the real binary with a real client.

Covers every form (ENABLE [SAMPLE] [FOR], DISABLE, STATUS, INFO, DUMP [dir], LIST, TOP, DIFF),
every error reply, confinement of dumps and dump names to profiling-dir, retention, automatic
dumps on heap growth, that jeprof reads the dumps, that TOP and DIFF name the functions that
really allocated, and a concurrency soak (MNEMO_KPROFILE_SOAK_SECONDS, default 30).

MNEMO_SANITIZED=1 (sanitizer build, no jemalloc): every KPROFILE MEMORY form except STATUS must
answer "memory profiling is not available: this build uses the sanitizer allocator, not jemalloc"
and STATUS "disabled". Each test asserts that instead of the jemalloc behaviour (argument-parsing
errors, which come first, are the same in both builds) and that no dump file is ever written.

BUSY: manual DUMPs and live TOPs run one after the other on the server's single background
thread, so two of them never overlap; a DUMP can still meet an automatic dump (written by the
profiler's own thread) and then gets "BUSY a heap profile dump is already in progress". The soak
test provokes that (auto dumps on) and accepts BUSY as a legitimate DUMP reply, like OK, and "not
active" when another client has just disabled sampling; any other reply fails it.
"""
import os
import random
import re
import socket
import stat
import subprocess
import threading
import time

import pytest
import redis

SANITIZED = os.environ.get("MNEMO_SANITIZED") == "1"
SOAK_SECONDS = float(os.environ.get("MNEMO_KPROFILE_SOAK_SECONDS", "30"))

NOT_AVAILABLE = ("memory profiling is not available: this build uses the sanitizer allocator, "
                 "not jemalloc")
NOT_ACTIVE = "jemalloc profiling is not active, please enable it first"
BUSY = "BUSY a heap profile dump is already in progress"
WRONG_ARGS = "wrong number of arguments for 'kprofile' command"
BAD_N = "N must be an integer between 1 and 1000"
INFO_KEYS = {"active", "armed", "since", "sample-bytes", "auto-off-at", "dumps-taken", "last-dump",
             "profiling-dir", "profiler-bytes", "last-auto-dump-error", "ticks"}
DUMP_NAME = re.compile(r"^jeprof\.(\d+)\.(\d+)\.heap$")
MB = 1 << 20


# ---------------------------------------------------------------------------------------------
# helpers

def kp(c, *args):
    return c.execute_command("KPROFILE", "MEMORY", *args)


def kp_err(c, *args):
    """The error text of a KPROFILE MEMORY command that must fail (redis-py drops "ERR ")."""
    with pytest.raises(redis.ResponseError) as e:
        kp(c, *args)
    return str(e.value)


def assert_unavailable(c, *args):
    msg = kp_err(c, *args)
    assert msg == NOT_AVAILABLE, "KPROFILE MEMORY %s: %r" % (" ".join(map(str, args)), msg)


def as_map(flat):
    assert len(flat) % 2 == 0, flat
    return dict(zip(flat[0::2], flat[1::2]))


def info(c):
    return as_map(kp(c, "INFO"))


def server_ms(c):
    """The server's clock (unix ms), to wait for a deadline it set."""
    sec, usec = c.time()
    return sec * 1000 + usec // 1000


def listing(c):
    return [as_map(x) for x in kp(c, "LIST")]


def sites_of(reply):
    return [as_map(x) for x in reply]


def now_ms():
    return int(time.time() * 1000)


def wait_until(pred, timeout, what, interval=0.05):
    deadline = time.monotonic() + timeout
    while True:
        v = pred()
        if v:
            return v
        if time.monotonic() > deadline:
            raise AssertionError("timed out after %.1f s waiting for %s" % (timeout, what))
        time.sleep(interval)


def files_under(root, pattern=None):
    """Every file below root (relative paths), optionally only names matching pattern."""
    out = []
    for d, _, names in os.walk(root):
        for n in names:
            if pattern is None or re.search(pattern, n):
                out.append(os.path.relpath(os.path.join(d, n), root))
    return sorted(out)


def dumps_under(root):
    return files_under(root, r"^jeprof\..*\.heap$")


def temp_files_under(root):
    return files_under(root, r"\.tmp$")


def load(c, total_bytes, value_size=100_000, prefix="big"):
    """SETs total_bytes of incompressible values, pipelined in ~5 MB batches."""
    n = max(1, total_bytes // value_size)
    batch = max(1, (5 * MB) // value_size)
    for start in range(0, n, batch):
        p = c.pipeline(transaction=False)
        for i in range(start, min(n, start + batch)):
            p.set("%s:%d" % (prefix, i), os.urandom(value_size))
        assert all(p.execute())
    return n


def start_profiled(server_factory, data_dir, *extra, env=None, subdirs=()):
    """A server with --profiling-dir <data_dir>/prof; returns (server, client, real prof dir)."""
    prof = os.path.join(data_dir, "prof")
    os.makedirs(prof, exist_ok=True)
    for s in subdirs:
        os.makedirs(os.path.join(prof, s), exist_ok=True)
    s = server_factory(["--profiling-dir", prof] + list(extra), env=env)
    return s, s.client(decode_responses=True), os.path.realpath(prof)


def raw_command(sock_file, *args):
    """Sends one command over a raw socket and returns the first reply line (type byte kept)."""
    out = b"*%d\r\n" % len(args)
    for a in args:
        a = a.encode() if isinstance(a, str) else a
        out += b"$%d\r\n%s\r\n" % (len(a), a)
    sock_file.write(out)
    sock_file.flush()
    line = sock_file.readline().rstrip(b"\r\n").decode()
    if line.startswith("$") and int(line[1:]) >= 0:
        line = "$" + sock_file.readline().rstrip(b"\r\n").decode()
    return line


def frames(site):
    return site["stack"]


def has_frame(site, *needles):
    return any(any(n in f for n in needles) for f in frames(site))


# ---------------------------------------------------------------------------------------------
# forms

def test_enable_disable_status(server, r):
    assert kp(r, "STATUS") == "disabled"
    if SANITIZED:
        for args in (("ENABLE",), ("ENABLE", "SAMPLE", "65536"), ("ENABLE", "FOR", "10"),
                     ("DISABLE",), ("DUMP",), ("DUMP", "sub"), ("INFO",), ("LIST",), ("TOP",),
                     ("TOP", "5"), ("TOP", "5", "x.heap"), ("DIFF", "a", "b"),
                     ("DIFF", "a", "b", "3")):
            assert_unavailable(r, *args)
        assert kp(r, "STATUS") == "disabled"
        assert dumps_under(server.data_dir) == []
        return
    assert kp(r, "ENABLE") == "OK"
    assert kp(r, "STATUS") == "enabled"
    assert kp(r, "ENABLE") == "OK"  # idempotent
    assert kp(r, "STATUS") == "enabled"
    assert kp(r, "DISABLE") == "OK"
    assert kp(r, "STATUS") == "disabled"
    assert kp(r, "DISABLE") == "OK"  # idempotent
    assert kp(r, "STATUS") == "disabled"
    # Keywords are case-insensitive.
    assert r.execute_command("kprofile", "memory", "enable") == "OK"
    assert r.execute_command("KProfile", "Memory", "Status") == "enabled"
    assert r.execute_command("kprofile", "MEMORY", "disable") == "OK"
    assert r.execute_command("kprofile", "memory", "status") == "disabled"


def test_dump_without_dir_goes_to_default_profiling_dir(server, r, data_dir):
    default_dir = os.path.join(data_dir, "heap-profiles")
    if SANITIZED:
        assert_unavailable(r, "DUMP")
        assert dumps_under(data_dir) == []
        return
    assert kp(r, "ENABLE") == "OK"
    assert kp(r, "DUMP") == "OK"
    assert stat.S_IMODE(os.stat(default_dir).st_mode) == 0o700
    names = os.listdir(default_dir)
    assert len(names) == 1, names
    m = DUMP_NAME.match(names[0])
    assert m and int(m.group(1)) == server.proc.pid, names
    path = os.path.join(default_dir, names[0])
    st = os.stat(path)
    assert stat.S_IMODE(st.st_mode) == 0o600 and st.st_size > 0
    with open(path) as f:
        assert f.readline().startswith("heap_v2/")
    i = info(r)
    assert i["profiling-dir"] == default_dir
    assert i["dumps-taken"] == 1
    assert i["last-dump"] == os.path.realpath(path)
    assert [d["name"] for d in listing(r)] == [names[0]]
    # Kvrocks's form with an explicit directory works too when it lies inside.
    assert kp(r, "DUMP", default_dir) == "OK"
    assert len(dumps_under(default_dir)) == 2
    assert temp_files_under(data_dir) == []


def test_dump_into_subdirectory(server_factory, data_dir):
    s, r, prof = start_profiled(server_factory, data_dir, subdirs=("sub", "sub/deeper"))
    if SANITIZED:
        for d in ("sub", os.path.join(prof, "sub"), "sub/deeper"):
            assert_unavailable(r, "DUMP", d)
        assert dumps_under(data_dir) == []
        return
    assert kp(r, "ENABLE") == "OK"
    assert kp(r, "DUMP", "sub") == "OK"                            # relative to profiling-dir
    assert info(r)["last-dump"].startswith(prof + "/sub/jeprof.")
    assert kp(r, "DUMP", os.path.join(prof, "sub")) == "OK"        # absolute, inside
    assert kp(r, "DUMP", "sub/deeper/") == "OK"                    # nested, trailing slash
    assert kp(r, "DUMP", ".") == "OK"                              # profiling-dir itself
    on_disk = dumps_under(prof)
    assert len(on_disk) == 4, on_disk
    assert sum(p.startswith("sub/deeper/") for p in on_disk) == 1
    assert sum(p.startswith("sub/") for p in on_disk) == 3
    for p in on_disk:
        m = DUMP_NAME.match(os.path.basename(p))
        assert m and int(m.group(1)) == s.proc.pid, p
        assert stat.S_IMODE(os.stat(os.path.join(prof, p)).st_mode) == 0o600
    assert sorted(d["name"] for d in listing(r)) == on_disk
    assert temp_files_under(data_dir) == []


def test_info_fields(server_factory, data_dir):
    s, r, prof = start_profiled(server_factory, data_dir)
    if SANITIZED:
        assert_unavailable(r, "INFO")
        return
    i = info(r)
    assert set(i) == INFO_KEYS, i
    assert i["active"] == 0 and i["armed"] == 1 and i["since"] == 0
    assert i["sample-bytes"] == 524288
    assert i["auto-off-at"] == 0 and i["dumps-taken"] == 0 and i["last-dump"] == ""
    assert i["profiling-dir"] == os.path.join(data_dir, "prof")
    assert isinstance(i["profiler-bytes"], int) and i["profiler-bytes"] >= 0
    assert i["last-auto-dump-error"] == ""

    t0 = now_ms()
    assert kp(r, "ENABLE") == "OK"
    t1 = now_ms()
    i = info(r)
    assert i["active"] == 1
    assert t0 - 2 <= i["since"] <= t1 + 2, (t0, i["since"], t1)
    since = i["since"]
    time.sleep(0.05)
    assert kp(r, "ENABLE") == "OK"                 # enabling again keeps the session start
    assert info(r)["since"] == since

    t0 = now_ms()
    assert kp(r, "ENABLE", "FOR", "100") == "OK"
    t1 = now_ms()
    i = info(r)
    assert t0 + 100_000 - 2 <= i["auto-off-at"] <= t1 + 100_000 + 2, (t0, i["auto-off-at"])
    assert i["since"] == since
    assert kp(r, "ENABLE") == "OK"                 # ENABLE without FOR clears the deadline
    assert info(r)["auto-off-at"] == 0

    load(r, 8 * MB)
    assert kp(r, "DUMP") == "OK"
    i = info(r)
    assert i["dumps-taken"] == 1
    assert os.path.dirname(i["last-dump"]) == prof
    assert DUMP_NAME.match(os.path.basename(i["last-dump"]))
    assert os.path.isfile(i["last-dump"])
    assert i["profiler-bytes"] > 0, i             # samples and metadata exist now
    assert kp(r, "DUMP") == "OK"
    i2 = info(r)
    assert i2["dumps-taken"] == 2 and i2["last-dump"] != i["last-dump"]

    assert kp(r, "DISABLE") == "OK"
    i = info(r)
    assert i["active"] == 0 and i["since"] == 0 and i["auto-off-at"] == 0
    assert i["armed"] == 1 and i["sample-bytes"] == 524288 and i["dumps-taken"] == 2


def test_list_newest_first_with_size_and_mtime(server_factory, data_dir):
    s, r, prof = start_profiled(server_factory, data_dir, subdirs=("sub",))
    if SANITIZED:
        assert_unavailable(r, "LIST")
        return
    assert listing(r) == []
    # Non-dump files are not listed.
    with open(os.path.join(prof, "notes.txt"), "w") as f:
        f.write("x")
    with open(os.path.join(prof, ".jeprof.1.1.heap.tmp"), "w") as f:
        f.write("x")
    assert kp(r, "ENABLE") == "OK"
    written = []
    for target in ("", "sub", "", "sub", ""):
        assert kp(r, "DUMP", *([target] if target else [])) == "OK"
        written.append(os.path.relpath(info(r)["last-dump"], prof))
        time.sleep(0.02)
    assert kp(r, "DISABLE") == "OK"                # LIST works while inactive
    got = listing(r)
    assert [d["name"] for d in got] == list(reversed(written))
    for d in got:
        assert set(d) == {"name", "size", "mtime"}
        st = os.stat(os.path.join(prof, d["name"]))
        assert d["size"] == st.st_size > 0
        assert d["mtime"] == st.st_mtime_ns // 1_000_000
    mtimes = [d["mtime"] for d in got]
    assert mtimes == sorted(mtimes, reverse=True)


def check_sites(sites, n):
    assert 0 < len(sites) <= n, sites
    for site in sites:
        assert set(site) == {"bytes", "objects", "percent", "stack"}, site
        assert isinstance(site["bytes"], int) and site["bytes"] > 0, site
        assert isinstance(site["objects"], int) and site["objects"] > 0, site
        assert 0.0 < float(site["percent"]) <= 100.0, site
        assert re.fullmatch(r"\d+\.\d\d", site["percent"]), site
        assert isinstance(site["stack"], list) and site["stack"], site
        assert all(isinstance(f, str) and f for f in site["stack"]), site
        # jemalloc's own frames and the malloc entry points are cut off.
        assert not re.match(r"(je_)?(malloc|calloc|realloc|operator new|prof_)",
                            site["stack"][0]), site
    sizes = [site["bytes"] for site in sites]
    assert sizes == sorted(sizes, reverse=True)


def test_top_forms(server_factory, data_dir):
    s, r, prof = start_profiled(server_factory, data_dir)
    if SANITIZED:
        for args in (("TOP",), ("TOP", "3"), ("TOP", "3", "jeprof.1.1.heap"),
                     ("TOP", "jeprof.1.1.heap")):
            assert_unavailable(r, *args)
        return
    assert kp(r, "ENABLE") == "OK"
    load(r, 20 * MB)
    check_sites(sites_of(kp(r, "TOP")), 10)              # live heap, default 10
    check_sites(sites_of(kp(r, "TOP", "3")), 3)
    assert kp(r, "DUMP") == "OK"
    name = listing(r)[0]["name"]
    assert kp(r, "DISABLE") == "OK"                      # reading a dump needs no sampling
    by_name = sites_of(kp(r, "TOP", name))
    check_sites(by_name, 10)
    check_sites(sites_of(kp(r, "TOP", "3", name)), 3)
    assert sites_of(kp(r, "TOP", "3", name)) == by_name[:3]
    assert sites_of(kp(r, "TOP", "1000", os.path.join(prof, name)))[:10] == by_name
    one = sites_of(kp(r, "TOP", "1", name))
    assert len(one) == 1 and one == by_name[:1]
    assert kp_err(r, "TOP").startswith(NOT_ACTIVE)       # live TOP needs sampling
    assert kp_err(r, "TOP", "5").startswith(NOT_ACTIVE)


# The memory-content tests keep the loaded data in the memtables (default memtables are 4 MB and
# flush quickly), so the allocation sites they look for hold tens of MB.
BIG_MEMTABLES = ("--rocksdb.write-buffer-size", "64mb")


def test_top_names_the_functions_that_allocated(server_factory, data_dir):
    s, r, prof = start_profiled(server_factory, data_dir, *BIG_MEMTABLES)
    if SANITIZED:
        assert_unavailable(r, "ENABLE")
        assert_unavailable(r, "TOP", "20")
        return
    assert kp(r, "ENABLE") == "OK"
    load(r, 40 * MB)                                      # stays in the 64 MB memtable
    for source in ("live", "dump"):
        if source == "live":
            sites = sites_of(kp(r, "TOP", "20"))
        else:
            assert kp(r, "DUMP") == "OK"
            sites = sites_of(kp(r, "TOP", "20", listing(r)[0]["name"]))
        check_sites(sites, 20)
        memtable = [x for x in sites
                    if has_frame(x, "rocksdb::MemTable", "rocksdb::Arena",
                                 "rocksdb::ConcurrentArena")]
        assert memtable, "no memtable site in TOP (%s):\n%s" % (source, sites)
        assert max(x["bytes"] for x in memtable) >= 16 * MB, memtable
        # Mnemo's own frames are symbolized with file:line (RelWithDebInfo binary).
        assert any(re.fullmatch(r"mnemo::[\w:]+ \(\w+\.cc:\d+\)", f)
                   for x in sites for f in frames(x)), sites


def test_diff_shows_growth(server_factory, data_dir):
    s, r, prof = start_profiled(server_factory, data_dir, *BIG_MEMTABLES)
    if SANITIZED:
        assert_unavailable(r, "DIFF", "a", "b")
        assert_unavailable(r, "DIFF", "a", "b", "5")
        return
    assert kp(r, "ENABLE") == "OK"
    assert kp(r, "DUMP") == "OK"
    older = os.path.relpath(info(r)["last-dump"], prof)
    load(r, 40 * MB)
    assert kp(r, "DUMP") == "OK"
    newer = os.path.relpath(info(r)["last-dump"], prof)
    sites = sites_of(kp(r, "DIFF", older, newer))
    check_sites(sites, 10)
    first = sites[0]
    assert first["bytes"] >= 16 * MB, sites
    assert has_frame(first, "rocksdb::", "mnemo::"), first
    assert any(has_frame(x, "rocksdb::MemTable", "rocksdb::Arena", "rocksdb::ConcurrentArena")
               and x["bytes"] >= 16 * MB for x in sites), sites
    # percent is each site's share of the total growth: proportional to bytes, summing <= 100.
    assert sum(float(x["percent"]) for x in sites) <= 100.0 + 0.01 * len(sites)
    for x in sites:
        assert abs(float(x["percent"]) / float(first["percent"]) - x["bytes"] / first["bytes"]) \
            < 0.01, (x, first)
    assert sites_of(kp(r, "DIFF", older, newer, "1")) == sites[:1]
    assert kp(r, "DIFF", older, older) == []               # no growth
    reverse = sites_of(kp(r, "DIFF", newer, older))        # the memtable shrank: not a growth
    assert all(x["bytes"] < 16 * MB for x in reverse), reverse
    # Absolute paths inside profiling-dir are accepted as names.
    assert sites_of(kp(r, "DIFF", os.path.join(prof, older), os.path.join(prof, newer)))[:1] \
        == sites[:1]


def test_enable_sample_sets_rounded_rate(server_factory, data_dir):
    s, r, prof = start_profiled(server_factory, data_dir, "--profiling-sample-bytes", "100kb")
    if SANITIZED:
        assert_unavailable(r, "ENABLE", "SAMPLE", "65536")
        assert kp(r, "STATUS") == "disabled"
        return
    assert info(r)["sample-bytes"] == 524288      # jemalloc's rate until the first ENABLE
    assert kp(r, "ENABLE") == "OK"                # default from --profiling-sample-bytes 100kb
    assert info(r)["sample-bytes"] == 131072      # 102400 rounded to the nearest power of two
    for arg, expect in (("65536", 65536), ("64kb", 65536), ("100000", 131072), ("1mb", 1 << 20),
                        ("1", 1), ("3", 4), ("1024gb", 1 << 40),
                        ("1099511627776", 1 << 40), ("524288", 524288)):
        assert kp(r, "ENABLE", "SAMPLE", arg) == "OK", arg
        assert info(r)["sample-bytes"] == expect, arg
        assert kp(r, "STATUS") == "enabled"
    assert kp(r, "ENABLE", "SAMPLE", "64kb", "FOR", "100") == "OK"   # both options, any order
    i = info(r)
    assert i["sample-bytes"] == 65536 and i["auto-off-at"] > 0
    assert kp(r, "ENABLE", "FOR", "100", "SAMPLE", "256kb") == "OK"
    assert info(r)["sample-bytes"] == 262144
    assert r.config_set("profiling-sample-bytes", "1mb")             # runtime default change
    assert kp(r, "ENABLE") == "OK"
    assert info(r)["sample-bytes"] == 1 << 20
    assert kp(r, "DISABLE") == "OK"
    assert info(r)["sample-bytes"] == 1 << 20                        # the rate is kept


def test_enable_for_turns_off_again(server, r):
    if SANITIZED:
        assert_unavailable(r, "ENABLE", "FOR", "1")
        assert kp(r, "STATUS") == "disabled"
        return
    t0 = time.monotonic()
    assert kp(r, "ENABLE", "FOR", "1") == "OK"
    assert kp(r, "STATUS") == "enabled"
    wait_until(lambda: kp(r, "STATUS") == "disabled", 5, "ENABLE FOR 1 to switch off")
    elapsed = time.monotonic() - t0
    assert 0.8 <= elapsed <= 5, elapsed
    i = info(r)
    assert i["active"] == 0 and i["since"] == 0 and i["auto-off-at"] == 0
    # ENABLE without FOR clears the deadline: none is left, and once the old one has passed
    # (a wait for a time, measured on the server's clock) profiling is still on.
    assert kp(r, "ENABLE", "FOR", "1") == "OK"
    old_deadline_ms = info(r)["auto-off-at"]
    assert old_deadline_ms > 0
    assert kp(r, "ENABLE") == "OK"
    assert info(r)["auto-off-at"] == 0
    wait_until(lambda: server_ms(r) > old_deadline_ms + 1000, 30, "the old deadline to pass")
    assert kp(r, "STATUS") == "enabled"
    # A later FOR replaces an earlier one.
    assert kp(r, "ENABLE", "FOR", "1") == "OK"
    first_deadline_ms = info(r)["auto-off-at"]
    assert kp(r, "ENABLE", "FOR", "100") == "OK"
    wait_until(lambda: server_ms(r) > first_deadline_ms, 30, "the first deadline to pass")
    checked_since(r)  # the profiler thread has looked at the deadline since
    assert kp(r, "STATUS") == "enabled"
    assert kp(r, "ENABLE", "FOR", "1") == "OK"
    wait_until(lambda: kp(r, "STATUS") == "disabled", 5, "the shortened deadline")


# ---------------------------------------------------------------------------------------------
# errors

def test_argument_errors(server, r):
    def exact(expect, *args):
        msg = kp_err(r, *args)
        assert msg == expect, (args, msg)

    with pytest.raises(redis.ResponseError) as e:
        r.execute_command("KPROFILE")
    assert str(e.value) == WRONG_ARGS
    with pytest.raises(redis.ResponseError) as e:
        r.execute_command("KPROFILE", "MEMORY")
    assert str(e.value) == WRONG_ARGS
    for first in ("CPU", "memoryx", "DUMP"):
        with pytest.raises(redis.ResponseError) as e:
            r.execute_command("KPROFILE", first, "ENABLE")
        assert str(e.value) == "only supports MEMORY subcommand"
    for op in ("FOO", "ENABLED", "STATS", ""):
        msg = kp_err(r, op)
        assert msg.startswith("MEMORY subcommand must be one of ENABLE, DISABLE, STATUS, DUMP"), msg
    # Kvrocks's wrong-number-of-arguments cases, and Mnemo's.
    for args in (("ENABLE", "/tmp"), ("STATUS", "x"), ("DISABLE", "x"), ("INFO", "x"),
                 ("LIST", "x"), ("DUMP", "a", "b"), ("TOP", "1", "a", "b"), ("DIFF",),
                 ("DIFF", "a"), ("DIFF", "a", "b", "1", "2"), ("ENABLE", "SAMPLE"),
                 ("ENABLE", "FOR"), ("ENABLE", "SAMPLE", "64kb", "FOR")):
        exact(WRONG_ARGS, *args)
    for bad in ("0", "-1", "abc", "", "1.5", "-64kb"):
        exact("SAMPLE must be a positive number of bytes", "ENABLE", "SAMPLE", bad)
    for bad in ("0", "-1", "abc", "", "1.5", "1s"):
        exact("FOR must be a positive number of seconds", "ENABLE", "FOR", bad)
    exact("syntax error", "ENABLE", "FOO", "1")
    exact("syntax error", "ENABLE", "SAMPLE", "64kb", "EVERY", "1")
    for bad in ("0", "1001", "-1"):
        exact(BAD_N, "TOP", bad)
        exact(BAD_N, "TOP", bad, "x.heap")
        exact(BAD_N, "DIFF", "a", "b", bad)
    exact(BAD_N, "DIFF", "a", "b", "x")
    if SANITIZED:
        for args in (("ENABLE", "SAMPLE", "2048gb"), ("ENABLE", "SAMPLE", "1099511627777"),
                     ("ENABLE", "FOR", "999999999999"), ("DUMP",),
                     ("DUMP", "/tmp"), ("TOP",), ("TOP", "nope"), ("TOP", "5", "nope"),
                     ("DIFF", "nope1", "nope2")):
            assert_unavailable(r, *args)
        assert kp(r, "STATUS") == "disabled"
        return
    for big in ("2048gb", "1099511627777"):
        exact("sample bytes must be between 1 and 1099511627776", "ENABLE", "SAMPLE", big)
    msg = kp_err(r, "ENABLE", "FOR", "999999999999")
    assert re.fullmatch(r"the profiling duration must be between 1 and \d+ seconds", msg), msg
    # None of the refused ENABLEs changed anything.
    assert kp(r, "STATUS") == "disabled"
    i = info(r)
    assert i["sample-bytes"] == 524288 and i["auto-off-at"] == 0
    # DUMP and live TOP need sampling; DUMP without a directory is valid in Mnemo.
    exact(NOT_ACTIVE, "DUMP")
    exact(NOT_ACTIVE, "DUMP", "/tmp")
    assert kp_err(r, "TOP").startswith(NOT_ACTIVE)
    assert kp(r, "ENABLE") == "OK"
    assert kp(r, "DUMP") == "OK"
    name = listing(r)[0]["name"]
    exact("no such dump 'nope'", "TOP", "nope")
    exact("no such dump 'nope.heap'", "TOP", "5", "nope.heap")
    exact("no such dump 'nope1'", "DIFF", "nope1", "nope2")
    exact("no such dump 'nope2'", "DIFF", name, "nope2")
    exact("no such dump 'nope1'", "DIFF", "nope1", name)
    exact("no such dump '.'", "TOP", "5", ".")           # a directory is not a dump
    assert kp(r, "DISABLE") == "OK"
    exact(NOT_ACTIVE, "DUMP")


def test_missing_dump_name_before_any_dump(server, r, data_dir):
    """TOP/DIFF with a name that does not exist answer "no such dump" even before the first dump
    created the profiling directory (LIST answers an empty list then)."""
    assert not os.path.exists(os.path.join(data_dir, "heap-profiles"))
    if SANITIZED:
        assert_unavailable(r, "TOP", "5", "nope")
        assert_unavailable(r, "DIFF", "nope1", "nope2")
        return
    assert listing(r) == []
    assert kp_err(r, "TOP", "5", "nope") == "no such dump 'nope'"
    assert kp_err(r, "TOP", "nope") == "no such dump 'nope'"
    assert kp_err(r, "DIFF", "nope1", "nope2") == "no such dump 'nope1'"


def test_admin_only_noauth(server_factory, data_dir):
    s = server_factory(["--requirepass", "s3cret"])
    with socket.create_connection(("127.0.0.1", s.port), timeout=30) as sock:
        f = sock.makefile("rwb")
        for args in (("STATUS",), ("ENABLE",), ("DUMP",), ("INFO",), ("LIST",), ("TOP",),
                     ("DISABLE",), ("DIFF", "a", "b")):
            reply = raw_command(f, "KPROFILE", "MEMORY", *args)
            assert reply.startswith("-NOAUTH"), (args, reply)
        assert raw_command(f, "AUTH", "wrong").startswith("-WRONGPASS")
        assert raw_command(f, "KPROFILE", "MEMORY", "ENABLE").startswith("-NOAUTH")
        assert raw_command(f, "AUTH", "s3cret") == "+OK"
        assert raw_command(f, "KPROFILE", "MEMORY", "STATUS") == "+disabled"  # nothing enabled
        if SANITIZED:
            assert raw_command(f, "KPROFILE", "MEMORY", "ENABLE") == "-ERR " + NOT_AVAILABLE
            assert raw_command(f, "KPROFILE", "MEMORY", "DUMP") == "-ERR " + NOT_AVAILABLE
        else:
            assert raw_command(f, "KPROFILE", "MEMORY", "ENABLE") == "+OK"
            assert raw_command(f, "KPROFILE", "MEMORY", "DUMP") == "+OK"
            assert raw_command(f, "KPROFILE", "MEMORY", "DISABLE") == "+OK"
    assert len(dumps_under(data_dir)) == (0 if SANITIZED else 1)
    c = s.client(decode_responses=True, password="s3cret")
    assert kp(c, "STATUS") == "disabled"


def test_not_armed_when_malloc_conf_disables_profiling(server_factory, data_dir):
    s, r, prof = start_profiled(server_factory, data_dir, env={"MALLOC_CONF": "prof:false"})
    assert kp(r, "STATUS") == "disabled"
    if SANITIZED:
        assert_unavailable(r, "ENABLE")
        return
    msg = kp_err(r, "ENABLE")
    assert msg.startswith("jemalloc profiling is not armed"), msg
    assert kp(r, "STATUS") == "disabled"
    # INFO, DUMP and TOP name why instead of answering as if profiling were merely off.
    for op in (["INFO"], ["DUMP"], ["TOP", "5"]):
        msg = kp_err(r, *op)
        assert msg.startswith("jemalloc profiling is not armed"), (op, msg)
    assert kp(r, "DISABLE") == "OK"
    assert dumps_under(data_dir) == []


# ---------------------------------------------------------------------------------------------
# confinement

def test_dump_paths_are_confined_to_profiling_dir(server_factory, data_dir):
    base = os.path.realpath(os.path.join(data_dir, "esc"))
    prof = os.path.join(base, "prof")
    outside = os.path.join(base, "outside")
    for d in (os.path.join(prof, "sub"), outside):
        os.makedirs(d)
    with open(os.path.join(outside, "keep.txt"), "w") as f:
        f.write("untouched")
    os.symlink(outside, os.path.join(prof, "link_out"))              # symlink leading out
    os.symlink(base, os.path.join(prof, "sub", "up"))                # .. via a symlink
    os.symlink(os.path.join(prof, "sub"), os.path.join(prof, "link_in"))  # stays inside
    os.symlink(os.path.join(base, "nowhere"), os.path.join(prof, "dangling"))
    with open(os.path.join(prof, "regular.txt"), "w") as f:
        f.write("not a directory")
    s = server_factory(["--profiling-dir", prof])
    r = s.client(decode_responses=True)
    tmp_before = set(x for x in os.listdir("/tmp") if x.startswith("jeprof.%d." % s.proc.pid))

    # Outside whether or not it exists: nothing outside profiling-dir is looked at, so a dangling
    # symlink leading out and a directory that does not exist answer like /tmp.
    outside_args = ["../outside", outside, "/tmp", "/", "..", base, "link_out", "link_out/",
                    "sub/../../outside", "sub/up", "sub/up/outside", "./link_out/../prof/../..",
                    "dangling", "/nonexistent-mnemo-dir", "../nonexistent"]
    not_dir_args = ["regular.txt", os.path.join(prof, "regular.txt"), "nosuch", "sub/nosuch"]
    inside_args = ["sub", os.path.join(prof, "sub"), "link_in", "sub/up/prof/sub", "."]

    if SANITIZED:
        for a in outside_args + not_dir_args + inside_args:
            assert_unavailable(r, "DUMP", a)
    else:
        assert kp(r, "ENABLE") == "OK"
        for a in outside_args:
            assert kp_err(r, "DUMP", a) == "'%s' is outside profiling-dir '%s'" % (a, prof), a
        for a in not_dir_args:
            assert kp_err(r, "DUMP", a) == "'%s' is not a directory" % a, a
        for a in inside_args:
            assert kp(r, "DUMP", a) == "OK", a
        assert info(r)["dumps-taken"] == len(inside_args)

    # Nothing was written outside profiling-dir.
    assert os.listdir(outside) == ["keep.txt"]
    with open(os.path.join(outside, "keep.txt")) as f:
        assert f.read() == "untouched"
    assert [x for x in os.listdir(base) if x not in ("prof", "outside")] == []
    tmp_after = set(x for x in os.listdir("/tmp") if x.startswith("jeprof.%d." % s.proc.pid))
    assert tmp_after == tmp_before
    assert temp_files_under(data_dir) == []
    on_disk = dumps_under(prof)
    if SANITIZED:
        assert on_disk == []
        return
    # The dumps that were accepted all landed in the real sub/ or in prof itself.
    assert sum(p.startswith("sub/") for p in on_disk) == len(inside_args) - 1, on_disk
    assert sum("/" not in p for p in on_disk) == 1, on_disk

    # Dump names given to TOP and DIFF are confined the same way, and anything but a dump
    # inside answers as a missing dump (test_security.py has more).
    good = os.path.relpath(info(r)["last-dump"], prof)
    with open(os.path.join(prof, good), "rb") as src, \
            open(os.path.join(outside, "jeprof.1.1.heap"), "wb") as dst:
        dst.write(src.read())
    os.symlink(os.path.join(outside, "jeprof.1.1.heap"), os.path.join(prof, "jeprof.9.9.heap"))
    assert "jeprof.9.9.heap" not in [d["name"] for d in listing(r)]  # symlinks are not listed
    for a in ("../outside/jeprof.1.1.heap", os.path.join(outside, "jeprof.1.1.heap"),
              "link_out/jeprof.1.1.heap", "jeprof.9.9.heap", "/etc/passwd", "sub"):
        expect = "no such dump '%s'" % a
        assert kp_err(r, "TOP", "5", a) == expect, a
        assert kp_err(r, "DIFF", good, a) == expect, a
        assert kp_err(r, "DIFF", a, good) == expect, a
    assert isinstance(kp(r, "TOP", "5", good), list)   # the real name still works
    assert isinstance(kp(r, "TOP", "5", os.path.join(prof, good)), list)  # and its full path


# ---------------------------------------------------------------------------------------------
# retention, automatic dumps

def test_retention_keeps_newest(server_factory, data_dir):
    s, r, prof = start_profiled(server_factory, data_dir, "--profiling-max-dumps", "3",
                                subdirs=("sub",))
    if SANITIZED:
        for _ in range(6):
            assert_unavailable(r, "DUMP")
        assert dumps_under(data_dir) == []
        return
    assert kp(r, "ENABLE") == "OK"
    written = []
    for _ in range(6):
        assert kp(r, "DUMP") == "OK"
        written.append(os.path.relpath(info(r)["last-dump"], prof))
    assert dumps_under(prof) == sorted(written[-3:])
    assert [d["name"] for d in listing(r)] == list(reversed(written[-3:]))
    # Dumps in subdirectories count towards the same limit.
    for _ in range(2):
        assert kp(r, "DUMP", "sub") == "OK"
        written.append(os.path.relpath(info(r)["last-dump"], prof))
    assert dumps_under(prof) == sorted(written[-3:])
    # The limit can be changed at run time.
    assert r.config_set("profiling-max-dumps", "1")
    assert kp(r, "DUMP") == "OK"
    written.append(os.path.relpath(info(r)["last-dump"], prof))
    assert dumps_under(prof) == [written[-1]]
    assert info(r)["dumps-taken"] == 9
    assert temp_files_under(prof) == []


def test_profiling_dir_changes_at_runtime(server_factory, data_dir):
    # profiling-dir is a protected config: CONFIG SET needs enable-protected-configs (local:
    # this client connects over loopback). test_security.py covers the refusals.
    s, r, prof = start_profiled(server_factory, data_dir, "--enable-protected-configs", "local")
    newdir = os.path.join(data_dir, "prof2", "nested")      # created on first use, mode 0700
    assert r.config_set("profiling-dir", newdir)
    if SANITIZED:
        assert_unavailable(r, "DUMP")
        assert dumps_under(data_dir) == []
        return
    assert info(r)["profiling-dir"] == newdir
    assert kp(r, "ENABLE") == "OK"
    assert kp(r, "DUMP") == "OK"
    assert len(dumps_under(newdir)) == 1 and dumps_under(prof) == []
    assert stat.S_IMODE(os.stat(newdir).st_mode) == 0o700
    assert [d["name"] for d in listing(r)] == dumps_under(newdir)
    # The old directory is now outside.
    assert kp_err(r, "DUMP", prof) == "'%s' is outside profiling-dir '%s'" % (
        prof, os.path.realpath(newdir))


def checked_since(r):
    """Waits until the profiler's background thread has run a whole auto-dump check after this
    call (its tick counter advanced by two), so a dump that growth would cause has happened."""
    start = info(r)["ticks"]
    wait_until(lambda: info(r)["ticks"] >= start + 2, 30, "two profiler ticks")


def test_auto_dump_on_growth(server_factory, data_dir):
    s, r, prof = start_profiled(server_factory, data_dir, "--profiling-auto-dump-growth", "16mb",
                                "--profiling-auto-dump-interval", "1", *BIG_MEMTABLES)
    # Growth while not sampling never dumps.
    load(r, 24 * MB, prefix="pre")
    if not SANITIZED:
        checked_since(r)
    assert dumps_under(data_dir) == []
    if SANITIZED:  # no profiler thread to wait for: profiling cannot start at all
        assert_unavailable(r, "ENABLE")
        load(r, 50 * MB)
        time.sleep(1.5)
        assert dumps_under(data_dir) == []
        return
    assert kp(r, "ENABLE") == "OK"
    checked_since(r)
    assert listing(r) == [], "an automatic dump without growth"
    load(r, 50 * MB)
    got = wait_until(lambda: listing(r), 30, "an automatic dump after 50 MB of writes")
    assert DUMP_NAME.match(got[0]["name"]) and got[0]["size"] > 0, got
    i = info(r)
    assert i["dumps-taken"] >= 1 and i["last-auto-dump-error"] == "", i
    assert os.path.relpath(i["last-dump"], prof) in [d["name"] for d in listing(r)]
    # Not more often than the interval: 50 MB at 16 MB each could be 3 dumps, spaced >= 1 s.
    mtimes = sorted(d["mtime"] for d in listing(r))
    assert all(b - a >= 900 for a, b in zip(mtimes, mtimes[1:])), mtimes
    # Off again: growth no longer dumps.
    assert kp(r, "DISABLE") == "OK"
    checked_since(r)
    before = info(r)["dumps-taken"]
    load(r, 30 * MB, prefix="post")
    checked_since(r)
    assert info(r)["dumps-taken"] == before


# ---------------------------------------------------------------------------------------------
# reading dumps

def test_jeprof_reads_a_dump(server_factory, data_dir):
    s, r, prof = start_profiled(server_factory, data_dir)
    if SANITIZED:
        assert_unavailable(r, "DUMP")
        return
    assert kp(r, "ENABLE") == "OK"
    load(r, 16 * MB)
    assert r.set("marker-key-4f1c9e", "marker-value-8d2b7a" * 1000)
    assert kp(r, "DUMP") == "OK"
    dump = info(r)["last-dump"]
    with open(dump, "rb") as f:                  # code addresses and maps only, never data
        raw = f.read()
    assert b"marker-key-4f1c9e" not in raw and b"marker-value-8d2b7a" not in raw
    binary = s.proc.args[0]
    out = subprocess.run(["jeprof", "--text", binary, dump], capture_output=True, text=True,
                         timeout=300)
    assert out.returncode == 0, out.stderr[-3000:]
    assert re.search(r"^Total: [\d.]+ MB$", out.stdout, re.M), out.stdout[:3000]
    cum = subprocess.run(["jeprof", "--text", "--cum", binary, dump], capture_output=True,
                         text=True, timeout=300)
    assert cum.returncode == 0, cum.stderr[-3000:]
    assert "rocksdb::" in cum.stdout or "mnemo::" in cum.stdout, cum.stdout[:3000]


def test_dumps_of_an_earlier_run_stay_readable(server_factory, data_dir):
    s, r, prof = start_profiled(server_factory, data_dir)
    if SANITIZED:
        assert_unavailable(r, "DUMP")
        return
    assert kp(r, "ENABLE") == "OK"
    load(r, 20 * MB)
    assert kp(r, "DUMP") == "OK"
    name = listing(r)[0]["name"]
    before = sites_of(kp(r, "TOP", "5", name))
    r.close()
    assert s.stop() == 0
    s.start()
    r = s.client(decode_responses=True)
    assert kp(r, "STATUS") == "disabled"          # sampling does not survive a restart
    assert [d["name"] for d in listing(r)] == [name]
    after = sites_of(kp(r, "TOP", "5", name))
    assert after == before
    assert any(has_frame(x, "rocksdb::", "mnemo::") for x in after)


# ---------------------------------------------------------------------------------------------
# concurrency

def test_concurrent_toggle_dump_and_traffic(server_factory, data_dir):
    """Clients toggle ENABLE/DISABLE and DUMP/TOP/INFO/LIST in loops while others write (every
    acknowledged SET recorded) and read, for MNEMO_KPROFILE_SOAK_SECONDS; automatic dumps are on
    too, so DUMPs can meet them (BUSY). Afterwards: the server is alive, every acknowledged write
    reads back, STATUS matches the last toggle, retention held."""
    s, r, prof = start_profiled(server_factory, data_dir, "--profiling-max-dumps", "5",
                                "--profiling-auto-dump-growth", "4mb",
                                "--profiling-auto-dump-interval", "1", subdirs=("sub",))
    stop = threading.Event()
    lock = threading.Lock()
    failures = []
    toggles = []                       # (sent, acked, "enabled"/"disabled")
    counts = {"dump_ok": 0, "dump_busy": 0, "dump_not_active": 0, "top_ok": 0, "top_busy": 0,
              "top_not_active": 0, "sets": 0, "gets": 0, "toggles": 0}
    acked = {}                         # key -> last acknowledged value
    acked_seq = {}                     # key -> seq of that value

    def fail(msg):
        with lock:
            failures.append(msg)
        stop.set()

    def bump(name, n=1):
        with lock:
            counts[name] += 1 if n == 1 else n

    def guarded(fn):
        def run(*a):
            try:
                fn(*a)
            except BaseException as e:  # noqa: BLE001 - pytest.fail's exception included
                fail("%s: %r" % (fn.__name__, e))
        return run

    @guarded
    def toggler(seed):
        rnd = random.Random(seed)
        c = s.client(decode_responses=True)
        while not stop.is_set():
            op = rnd.choice([("ENABLE",), ("ENABLE", "SAMPLE", "65536"),
                             ("ENABLE", "SAMPLE", "262144"), ("DISABLE",), ("DISABLE",)])
            state = "disabled" if op[0] == "DISABLE" else "enabled"
            sent = time.monotonic()
            if SANITIZED:
                msg = kp_err(c, *op)
                if msg != NOT_AVAILABLE:
                    fail("%s -> %r" % (op, msg))
                state = "disabled"
            else:
                reply = kp(c, *op)
                if reply != "OK":
                    fail("%s -> %r" % (op, reply))
            with lock:
                toggles.append((sent, time.monotonic(), state))
                counts["toggles"] += 1
            time.sleep(rnd.uniform(0, 0.05))

    def classify(kind, args, c):
        try:
            reply = kp(c, *args)
        except redis.ResponseError as e:
            msg = str(e)
            if SANITIZED and msg == NOT_AVAILABLE:
                return
            if not SANITIZED and msg == BUSY:
                bump(kind + "_busy")
            elif not SANITIZED and msg.startswith(NOT_ACTIVE):
                bump(kind + "_not_active")        # another client just disabled sampling
            else:
                fail("%s -> %r" % (args, msg))
            return
        if SANITIZED:
            fail("%s -> %r, expected %r" % (args, reply, NOT_AVAILABLE))
        elif kind == "dump" and reply != "OK":
            fail("%s -> %r" % (args, reply))
        elif kind == "top":
            for site in sites_of(reply):
                if set(site) != {"bytes", "objects", "percent", "stack"}:
                    fail("TOP site %r" % site)
        bump(kind + "_ok")

    @guarded
    def dumper(seed):
        rnd = random.Random(seed)
        c = s.client(decode_responses=True)
        while not stop.is_set():
            x = rnd.random()
            if x < 0.5:
                classify("dump", ("DUMP",) if rnd.random() < 0.7 else ("DUMP", "sub"), c)
            elif x < 0.7:
                classify("top", ("TOP", "5"), c)
            elif SANITIZED:
                for args in (("INFO",), ("LIST",)):
                    if kp_err(c, *args) != NOT_AVAILABLE:
                        fail("%s during soak" % (args,))
            else:
                i = info(c)
                if set(i) != INFO_KEYS:
                    fail("INFO %r" % i)
                for d in listing(c):
                    if not DUMP_NAME.match(os.path.basename(d["name"])):
                        fail("LIST %r" % d)
            time.sleep(rnd.uniform(0, 0.02))

    def value_for(key, seq, size):
        head = "%s|%d|" % (key, seq)
        return head + "v" * max(0, size - len(head))

    def parse_value(key, v):
        parts = v.split("|", 2)
        if len(parts) != 3 or parts[0] != key or set(parts[2]) - {"v"}:
            return None
        return int(parts[1])

    @guarded
    def writer(w):
        rnd = random.Random(1000 + w)
        c = s.client(decode_responses=True)
        seq = 0
        while not stop.is_set():
            if rnd.random() < 0.3:                       # a pipelined burst
                p = c.pipeline(transaction=False)
                batch = []
                for _ in range(20):
                    seq += 1
                    key = "w%d:%d" % (w, rnd.randrange(400))
                    v = value_for(key, seq, rnd.choice([16, 100, 1000, 4000, 32000]))
                    p.set(key, v)
                    batch.append((key, seq, v))
                res = p.execute()
                if not all(x is True for x in res):
                    fail("pipelined SET replies %r" % res)
                with lock:
                    for key, sq, v in batch:
                        acked[key], acked_seq[key] = v, sq
                    counts["sets"] += len(batch)
            else:
                seq += 1
                key = "w%d:%d" % (w, rnd.randrange(400))
                v = value_for(key, seq, rnd.choice([16, 100, 1000, 4000]))
                if c.set(key, v) is not True:
                    fail("SET %s" % key)
                with lock:
                    acked[key], acked_seq[key] = v, seq
                    counts["sets"] += 1

    @guarded
    def reader(seed):
        rnd = random.Random(seed)
        c = s.client(decode_responses=True)
        while not stop.is_set():
            key = "w%d:%d" % (rnd.randrange(3), rnd.randrange(400))
            with lock:
                floor = acked_seq.get(key)
            v = c.get(key)
            bump("gets")
            if v is None:
                if floor is not None:
                    fail("GET %s -> nil after an acknowledged SET (seq %d)" % (key, floor))
                continue
            got = parse_value(key, v)
            if got is None:
                fail("GET %s -> corrupt value %r" % (key, v[:80]))
            elif floor is not None and got < floor:
                fail("GET %s -> seq %d older than acknowledged %d" % (key, got, floor))

    threads = ([threading.Thread(target=toggler, args=(i,)) for i in range(2)] +
               [threading.Thread(target=dumper, args=(10 + i,)) for i in range(2)] +
               [threading.Thread(target=writer, args=(i,)) for i in range(3)] +
               [threading.Thread(target=reader, args=(20 + i,)) for i in range(2)])
    for t in threads:
        t.start()
    stop.wait(SOAK_SECONDS)
    stop.set()
    for t in threads:
        t.join(120)
        assert not t.is_alive(), "a client thread hung (server stuck?)"
    summary = "counts %r" % counts
    assert not failures, "%s\n%s" % ("\n".join(failures[:20]), summary)

    # The server is alive and every acknowledged write reads back with its value.
    assert s.proc.poll() is None, s.read_log()[-4000:]
    assert r.ping()
    keys = sorted(acked)
    assert keys and counts["sets"] > 0 and counts["gets"] > 0, summary
    for i in range(0, len(keys), 200):
        chunk = keys[i:i + 200]
        got = r.mget(chunk)
        for k, v in zip(chunk, got):
            assert v == acked[k], "key %s: %r, acknowledged %r" % (k, (v or "")[:60], acked[k][:60])

    # STATUS equals the toggle that was last: one whose reply came after every other toggle had
    # been sent (concurrent last toggles: either may have been applied last).
    assert toggles, summary
    last_sent = max(t[0] for t in toggles)
    candidates = {t[2] for t in toggles if t[1] >= last_sent}
    status = kp(r, "STATUS")
    assert status in candidates, (status, candidates)
    if SANITIZED:
        assert status == "disabled"
        assert dumps_under(data_dir) == []
        return
    assert counts["dump_ok"] > 0 and counts["toggles"] > 10, summary
    # Retention held, no temporary file was left behind, every dump is complete.
    assert len(dumps_under(prof)) <= 5
    assert temp_files_under(prof) == []
    for p in dumps_under(prof):
        with open(os.path.join(prof, p)) as f:
            text = f.read()
        assert text.startswith("heap_v2/") and "MAPPED_LIBRARIES:" in text, p
    print("\nsoak %.0f s: %s" % (SOAK_SECONDS, summary))
