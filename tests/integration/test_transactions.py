"""MULTI / EXEC / DISCARD / WATCH / UNWATCH: replies compared byte for byte with redis-server
where they are deterministic, WATCH's abort cases (another connection's write, expiry, FLUSHDB),
a WATCH race across workers, isolation from other clients, the queue's memory and limit, and
kill -9 in the middle of EXECs under load (every EXEC all or nothing after the restart)."""
import os
import threading
import time

import pytest
import redis

from conftest import SANITIZED
from helpers import encode_command, wait_until
from redis_reference import RedisServer


class ByteClient:
    """A raw RESP2 connection that returns each reply's exact bytes."""

    def __init__(self, port):
        import socket
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=30)
        self.buf = b""

    def close(self):
        self.sock.close()

    def _need(self, n):
        while len(self.buf) < n:
            d = self.sock.recv(1 << 20)
            if not d:
                raise ConnectionError("closed")
            self.buf += d

    def _line_end(self, pos):
        while True:
            i = self.buf.find(b"\r\n", pos)
            if i >= 0:
                return i
            self._need(len(self.buf) + 1)

    def _reply_end(self, pos):
        end = self._line_end(pos)
        t, head = self.buf[pos:pos + 1], self.buf[pos + 1:end]
        pos = end + 2
        if t in b"+-:_,#(":
            return pos
        n = int(head)
        if t in b"$=!":
            if n < 0:
                return pos
            self._need(pos + n + 2)
            return pos + n + 2
        if n < 0:
            return pos
        count = n * 2 if t == b"%" else n
        for _ in range(count):
            pos = self._reply_end(pos)
        return pos

    def call(self, *args):
        self.sock.sendall(encode_command(*args))
        end = self._reply_end(0)
        out, self.buf = self.buf[:end], self.buf[end:]
        return out


@pytest.fixture(scope="module")
def ref():
    s = RedisServer()
    yield s
    s.stop()


def run_script(port, script):
    """Runs `script` (commands, or ("b", command) for a second connection) on fresh
    connections after FLUSHALL; returns every reply's bytes."""
    a, b = ByteClient(port), ByteClient(port)
    try:
        a.call("FLUSHALL")
        return [(b if c[0] == "b" else a).call(*(c[1:] if c[0] == "b" else c)) for c in script]
    finally:
        a.close()
        b.close()


