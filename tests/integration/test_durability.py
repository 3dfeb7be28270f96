"""Data survives restarts: SIGTERM, kill -9 in the middle of a write load, sync-writes; and
idle clients are closed after `timeout`."""
import socket
import threading
import time

import redis

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
    """Runs `step` until told to stop or the connection dies; `step` records what was acked."""

    def __init__(self, port, step):
        super().__init__(daemon=True)
        self.port = port
        self.step = step
        self.stop_flag = threading.Event()
        self.ops = 0
        self.error = None

    def run(self):
        c = redis.Redis(port=self.port, socket_timeout=30)
        try:
            while not self.stop_flag.is_set():
                self.step(c, self)
                self.ops += 1
        except (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError, OSError):
            pass  # the server was killed
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
    writers = [Writer(s.port, st) for st in steps]
    for w in writers:
        w.start()
    # Let every writer get well going, then kill the server in the middle of the load.
    wait_until(lambda: all(w.ops >= 100 for w in writers) or any(w.error for w in writers),
               timeout=60, what="writers to make progress")
    time.sleep(0.3)
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


def test_sync_writes_yes(server_factory):
    s = server_factory(extra_args=["--sync-writes", "yes"])
    c = s.client(decode_responses=True)
    assert c.config_get("sync-writes") == {"sync-writes": "yes"}
    assert "sync_writes:yes" in raw(c, "INFO", "persistence").split("\r\n")
    p = c.pipeline(transaction=False)
    for i in range(200):
        p.set("k%d" % i, i)
    assert p.execute() == [True] * 200
    assert c.incr("n") == 1
    assert c.mset({"a": "1", "b": "2"}) is True
    c.connection_pool.disconnect()
    assert s.kill9() == -9
    s.start()
    c = s.client(decode_responses=True)
    assert c.mget(["k%d" % i for i in range(200)]) == [str(i) for i in range(200)]
    assert c.get("n") == "1"
    assert c.mget("a", "b") == ["1", "2"]
    # It can be switched at run time.
    assert c.config_set("sync-writes", "no") is True
    assert c.config_get("sync-writes") == {"sync-writes": "no"}
    assert c.set("after", "switch") is True
    assert c.config_set("sync-writes", "yes") is True
    assert c.set("after2", "switch") is True
    assert c.mget("after", "after2") == ["switch", "switch"]
    c.connection_pool.disconnect()


def test_timeout_closes_idle_clients(server_factory):
    s = server_factory(extra_args=["--timeout", "1"])
    active_errors = []
    done = threading.Event()

    def keep_busy():
        try:
            with RawClient(s.port, timeout=30) as a:
                while not done.is_set():
                    assert a.call("PING") == "PONG"
                    time.sleep(0.2)
                assert a.call("PING") == "PONG"
        except Exception as e:  # pragma: no cover - reported below
            active_errors.append(e)

    busy = threading.Thread(target=keep_busy)
    busy.start()
    idle = RawClient(s.port)
    assert idle.call("PING") == "PONG"
    out = idle.read_until_closed(timeout=30)
    idle.close()
    done.set()
    busy.join(timeout=60)
    assert out == b""
    assert active_errors == []  # the client that kept talking was never closed
    # Switching the timeout off keeps idle clients.
    c = s.client(decode_responses=True)
    assert c.config_set("timeout", 0) is True
    c.connection_pool.disconnect()
    quiet = RawClient(s.port)
    assert quiet.call("PING") == "PONG"
    quiet.sock.settimeout(2.5)
    try:
        data = quiet.sock.recv(100)
        assert False, "idle client closed although timeout is 0: %r" % data
    except socket.timeout:
        pass
    assert quiet.call("PING") == "PONG"
    quiet.close()
