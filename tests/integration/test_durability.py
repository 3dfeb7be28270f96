"""Data survives restarts: SIGTERM, kill -9 in the middle of a write load, sync-writes; and
idle clients are closed after `timeout`."""
import os
import random
import resource
import signal
import socket
import struct
import subprocess
import threading
import time

import pytest
import redis

from conftest import SANITIZED
from helpers import RawClient, raw, wait_until


def test_sigterm_restart_keeps_data(server_factory):
    s = server_factory()
    c = s.client()
    binary = bytes(range(256)) * 4
    c.set(b"bin\0key", binary)
    c.set("ttl", "v", ex=1000)
    c.set("empty", "")
    c.incrby("counter", 41)
    c.incr("counter")
    c.append("app", "a")
    c.append("app", "b")
    c.setrange("range", 5, "x")
    p = c.pipeline(transaction=False)
    for i in range(1000):
        p.set("p:%d" % i, "v%d" % i)
    p.mset({"m1": "1", "m2": "2"})
    p.execute()
    c.set("deleted", "x")
    c.delete("deleted")
    c.connection_pool.disconnect()
    assert s.stop() == 0
    s.start()
    c = s.client()
    assert c.get(b"bin\0key") == binary
    assert c.get("empty") == b""
    assert c.get("counter") == b"42"
    assert c.get("app") == b"ab"
    assert c.get("range") == b"\0\0\0\0\0x"
    assert 990 <= c.ttl("ttl") <= 1000
    assert c.mget(["p:%d" % i for i in range(1000)]) == [b"v%d" % i for i in range(1000)]
    assert c.mget("m1", "m2") == [b"1", b"2"]
    assert c.exists("deleted") == 0
    assert c.dbsize() == 1000 + 8
    # And once more: a second restart after more writes.
    c.set("second", "round")
    c.connection_pool.disconnect()
    assert s.stop() == 0
    s.start()
    c = s.client()
    assert c.get("second") == b"round"
    assert c.get("counter") == b"42"
    c.connection_pool.disconnect()


class Writer(threading.Thread):
    """Runs `step` until told to stop or the server is killed (`killing` is set just before);
    `step` records what was acked. Any other error ends it with `error` set."""

    def __init__(self, port, step, killing):
        super().__init__(daemon=True)
        self.port = port
        self.step = step
        self.killing = killing
        self.stop_flag = threading.Event()
        self.ops = 0
        self.error = None

    def run(self):
        c = redis.Redis(port=self.port, socket_timeout=30)
        try:
            while not self.stop_flag.is_set():
                self.step(c, self)
                self.ops += 1
        except (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError, OSError) as e:
            if not self.killing.is_set():  # only the kill may end a writer
                self.error = e
        except Exception as e:  # an unexpected reply is a failure
            self.error = e