SCRIPTS = {
    "queue and exec": [("MULTI",), ("SET", "a", "1"), ("INCR", "a"), ("GET", "a"), ("EXEC",)],
    "empty exec": [("MULTI",), ("EXEC",)],
    "nested multi": [("MULTI",), ("MULTI",), ("SET", "a", "1"), ("EXEC",), ("GET", "a")],
    "exec without multi": [("EXEC",)],
    "discard without multi": [("DISCARD",)],
    "discard": [("MULTI",), ("SET", "a", "1"), ("DISCARD",), ("GET", "a"), ("DISCARD",)],
    "watch inside multi": [("MULTI",), ("WATCH", "a"), ("SET", "q", "1"), ("EXEC",)],
    "arity error aborts": [("MULTI",), ("SET", "a"), ("SET", "b", "1"), ("EXEC",), ("GET", "b")],
    "unknown command aborts": [("MULTI",), ("NOSUCH", "x"), ("EXEC",)],
    "exec refused ends multi": [("MULTI",), ("SET", "a", "1"), ("EXEC", "x"), ("EXEC",),
                                ("GET", "a"), ("EXEC", "x")],
    "not allowed inside": [("MULTI",), ("SHUTDOWN",), ("EXEC",)],
    "runtime errors are replies": [("SET", "s", "x"), ("MULTI",), ("INCR", "s"), ("LPUSH", "s", "1"),
                                   ("SET", "t", "2"), ("EXEC",), ("GET", "t"), ("GET", "s")],
    "failed command keeps others": [("MULTI",), ("SET", "a", "1"), ("HSET", "a", "f", "v"),
                                    ("APPEND", "a", "2"), ("EXEC",), ("GET", "a")],
    "reads see earlier writes": [("MULTI",), ("RPUSH", "l", "a", "b"), ("LRANGE", "l", "0", "-1"),
                                 ("MSET", "m1", "1", "m2", "2"), ("MGET", "m1", "m2"),
                                 ("SETEX", "e", "100", "v"), ("GET", "e"), ("EXEC",)],
    "reset leaves multi": [("MULTI",), ("SET", "a", "1"), ("RESET",), ("EXEC",), ("GET", "a")],
    "unwatch inside multi": [("MULTI",), ("UNWATCH",), ("EXEC",)],
    "watch arity": [("WATCH",), ("UNWATCH",)],
    "watch then own write": [("WATCH", "k"), ("SET", "k", "1"), ("MULTI",), ("SET", "x", "1"),
                             ("EXEC",), ("GET", "x")],
    "watch other write": [("WATCH", "k"), ("b", "SET", "k", "1"), ("MULTI",), ("SET", "x", "1"),
                          ("EXEC",), ("GET", "x")],
    "watch other unrelated write": [("WATCH", "k"), ("b", "SET", "j", "1"), ("MULTI",),
                                    ("SET", "x", "1"), ("EXEC",)],
    "watch del of missing": [("WATCH", "k"), ("b", "DEL", "k"), ("MULTI",), ("PING",), ("EXEC",)],
    "watch rename onto": [("SET", "s", "1"), ("WATCH", "k"), ("b", "RENAME", "s", "k"),
                          ("MULTI",), ("PING",), ("EXEC",)],
    "watch rename away": [("SET", "k", "1"), ("WATCH", "k"), ("b", "RENAME", "k", "z"),
                          ("MULTI",), ("PING",), ("EXEC",)],
    "watch persist without ttl": [("SET", "k", "1"), ("WATCH", "k"), ("b", "PERSIST", "k"),
                                  ("MULTI",), ("PING",), ("EXEC",)],
    "watch expire": [("SET", "k", "1"), ("WATCH", "k"), ("b", "EXPIRE", "k", "100"),
                     ("MULTI",), ("PING",), ("EXEC",)],
    "watch flushdb existing": [("SET", "k", "1"), ("WATCH", "k"), ("b", "FLUSHDB",), ("MULTI",),
                               ("PING",), ("EXEC",)],
    "watch flushdb missing": [("WATCH", "k"), ("b", "FLUSHDB",), ("MULTI",), ("PING",),
                              ("EXEC",)],
    "watch flushall": [("SET", "k", "1"), ("WATCH", "k"), ("b", "FLUSHALL",), ("MULTI",),
                       ("PING",), ("EXEC",)],
    "unwatch forgets": [("WATCH", "k"), ("b", "SET", "k", "1"), ("UNWATCH",), ("MULTI",),
                        ("PING",), ("EXEC",)],
    "exec ends watches": [("WATCH", "k"), ("MULTI",), ("PING",), ("EXEC",), ("b", "SET", "k", "1"),
                          ("MULTI",), ("PING",), ("EXEC",)],
    "discard ends watches": [("WATCH", "k"), ("b", "SET", "k", "1"), ("MULTI",), ("DISCARD",),
                             ("MULTI",), ("PING",), ("EXEC",)],
    "flush inside exec": [("SET", "a", "1"), ("MULTI",), ("SET", "b", "2"), ("FLUSHDB",),
                          ("SET", "c", "3"), ("EXEC",), ("MGET", "a", "b", "c")],
    "numkeys forms inside exec": [("ZADD", "z1", "1", "a"), ("ZADD", "z2", "2", "b"),
                                  ("MULTI",), ("ZUNIONSTORE", "d", "2", "z1", "z2"),
                                  ("ZRANGE", "d", "0", "-1"), ("LMPOP", "1", "nolist", "LEFT"),
                                  ("ZUNIONSTORE", "d", "0", "z1"), ("EXEC",)],
    # Scripts inside the transaction: run atomically with it, their errors as elements.
    "eval inside exec": [("SET", "a", "1"), ("MULTI",),
                         ("EVAL", "return redis.call('incr', KEYS[1])", "1", "a"), ("GET", "a"),
                         ("EVAL", "return redis.call('nosuch')", "0"),
                         ("EVAL", "return redis.pcall('incr', 'l')", "0"),
                         ("EVAL", "redis.call('set', 'x', '1') error('late')", "0"),
                         ("EVAL_RO", "return redis.call('set', 'a', '2')", "0"),
                         ("EVAL_RO", "return redis.call('get', 'a')", "0"),
                         ("EVALSHA", "ffffffffffffffffffffffffffffffffffffffff", "0"),
                         ("EVAL", "return 1", "5"), ("EVAL", "syntax error", "0"),
                         ("EVAL", "return {KEYS[1], ARGV[1], redis.call('get', 'x')}", "1", "k",
                          "v"), ("EXEC",), ("MGET", "a", "x")],
    "eval arity in multi": [("MULTI",), ("EVAL", "return 1"), ("EVAL", "return 2", "0"),
                            ("EXEC",)],
    "script load inside exec": [("SCRIPT", "FLUSH"), ("MULTI",),
                                ("SCRIPT", "LOAD", "return 'loaded in multi'"),
                                ("EVALSHA", "0e76452e7282d23fb1445eb11f77fa401c0d7f1d", "0"), ("SCRIPT", "EXISTS", "0e76452e7282d23fb1445eb11f77fa401c0d7f1d"),
                                ("SCRIPT", "FLUSH"), ("SCRIPT", "EXISTS", "0e76452e7282d23fb1445eb11f77fa401c0d7f1d"),
                                ("SCRIPT", "LOAD", "syntax error"), ("EXEC",),
                                ("EVALSHA", "0e76452e7282d23fb1445eb11f77fa401c0d7f1d", "0"), ("SCRIPT", "LOAD", "return 'loaded in multi'"),
                                ("MULTI",), ("EVALSHA", "0e76452e7282d23fb1445eb11f77fa401c0d7f1d", "0"), ("EXEC",)],
    "publish inside exec": [("MULTI",), ("PUBLISH", "ch", "m"),
                            ("EVAL", "return redis.call('publish', 'ch', 'from script')", "0"),
                            ("EVAL", "return redis.call('spublish', 'sh', 'x')", "0"),
                            ("EVAL", "return redis.call('subscribe', 'ch')", "0"),
                            ("EXEC",)],
    "watch then eval": [("WATCH", "k"), ("b", "SET", "k", "1"), ("MULTI",),
                        ("EVAL", "return redis.call('set', 'y', '1')", "0"), ("EXEC",),
                        ("GET", "y")],
    "watch unchanged then eval": [("WATCH", "k"), ("MULTI",),
                                  ("EVAL", "return redis.call('incr', KEYS[1])", "1", "k"),
                                  ("EXEC",), ("GET", "k")],
    "watch a script's write": [("WATCH", "k"),
                               ("b", "EVAL", "return redis.call('set', KEYS[1], 'v')", "1", "k"),
                               ("MULTI",), ("PING",), ("EXEC",)],
    "blocking pop in a script in exec": [("RPUSH", "l", "x"), ("MULTI",),
                                         ("EVAL", "return redis.call('blpop', 'l', 'nokey', 0)",
                                          "0"),
                                         ("EVAL", "return redis.call('blpop', 'l', 0)", "0"),
                                         ("EXEC",)],
    "getkeys": [("COMMAND", "GETKEYS", "ZUNIONSTORE", "d", "2", "a", "b"),
                ("COMMAND", "GETKEYS", "ZUNIONSTORE", "d", "0", "a"),
                ("COMMAND", "GETKEYS", "LMPOP", "2", "a", "b", "LEFT"),
                ("COMMAND", "GETKEYS", "LMPOP", "x", "a", "LEFT"),
                ("COMMAND", "GETKEYS", "SORT", "a", "LIMIT", "0", "1", "STORE", "b"),
                ("COMMAND", "GETKEYS", "SINTERCARD", "1", "a", "LIMIT", "2"),
                ("COMMAND", "GETKEYS", "ZINTER", "3", "a", "b"),
                ("COMMAND", "GETKEYS", "MSET", "a", "1", "b", "2"),
                ("COMMAND", "GETKEYS", "WATCH", "a", "b"),
                ("COMMAND", "GETKEYS", "PING"),
                ("COMMAND", "GETKEYS", "NOSUCH", "a"),
                ("COMMAND", "GETKEYS", "GET")],
}