def test_kill9_keeps_every_acknowledged_write(server_factory):
    s = server_factory()
    acked_single = {}    # key -> value (each key written once)
    sent_single = {}
    seq_sent = {}        # key -> highest sequence number sent (keys overwritten over and over)
    seq_acked = {}       # key -> highest sequence number acknowledged
    incr_sent = {}       # counter -> number of INCRs sent
    incr_acked = {}      # counter -> highest INCR reply
    mset_acked = set()   # i of MSET a:i b:i acked
    lock = threading.Lock()

    def single_sets(tag):
        def step(c, w):
            k = "single:%s:%d" % (tag, w.ops)
            v = "value-%s-%d" % (tag, w.ops)
            with lock:
                sent_single[k] = v
            assert c.set(k, v) is True
            with lock:
                acked_single[k] = v
        return step

    def pipelined_overwrites(tag):
        def step(c, w):
            p = c.pipeline(transaction=False)
            batch = {}
            for j in range(50):
                k = "seq:%s:%d" % (tag, j % 20)
                n = w.ops * 50 + j
                batch[k] = n
                p.set(k, str(n))
            with lock:
                for k, n in batch.items():
                    seq_sent[k] = max(seq_sent.get(k, -1), n)
            assert p.execute() == [True] * 50
            with lock:
                for k, n in batch.items():
                    seq_acked[k] = max(seq_acked.get(k, -1), n)
        return step

    def incrs(tag):
        def step(c, w):
            k = "ctr:%s:%d" % (tag, w.ops % 5)
            if w.ops % 2:
                with lock:
                    incr_sent[k] = incr_sent.get(k, 0) + 1
                v = c.incr(k)
                with lock:
                    incr_acked[k] = max(incr_acked.get(k, 0), v)
            else:
                p = c.pipeline(transaction=False)
                for _ in range(10):
                    p.incr(k)
                with lock:
                    incr_sent[k] = incr_sent.get(k, 0) + 10
                vals = p.execute()
                assert vals == list(range(vals[0], vals[0] + 10))
                with lock:
                    incr_acked[k] = max(incr_acked.get(k, 0), vals[-1])
        return step

    def msets(c, w):
        i = w.ops
        v = "mv%d" % i
        assert c.mset({"ma:%d" % i: v, "mb:%d" % i: v, "mc:%d" % i: v}) is True
        with lock:
            mset_acked.add(i)

    steps = [single_sets("a"), single_sets("b"), pipelined_overwrites("p"),
             pipelined_overwrites("q"), incrs("i"), incrs("j"), msets]
    killing = threading.Event()
    writers = [Writer(s.port, st, killing) for st in steps]
    for w in writers:
        w.start()
    # Let every writer get well going, then kill the server in the middle of the load.
    wait_until(lambda: all(w.ops >= 100 for w in writers) or any(w.error for w in writers),
               timeout=60, what="writers to make progress")
    killing.set()
    assert s.kill9() == -9
    for w in writers:
        w.stop_flag.set()
        w.join(timeout=60)
        assert not w.is_alive()
    for w in writers:
        assert w.error is None, repr(w.error)

    s.start()
    c = s.client(decode_responses=True, socket_timeout=60)
    # Plain SETs: every acknowledged one is there with its value; an unacknowledged one is
    # there with its value or absent.
    keys = sorted(sent_single)
    got = dict(zip(keys, c.mget(keys)))
    for k in keys:
        if k in acked_single:
            assert got[k] == acked_single[k], k
        else:
            assert got[k] in (None, sent_single[k]), k
    assert len(acked_single) >= 200
    # Pipelined overwrites: at least the acknowledged sequence number, at most the last sent.
    for k, hi in seq_sent.items():
        v = c.get(k)
        lo = seq_acked.get(k)
        if lo is None:
            assert v is None or int(v) <= hi, k
        else:
            assert v is not None and lo <= int(v) <= hi, (k, v, lo, hi)
    # Counters: at least the highest acknowledged reply, at most the INCRs sent.
    for k, sent in incr_sent.items():
        v = int(c.get(k) or 0)
        assert incr_acked.get(k, 0) <= v <= sent, (k, v, incr_acked.get(k), sent)
    # MSET is atomic: the three keys agree; acknowledged ones are all there.
    n = max(mset_acked) + 2
    for i in range(n):
        vals = c.mget("ma:%d" % i, "mb:%d" % i, "mc:%d" % i)
        assert len(set(vals)) == 1, (i, vals)
        if i in mset_acked:
            assert vals[0] == "mv%d" % i
    c.connection_pool.disconnect()


class Model:
    """The expected state of one writer's own keys: key -> (value, has_ttl). Each operation
    computes the state after it and the reply it must get, from the state before it."""

    def __init__(self, rnd, prefix):
        self.rnd = rnd
        self.keys = ["%s:%d" % (prefix, i) for i in range(8)]
        self.state = {}

    def next_op(self, n):
        """(command args, expected reply, state after) for operation number n."""
        st = dict(self.state)
        k, k2 = self.rnd.sample(self.keys, 2)
        v = "v%d" % n
        kind = self.rnd.choice(["set", "setnx", "setget", "mset", "msetnx", "incr", "del",
                                "expire", "expire0", "persist", "rename", "getdel", "append",
                                "setrange", "incrby"])
        if kind == "set":
            st[k] = (v, False)
            return ("SET", k, v), "OK", st
        if kind == "setnx":
            if k in st:
                return ("SET", k, v, "NX"), None, st
            st[k] = (v, False)
            return ("SET", k, v, "NX"), "OK", st
        if kind == "setget":
            old = st.get(k, (None,))[0]
            st[k] = (v, False)
            return ("SET", k, v, "GET"), old, st
        if kind == "mset":
            st[k], st[k2] = (v, False), (v + "b", False)
            return ("MSET", k, v, k2, v + "b"), "OK", st
        if kind == "msetnx":
            if k in st or k2 in st:
                return ("MSETNX", k, v, k2, v), 0, st
            st[k], st[k2] = (v, False), (v, False)
            return ("MSETNX", k, v, k2, v), 1, st
        if kind in ("incr", "incrby"):
            by = 1 if kind == "incr" else self.rnd.randint(-50, 50)
            args = ("INCR", k) if kind == "incr" else ("INCRBY", k, by)
            old, ttl = st.get(k, ("0", False))
            try:
                val = int(old) + by
            except ValueError:
                return args, Error("value is not an integer or out of range"), st
            st[k] = (str(val), ttl)
            return args, val, st
        if kind == "del":
            count = (k in st) + (k2 in st)
            st.pop(k, None)
            st.pop(k2, None)
            return ("DEL", k, k2), count, st
        if kind == "expire":
            if k not in st:
                return ("EXPIRE", k, 100000), 0, st
            st[k] = (st[k][0], True)
            return ("EXPIRE", k, 100000), 1, st
        if kind == "expire0":  # a TTL in the past deletes the key
            existed = k in st
            st.pop(k, None)
            return ("PEXPIREAT", k, 1), int(existed), st
        if kind == "persist":
            had = k in st and st[k][1]
            if had:
                st[k] = (st[k][0], False)
            return ("PERSIST", k), int(had), st
        if kind == "rename":
            if k not in st:
                return ("RENAME", k, k2), Error("no such key"), st
            st[k2] = st.pop(k)
            return ("RENAME", k, k2), "OK", st
        if kind == "getdel":
            old = st.pop(k, (None,))[0]
            return ("GETDEL", k), old, st
        if kind == "append":
            old, ttl = st.get(k, ("", False))
            st[k] = (old + v, ttl)
            return ("APPEND", k, v), len(old + v), st
        # setrange
        off = self.rnd.randint(0, 12)
        old, ttl = st.get(k, ("", False))
        new = old.ljust(off, "\0")
        new = new[:off] + v + new[off + len(v):]
        st[k] = (new, ttl)
        return ("SETRANGE", k, off, v), len(new), st


class Error:
    """An expected error reply (compared by its text without the "ERR " prefix)."""

    def __init__(self, text):
        self.text = text

    def __eq__(self, other):
        return isinstance(other, redis.ResponseError) and str(other) == self.text

    def __repr__(self):
        return "Error(%r)" % self.text