@pytest.mark.parametrize("name", sorted(SCRIPTS))
def test_script_matches_redis(sr, shared_server, ref, name):
    mine = run_script(shared_server.port, SCRIPTS[name])
    theirs = run_script(ref.port, SCRIPTS[name])
    assert mine == theirs, name


def test_resp3_null_on_abort(sr, shared_server, ref):
    script = [("HELLO", "3"), ("WATCH", "k"), ("b", "SET", "k", "1"), ("MULTI",), ("PING",),
              ("EXEC",)]
    mine, theirs = run_script(shared_server.port, script), run_script(ref.port, script)
    assert mine[-1] == theirs[-1] == b"_\r\n"


def watched_exec(port, prepare, between):
    """WATCH k after `prepare`, run `between`, then MULTI/SET x/EXEC: the EXEC reply bytes."""
    a = ByteClient(port)
    other = redis.Redis(port=port, socket_timeout=30)
    try:
        a.call("FLUSHALL")
        prepare(other)
        a.call("WATCH", "k")
        between(other)
        a.call("MULTI")
        a.call("SET", "x", "1")
        return a.call("EXEC")
    finally:
        a.close()
        other.close()


def test_watch_aborts_when_ttl_passes(sr, shared_server, ref):
    def prepare(c):
        c.set("k", "v", px=300)

    def between(c):  # until the key is logically gone (the active expiry may not have run)
        wait_until(lambda: c.exists("k") == 0, what="k expired")

    for port in (shared_server.port, ref.port):
        assert watched_exec(port, prepare, between) == b"*-1\r\n"


def test_watch_aborts_when_active_expiry_deletes(sr, shared_server):
    def prepare(c):
        c.set("k", "v", px=200)

    def between(c):  # the record itself gone: the active expiry removed it
        wait_until(lambda: c.dbsize() == 0, timeout=60, what="active expiry")

    assert watched_exec(shared_server.port, prepare, between) == b"*-1\r\n"


def test_watching_an_already_expired_key(sr, shared_server, ref):
    """Redis 7.0: a key already expired at WATCH whose removal follows is no change; a new
    value is one."""
    def prepare(c):
        c.set("k", "v", px=100)
        wait_until(lambda: c.exists("k") == 0, what="k expired")

    def removed(c):
        wait_until(lambda: c.dbsize() == 0, timeout=60, what="active expiry")

    for port in (shared_server.port, ref.port):
        assert watched_exec(port, prepare, removed) == b"*1\r\n+OK\r\n"
        assert watched_exec(port, prepare, lambda c: c.set("k", "new")) == b"*-1\r\n"


def test_watch_sees_a_write_from_another_worker(server_factory):
    s = server_factory(extra_args=["--workers", "4"])
    # Connections spread over the workers; many pairs make a pair on two workers certain.
    for i in range(8):
        a, b = s.client(), s.client()
        a_id, b_id = a.client_id(), b.client_id()
        assert a_id != b_id
        p = a.pipeline(transaction=True)
        p.watch("k%d" % i)
        b.set("k%d" % i, "changed")
        p.multi()
        p.set("x", "1")
        with pytest.raises(redis.WatchError):
            p.execute()
        a.close()
        b.close()


def test_watch_race_counts_exactly(server_factory):
    """Clients on several workers increment one counter with WATCH/GET/MULTI/SET/EXEC retry
    loops: the final value is the number of EXECs that succeeded."""
    s = server_factory(extra_args=["--workers", "4"])
    s.client().set("counter", "0")
    clients, rounds = 8, 40 if SANITIZED else 100
    won = [0] * clients
    errors = []

    def run(i):
        c = s.client()
        try:
            for _ in range(rounds):
                with c.pipeline(transaction=True) as p:
                    while True:
                        try:
                            p.watch("counter")
                            v = int(p.get("counter"))
                            p.multi()
                            p.set("counter", str(v + 1))
                            p.execute()
                            won[i] += 1
                            break
                        except redis.WatchError:
                            continue
        except Exception as e:  # noqa: BLE001 - reported below
            errors.append(repr(e))
        finally:
            c.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert sum(won) == clients * rounds
    assert int(s.client().get("counter")) == sum(won)