class ModelWriter(threading.Thread):
    """Runs one writer's operations one at a time and checks every reply against its Model. On a
    connection error after the kill began, the operation in flight may or may not have been
    applied: `pending` is the state if it was. A connection error before the kill, or any
    unexpected reply, is recorded in `error`."""

    def __init__(self, port, seed, killing):
        super().__init__(daemon=True)
        self.port, self.killing = port, killing
        self.model = Model(random.Random(seed), "w%d" % seed)
        self.pending = None
        self.ops = 0
        self.kinds = set()
        self.error = None

    def run(self):
        c = redis.Redis(port=self.port, socket_timeout=60, decode_responses=True)
        while self.error is None:
            args, want, after = self.model.next_op(self.ops)
            self.pending = after
            try:
                got = raw(c, *args)  # no redis-py reply callbacks: the server's own reply
            except redis.ResponseError as e:
                got = e
            except (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError, OSError) as e:
                if not self.killing.is_set():
                    self.error = "connection error before the kill: %r" % e
                return
            if not (want == got if isinstance(want, Error) else got == want):
                self.error = "%r replied %r, expected %r (state %r)" % (args, got, want,
                                                                       self.model.state)
                return
            self.model.state = after
            self.pending = None
            self.kinds.add(args[0] if args[-1] not in ("NX", "GET") else args[0] + " " + args[-1])
            self.ops += 1


def read_state(c, keys):
    """key -> (value, has_ttl) as the server has it now (absent keys left out)."""
    p = c.pipeline(transaction=False)
    for k in keys:
        p.get(k)
        p.ttl(k)
    got = p.execute()
    state = {}
    for k, v, ttl in zip(keys, got[0::2], got[1::2]):
        if v is not None:
            assert ttl == -1 or ttl > 0, (k, ttl)
            state[k] = (v, ttl > 0)
    return state


def test_kill9_under_every_write_command_keeps_the_model(server_factory):
    """Writers each own a few keys and run a random mix of every write command (SET, SET NX,
    SET GET, MSET, MSETNX, INCR, INCRBY, DEL, EXPIRE, PEXPIREAT in the past, PERSIST, RENAME,
    GETDEL, APPEND, SETRANGE), one at a time, checking each reply against a model of the expected
    state. After kill -9 and a restart each writer's keys are exactly the model's state after
    its last acknowledged operation, or after the one in flight at the kill: every acknowledged
    effect is there, every acknowledged delete is still deleted, nothing else appeared."""
    s = server_factory()
    killing = threading.Event()
    writers = [ModelWriter(s.port, seed, killing) for seed in range(6)]
    for w in writers:
        w.start()
    wait_until(lambda: all(w.ops >= 300 for w in writers) or any(w.error for w in writers),
               timeout=120, what="writers to make progress")
    killing.set()
    assert s.kill9() == -9
    for w in writers:
        w.join(timeout=60)
        assert not w.is_alive()
    for w in writers:
        assert w.error is None, w.error
    # The load did exercise every command and reached both outcomes of the conditional ones.
    every = {"SET", "SET NX", "SET GET", "MSET", "MSETNX", "INCR", "INCRBY", "DEL", "EXPIRE",
             "PEXPIREAT", "PERSIST", "RENAME", "GETDEL", "APPEND", "SETRANGE"}
    assert every <= set().union(*(w.kinds for w in writers))

    s.start()
    c = s.client(decode_responses=True)
    for w in writers:
        got = read_state(c, w.model.keys)
        assert got == w.model.state or (w.pending is not None and got == w.pending), (
            "writer %s after restart: %r; acknowledged state %r; in flight %r"
            % (w.model.keys[0], got, w.model.state, w.pending))
    c.connection_pool.disconnect()


@pytest.fixture(scope="module")
def fsync_counter(tmp_path_factory):
    """Builds fsync_counter.c (an LD_PRELOAD library counting fsync/fdatasync calls) and returns
    (library path, env for the server, read()) where read() gives the calls so far."""
    d = tmp_path_factory.mktemp("fsync")
    lib = str(d / "fsync_counter.so")
    src = os.path.join(os.path.dirname(os.path.abspath(__file__)), "fsync_counter.c")
    subprocess.run(["cc", "-O2", "-shared", "-fPIC", "-o", lib, src, "-ldl"], check=True)
    counts = str(d / "counts")
    with open(counts, "wb") as f:
        f.write(b"\0" * 16)
    env = {"LD_PRELOAD": lib, "MNEMO_FSYNC_COUNTER": counts}
    if SANITIZED:  # the preloaded library comes before the ASan runtime: allowed, it only counts
        env["ASAN_OPTIONS"] = os.environ.get("ASAN_OPTIONS", "") + ":verify_asan_link_order=0"

    def read():
        with open(counts, "rb") as f:
            fsyncs, fdatasyncs = struct.unpack("<QQ", f.read(16))
        return fsyncs + fdatasyncs
    return env, read


def test_sync_writes_fsyncs_every_write_and_no_does_not(server_factory, fsync_counter):
    """Counts the server's fsync/fdatasync calls: with sync-writes yes every acknowledged write
    (each its own commit: one client, no pipelining) costs at least one; with no, a handful at
    most for the whole run; and CONFIG SET switches between the two at run time."""
    env, fsyncs = fsync_counter
    n = 100

    def syncs_for(c, prefix):
        before = fsyncs()
        for i in range(n):
            assert c.set("%s:%d" % (prefix, i), i) is True
        return fsyncs() - before

    s = server_factory(extra_args=["--sync-writes", "yes"], env=env)
    c = s.client(decode_responses=True)
    assert c.config_get("sync-writes") == {"sync-writes": "yes"}
    assert "sync_writes:yes" in raw(c, "INFO", "persistence").split("\r\n")
    assert fsyncs() > 0, "the counter sees no fsync at all: LD_PRELOAD did not take"
    assert syncs_for(c, "yes") >= n
    assert c.config_set("sync-writes", "no") is True
    assert c.config_get("sync-writes") == {"sync-writes": "no"}
    assert syncs_for(c, "no") <= n // 10
    assert c.config_set("sync-writes", "yes") is True
    assert syncs_for(c, "yes-again") >= n
    c.connection_pool.disconnect()
    assert s.stop() == 0

    s2 = server_factory(extra_args=["--sync-writes", "no"], env=env)
    c = s2.client(decode_responses=True)
    assert c.config_get("sync-writes") == {"sync-writes": "no"}
    assert syncs_for(c, "default-no") <= n // 10
    assert c.config_set("sync-writes", "yes") is True
    assert syncs_for(c, "switched-yes") >= n
    # What was written under each setting is all there after a restart.
    c.connection_pool.disconnect()
    assert s2.stop() == 0
    s2.start()
    c = s2.client(decode_responses=True)
    for prefix in ("yes", "no", "yes-again", "default-no", "switched-yes"):
        assert c.mget(["%s:%d" % (prefix, i) for i in range(n)]) == [str(i) for i in range(n)]
    c.connection_pool.disconnect()


def test_timeout_closes_idle_clients(server_factory):
    """`timeout 2`: a client silent for 2 s is closed, never sooner; one that keeps talking (a
    PING every 20 ms: only a stall of the whole machine for 2 s could starve it) is never
    closed; with `timeout 0` an idle client stays open well past the old timeout."""
    s = server_factory(extra_args=["--timeout", "2"])
    active_errors = []
    done = threading.Event()

    def keep_busy():
        try:
            with RawClient(s.port, timeout=30) as a:
                while not done.is_set():
                    assert a.call("PING") == "PONG"
                    time.sleep(0.02)
                assert a.call("PING") == "PONG"
        except Exception as e:  # pragma: no cover - reported below
            active_errors.append(e)

    busy = threading.Thread(target=keep_busy)
    busy.start()
    idle = RawClient(s.port)
    assert idle.call("PING") == "PONG"
    last_command = time.monotonic()
    out = idle.read_until_closed(timeout=30)
    assert time.monotonic() - last_command >= 2.0
    idle.close()
    done.set()
    busy.join(timeout=60)
    assert out == b""
    assert active_errors == []  # the client that kept talking was never closed
    # Switching the timeout off keeps idle clients: still open once the server's own clock is
    # 5 s past its last command (2.5 times the old timeout).
    c = s.client(decode_responses=True)
    assert c.config_set("timeout", 0) is True
    quiet = RawClient(s.port)
    assert quiet.call("PING") == "PONG"
    sec, usec = c.time()
    since = sec + usec / 1e6
    wait_until(lambda: (lambda t: t[0] + t[1] / 1e6)(c.time()) > since + 5, timeout=60,
               interval=0.2, what="5 s on the server's clock")
    quiet.sock.settimeout(0.5)
    try:
        data = quiet.sock.recv(100)
        assert False, "idle client closed although timeout is 0: %r" % data
    except socket.timeout:
        pass
    assert quiet.call("PING") == "PONG"
    quiet.close()
    c.connection_pool.disconnect()