def test_other_clients_never_see_a_part(server_factory):
    """A writer's EXECs set 10 keys to one generation; readers reading them inside their own
    MULTI/EXEC always find one generation."""
    s = server_factory(extra_args=["--workers", "3"])
    keys = ["g:%d" % i for i in range(10)]
    s.client().mset({k: "0" for k in keys})
    stop = threading.Event()
    bad = []

    def write():
        c = s.client()
        gen = 0
        while not stop.is_set():
            gen += 1
            p = c.pipeline(transaction=True)
            for k in keys:
                p.set(k, str(gen))
            p.execute()
        c.close()

    def read():
        c = s.client()
        for _ in range(150 if SANITIZED else 400):
            p = c.pipeline(transaction=True)
            for k in keys:
                p.get(k)
            values = p.execute()
            if len(set(values)) != 1:
                bad.append(values)
        c.close()

    w = threading.Thread(target=write)
    readers = [threading.Thread(target=read) for _ in range(2)]
    w.start()
    for t in readers:
        t.start()
    for t in readers:
        t.join()
    stop.set()
    w.join()
    assert not bad, bad[:3]


def test_kill9_during_execs_leaves_each_all_or_nothing(server_factory):
    s = server_factory(extra_args=["--workers", "2"])
    writers, group = 4, 10
    stop = threading.Event()
    done = [0] * writers

    def write(w):
        c = s.client(socket_timeout=10)
        gen = 0
        try:
            while not stop.is_set():
                gen += 1
                p = c.pipeline(transaction=True)
                for i in range(group):
                    p.set("w%d:%d" % (w, i), "%d:%s" % (gen, "x" * (i * 50)))
                p.execute()
                done[w] = gen
        except (redis.ConnectionError, redis.TimeoutError):
            pass
        finally:
            c.close()

    threads = [threading.Thread(target=write, args=(w,)) for w in range(writers)]
    for t in threads:
        t.start()
    wait_until(lambda: min(done) >= 20, timeout=120, what="EXECs under way")
    s.kill9()
    stop.set()
    for t in threads:
        t.join()
    s.start()
    c = s.client(decode_responses=True)
    for w in range(writers):
        values = c.mget(["w%d:%d" % (w, i) for i in range(group)])
        gens = {v.split(":")[0] if v is not None else None for v in values}
        assert len(gens) == 1, (w, values)
        # Every acknowledged EXEC survived (the WAL is written before the reply).
        assert int(gens.pop()) >= done[w]


def test_client_list_shows_the_queue(sr):
    c = sr
    other = redis.Redis(port=c.connection_pool.connection_kwargs["port"], decode_responses=True)
    try:
        conn = other.connection_pool.get_connection("MULTI")
        conn.send_command("MULTI")
        assert conn.read_response() == "OK"
        conn.send_command("SET", "k", "v" * 10000)
        assert conn.read_response() == "QUEUED"
        me = [e for e in c.client_list() if e["multi"] != "-1"]
        assert len(me) == 1
        assert me[0]["multi"] == "1" and "x" in me[0]["flags"]
        assert int(me[0]["multi-mem"]) >= 10000
        assert int(me[0]["tot-mem"]) >= 10000
        conn.send_command("DISCARD")
        assert conn.read_response() == "OK"
        mine = [e for e in c.client_list() if e["id"] != str(c.client_id())]
        assert mine[0]["multi"] == "-1" and mine[0]["multi-mem"] == "0"
        other.connection_pool.release(conn)
    finally:
        other.close()