def test_failed_group_commit_turns_every_reply_of_its_batch_into_the_error(server_factory):
    """The server runs with a file size limit (RLIMIT_FSIZE, SIGXFSZ ignored), so once the WAL
    reaches it RocksDB's write fails as on a full disk. Pipelines of SETs from several clients
    share group commits: every reply of a batch that failed is the error, none is +OK, and after
    a restart without the limit exactly the acknowledged keys are there."""
    limit = 1 << 20
    s = server_factory(start=False)

    def limit_file_size():
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # an ignored signal stays ignored in exec
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
    s.preexec_fn = limit_file_size
    s.start()
    value = "v" * 20000
    results = {}
    errors = []

    def pipeliner(tag):
        c = s.client(decode_responses=True)
        try:
            for round_ in range(8):
                p = c.pipeline(transaction=False)
                keys = ["%s:%d:%d" % (tag, round_, i) for i in range(40)]
                for k in keys:
                    p.set(k, value)
                for k, r in zip(keys, p.execute(raise_on_error=False)):
                    results[k] = r
        except Exception as e:  # noqa: BLE001 - reported below
            errors.append(e)
        finally:
            c.connection_pool.disconnect()

    # First one client alone, well under the limit: these are acknowledged.
    first = s.client(decode_responses=True)
    p = first.pipeline(transaction=False)
    for i in range(10):
        p.set("first:%d" % i, value)
    assert p.execute() == [True] * 10
    first.connection_pool.disconnect()
    results.update({"first:%d" % i: True for i in range(10)})
    # Then four at once, sharing group commits, far past it.
    threads = [threading.Thread(target=pipeliner, args=("t%d" % i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert not errors, errors
    acked = {k for k, r in results.items() if r is True}
    failed = {k: r for k, r in results.items() if r is not True}
    # The case happened: some writes were acknowledged before the limit, some failed after it.
    assert acked and failed, (len(acked), len(failed))
    texts = {str(r) for r in failed.values()}
    assert all(isinstance(r, redis.ResponseError) for r in failed.values()), texts
    assert all("+OK" not in t for t in texts)
    # A pipeline is committed in batches (one per read of the socket); once a batch failed,
    # every later reply of the client is an error too (the storage stays in its error state):
    # per client, acknowledgements form a prefix.
    for tag in ("t%d" % i for i in range(4)):
        outcome = [results["%s:%d:%d" % (tag, r_, i)] is True for r_ in range(8) for i in range(40)]
        first_error = outcome.index(False) if False in outcome else len(outcome)
        assert not any(outcome[first_error:]), "client %s acknowledged after an error" % tag
    assert all(t.startswith("storage error: IO error") for t in texts), texts
    assert int(s.client().info("stats")["total_error_replies"]) >= len(failed)
    s.preexec_fn = None
    assert s.stop() == 0
    s.start()
    c = s.client(decode_responses=True)
    keys = sorted(results)
    got = dict(zip(keys, c.mget(keys)))
    assert {k for k in keys if got[k] is not None} == acked
    assert all(got[k] == value for k in acked)
    c.connection_pool.disconnect()