def test_queue_beyond_query_buffer_limit_aborts(sr):
    sr.config_set("client-query-buffer-limit", 1 << 20)
    try:
        a = ByteClient(sr.connection_pool.connection_kwargs["port"])
        assert a.call("MULTI") == b"+OK\r\n"
        big = "v" * (200 << 10)
        replies = [a.call("SET", "k%d" % i, big) for i in range(8)]
        assert replies[0] == b"+QUEUED\r\n"
        err = b"-ERR Transaction discarded: the queued commands exceed " \
              b"'client-query-buffer-limit'\r\n"
        assert replies[-1] == err
        assert a.call("EXEC") == b"-EXECABORT Transaction discarded because of previous errors.\r\n"
        assert sr.dbsize() == 0
        assert a.call("PING") == b"+PONG\r\n"
        a.close()
    finally:
        sr.config_set("client-query-buffer-limit", 1 << 30)


def test_scripts_in_transactions_under_concurrency_count_exactly(server_factory):
    """Clients on several workers run EXECs holding scripts, plain scripts and plain EXECs on the
    same counters at once: nothing deadlocks and every increment is counted exactly once."""
    s = server_factory(extra_args=["--workers", "4"])
    rounds = 20 if SANITIZED else 60
    incr = "return redis.call('incrby', KEYS[1], ARGV[1])"
    errors = []

    def work(kind):
        c = s.client()
        try:
            for _ in range(rounds):
                if kind == "exec+eval":
                    p = c.pipeline(transaction=True)
                    p.eval(incr, 1, "n1", 1)
                    p.incr("n2")
                    p.eval("redis.call('incr', 'n1') return redis.call('incr', KEYS[1])", 1, "n2")
                    assert p.execute()[0] >= 1
                elif kind == "eval":
                    c.eval("redis.call('incr', KEYS[1]) return redis.call('incr', KEYS[2])", 2,
                           "n2", "n1")
                else:
                    p = c.pipeline(transaction=True)
                    p.incr("n1")
                    p.incr("n2")
                    p.execute()
        except Exception as e:  # reported below: a thread's assertion would be lost
            errors.append(repr(e))

    threads = [threading.Thread(target=work, args=(k,))
               for k in ("exec+eval", "exec+eval", "eval", "exec", "eval")]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=300)
    assert not any(t.is_alive() for t in threads), "a client is stuck"
    assert errors == []
    c = s.client()
    # exec+eval: n1 +2, n2 +2 each; eval: +1 each; exec: +1 each.
    assert int(c.get("n1")) == rounds * (2 * 2 + 2 * 1 + 1)
    assert int(c.get("n2")) == rounds * (2 * 2 + 2 * 1 + 1)


def test_script_in_exec_is_killed_as_one_command(server_factory):
    """A busy script inside EXEC runs on the EXEC's worker: clients of other workers get -BUSY
    and SCRIPT KILL stops it; its writes are rolled back and its error is EXEC's element, while
    the transaction's other writes stand."""
    import socket
    s = server_factory(extra_args=["--workers", "2"])
    s.client().config_set("busy-reply-threshold", "100")
    victim = ByteClient(s.port)
    others = []
    try:
        for cmd in (("MULTI",), ("SET", "before", "1"),
                    ("EVAL", "redis.call('set', 'inside', '1') while true do end", "0"),
                    ("SET", "after", "1")):
            victim.call(*cmd)
        victim.sock.sendall(encode_command("EXEC"))
        found = []

        def probe():
            # A new connection each time, until one lands on the other worker (a client of the
            # EXEC's worker waits for the EXEC and is left aside).
            o = ByteClient(s.port)
            others.append(o)
            o.sock.settimeout(1)
            try:
                r = o.call("PING")
            except socket.timeout:
                return False
            if r.startswith(b"-BUSY"):
                o.sock.settimeout(30)
                found.append(o)
                return True
            return False

        wait_until(probe, timeout=120, what="-BUSY on another worker")
        assert found[0].call("SCRIPT", "KILL") == b"+OK\r\n"
        end = victim._reply_end(0)
        reply = victim.buf[:end]
        assert reply.startswith(b"*3\r\n+OK\r\n-ERR Script killed by user with SCRIPT KILL...")
        assert reply.endswith(b"\r\n+OK\r\n")
        c = s.client()
        assert c.mget("before", "inside", "after") == [b"1", None, b"1"]
    finally:
        victim.close()
        for o in others:
            o.close()


def test_multi_queue_counts_in_the_namespace_client_quota(server_factory):
    """The MULTI queue is part of client_bytes (as CLIENT LIST's multi-mem), and a namespace over
    its client quota closes the client whose queue holds the memory, not the idle ones."""
    s = server_factory(extra_args=["--requirepass", "root"])
    admin = s.client(password="root", decode_responses=True)
    assert admin.execute_command("NAMESPACE", "ADD", "qns", "tq") == "OK"

    def usage():
        r = admin.execute_command("NAMESPACE", "USAGE", "qns")
        return dict(zip(r[::2], r[1::2]))

    idle = s.client(password="tq", decode_responses=True)
    assert idle.ping()
    q = ByteClient(s.port)
    assert q.call("AUTH", "tq") == b"+OK\r\n"
    assert q.call("MULTI") == b"+OK\r\n"
    value = "v" * 60000  # under the 64 KiB a request may carry while the namespace is over
    for i in range(20):
        assert q.call("SET", "k%d" % i, value) == b"+QUEUED\r\n"
    line = [ln for ln in admin.execute_command("CLIENT", "LIST").splitlines() if "multi=20" in ln]
    multi_mem = int(line[0].split("multi-mem=")[1].split()[0])
    assert multi_mem >= 20 * 60000
    wait_until(lambda: usage()["client_bytes"] >= multi_mem, what="the queue in client_bytes")
    assert admin.execute_command("NAMESPACE", "QUOTA", "qns", "CLIENTS", "1mb") == "OK"
    wait_until(lambda: usage()["clients_closed"] == 1, timeout=60, what="the queue's client closed")
    with pytest.raises((ConnectionError, OSError)):
        q.call("EXEC")
    q.close()
    assert idle.ping()  # the idle client of the namespace survives
    assert usage()["client_bytes"] < multi_mem
    assert admin.dbsize() == 0


def test_deferred_command_inside_exec_answers_an_error(sr):
    p = sr.pipeline(transaction=True)
    p.set("a", "1")
    p.execute_command("CLIENT", "LIST")
    p.get("a")
    out = p.execute(raise_on_error=False)
    assert out[0] is True and out[2] == "1"
    assert isinstance(out[1], redis.ResponseError)
    assert "inside MULTI/EXEC" in str(out[1])


def test_memory_gate_in_multi_and_exec(server_factory, ref):
    """At the full memory level (a limit below what is in use) a command to queue is refused
    (reads too, as Redis: the queue would grow), and an EXEC of a queued write is aborted."""
    s = server_factory()
    if SANITIZED:  # no allocator figure in this build: no limit is enforced, EXEC runs
        c = s.client()
        c.config_set("maxmemory", "1mb")
        p = c.pipeline(transaction=True)
        p.set("a", "1")
        p.get("a")
        assert p.execute() == [True, b"1"]
        return

    def script(port, fill, unfill):
        a = ByteClient(port)
        other = redis.Redis(port=port, socket_timeout=30)
        try:
            out = [a.call("MULTI"), a.call("SET", "a", "1"), a.call("GET", "a")]
            fill(other)
            out += [a.call("EXEC"), a.call("MULTI"), a.call("GET", "a"), a.call("EXEC"),
                    a.call("DISCARD")]
            unfill(other)
            return out
        finally:
            a.close()
            other.close()

    def mnemo_fill(c):
        c.config_set("maxmemory", "1mb")
        wait_until(lambda: c.info("governor")["memory_level"] == "full", timeout=30,
                   what="memory level full")

    def mnemo_unfill(c):
        c.config_set("maxmemory", "0")

    mine = script(s.port, mnemo_fill, mnemo_unfill)
    theirs = script(ref.port, lambda c: c.config_set("maxmemory", "1"),
                    lambda c: c.config_set("maxmemory", "0"))
    assert mine == theirs
    assert mine[3].startswith(b"-EXECABORT Transaction discarded because of: OOM ")
