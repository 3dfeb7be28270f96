"""Blocking commands (BLPOP, BRPOP, BLMOVE, BRPOPLPUSH, BLMPOP, BZPOPMIN, BZPOPMAX, BZMPOP) and
CLIENT UNBLOCK.

Scripted scenarios run on Mnemo and on redis-server 7.0 with their exact reply bytes compared, in
RESP2 and RESP3: errors, immediate pops, timeouts, wake-ups by every kind of write, the order in
which several waiters are served, CLIENT UNBLOCK. Mnemo alone: blocked_clients and CLIENT LIST's
flag, a real timeout, a disconnect that leaves the next element to others, and many producers and
consumers over several workers with every element delivered exactly once.

Nothing waits on a fixed sleep: a scenario waits until the server reports the client blocked
(INFO blocked_clients), and a client that must stay blocked is checked after a later command
of another client has been answered (serving happens inside the writer's command)."""
import collections
import threading
import time

import pytest
import redis

from helpers import RawClient, encode_command, wait_until
from redis_reference import RedisServer
from resp3_client import Resp3Client


@pytest.fixture(scope="module")
def ref_server():
    s = RedisServer()
    yield s
    s.stop()


@pytest.fixture
def ref_port(ref_server):
    c = ref_server.client()
    c.flushall()
    c.close()
    return ref_server.port


@pytest.fixture
def mine_port(sr, shared_server):
    return shared_server.port


def blocked(port):
    c = redis.Redis(port=port, socket_timeout=20)
    try:
        return int(c.info("clients")["blocked_clients"])
    finally:
        c.close()


def is_blocked(port, client_id):
    c = redis.Redis(port=port, socket_timeout=20, decode_responses=True)
    try:
        for line in c.execute_command("CLIENT", "LIST").splitlines():
            fields = dict(f.split("=", 1) for f in line.split() if "=" in f)
            if fields.get("id") == str(client_id):
                return "b" in fields.get("flags", "")
        return False
    finally:
        c.close()


def wait_blocked(port, n):
    wait_until(lambda: blocked(port) == n, timeout=30, what="%d blocked clients" % n)


class Scenario:
    """Clients of one server, each a raw connection; every reply is kept as its exact bytes."""

    def __init__(self, port, resp):
        self.port = port
        self.resp = resp
        self.clients = {}
        self.ids = {}  # name -> CLIENT ID, for block()
        self.replies = []

    def client(self, name):
        if name not in self.clients:
            c = Resp3Client(self.port)
            if self.resp == 3:
                c.call("HELLO", "3")
            self.clients[name] = c
        return self.clients[name]

    def call(self, name, *args):
        self.replies.append((name, args, self.client(name).call_raw(*args)))

    def send(self, name, *args):
        """Sends a blocking command without reading its reply (read with `read`)."""
        self.client(name).sock.sendall(encode_command(*args))

    def read(self, name):
        self.replies.append((name, "read", self.client(name).read()[1]))

    def block(self, name, n, *args):
        """Sends a blocking command and waits until the server counts `n` blocked clients, this
        one among them (CLIENT LIST's flag b on its id: a count alone can be met by a client of
        an earlier step whose unblocking the server has not finished yet)."""
        if name not in self.ids:
            self.ids[name] = self.client(name).call("CLIENT", "ID")[1]  # not a compared reply
        self.send(name, *args)
        wait_until(lambda: blocked(self.port) == n and is_blocked(self.port, self.ids[name]),
                   timeout=30, what="client %s blocked, %d in all" % (name, n))

    def close(self):
        for c in self.clients.values():
            c.close()


def compare(ref_port, mine_port, script):
    for resp in (2, 3):
        got = {}
        for which, port in (("redis", ref_port), ("mnemo", mine_port)):
            c = redis.Redis(port=port)
            c.flushall()
            c.close()
            s = Scenario(port, resp)
            try:
                script(s)
            finally:
                s.close()
            got[which] = s.replies
            wait_blocked(port, 0)
        for a, b in zip(got["redis"], got["mnemo"]):  # the commands may differ in client ids
            assert (a[0], a[2]) == (b[0], b[2]), "RESP%d: redis %r, mnemo %r" % (resp, a, b)
        assert len(got["redis"]) == len(got["mnemo"])


def test_errors_match_redis(ref_port, mine_port):
    def script(s):
        for t in ("-1", "abc", "inf", "-inf", "1e30", " 1", "1x", "", "nan", "-0.01", "0x"):
            s.call("a", "BLPOP", "k", t)
        s.call("a", "BRPOP", "k", "-1")
        s.call("a", "BZPOPMIN", "k", "x")
        s.call("a", "BZPOPMAX", "k", "-2")
        s.call("a", "BLMOVE", "a", "b", "UP", "LEFT", "0")
        s.call("a", "BLMOVE", "a", "b", "LEFT", "DOWN", "0")
        s.call("a", "BLMOVE", "a", "b", "LEFT", "LEFT", "x")
        s.call("a", "BRPOPLPUSH", "a", "b", "-1")
        for args in (("0", "0", "k", "LEFT"), ("0", "1", "k", "UP"), ("x", "1", "k", "LEFT"),
                     ("0", "2", "k", "LEFT"), ("0", "1", "k", "LEFT", "COUNT", "0"),
                     ("0", "1", "k", "LEFT", "COUNT"), ("-1", "1", "k", "LEFT"),
                     ("0", "x", "k", "LEFT"), ("0", "1", "k", "LEFT", "COUNT", "1", "COUNT", "1")):
            s.call("a", "BLMPOP", *args)
        for args in (("0", "0", "k", "MIN"), ("0", "1", "k", "MID"), ("x", "1", "k", "MIN"),
                     ("0", "1", "k", "MAX", "COUNT", "-1"), ("-1", "1", "k", "MIN")):
            s.call("a", "BZMPOP", *args)
        s.call("a", "BLPOP", "k")
        s.call("a", "BLMPOP", "0", "1", "k")
        s.call("a", "BLMOVE", "a", "b", "LEFT", "LEFT")
        # Wrong types, answered at once.
        s.call("a", "SET", "s", "x")
        s.call("a", "BLPOP", "nokey", "s", "0")
        s.call("a", "BZPOPMIN", "s", "0")
        s.call("a", "BZMPOP", "0", "2", "nokey", "s", "MIN")
        s.call("a", "BLMPOP", "0", "1", "s", "LEFT")
        s.call("a", "BLMOVE", "s", "d", "LEFT", "LEFT", "0")
        s.call("a", "RPUSH", "l", "v")
        s.call("a", "BLMOVE", "l", "s", "LEFT", "LEFT", "0")
        s.call("a", "ZADD", "z", "1", "m")
        s.call("a", "BLPOP", "z", "0")
        # CLIENT UNBLOCK's own errors.
        s.call("a", "CLIENT", "UNBLOCK", "abc")
        s.call("a", "CLIENT", "UNBLOCK", "5", "foo")
        s.call("a", "CLIENT", "UNBLOCK", "abc", "foo")
        s.call("a", "CLIENT", "UNBLOCK", "5", "timeout", "x")
        s.call("a", "CLIENT", "UNBLOCK", "99999")
        s.call("a", "CLIENT", "UNBLOCK", "-1", "ERROR")
    compare(ref_port, mine_port, script)


def test_immediate_pops_and_timeouts_match_redis(ref_port, mine_port):
    def script(s):
        s.call("a", "RPUSH", "l", "a", "b", "c", "d", "e")
        s.call("a", "BLPOP", "nokey", "l", "0")
        s.call("a", "BRPOP", "l", "nokey", "0")
        s.call("a", "BLMPOP", "0", "2", "nokey", "l", "RIGHT", "COUNT", "2")
        s.call("a", "BLMOVE", "l", "l2", "LEFT", "RIGHT", "0")
        s.call("a", "BRPOPLPUSH", "l2", "l3", "0")
        s.call("a", "BLMPOP", "0", "1", "l3", "LEFT", "COUNT", "5")
        s.call("a", "EXISTS", "l", "l2", "l3")
        s.call("a", "ZADD", "z", "1.5", "a", "2", "b", "3", "c", "-1e100", "d")
        s.call("a", "BZPOPMIN", "nokey", "z", "0")
        s.call("a", "BZPOPMAX", "z", "0")
        s.call("a", "BZMPOP", "0", "2", "nokey", "z", "MIN", "COUNT", "10")
        s.call("a", "EXISTS", "z")
        # Timeouts: a null of the command's kind.
        s.call("a", "BLPOP", "nokey", "0.01")
        s.call("a", "BRPOP", "nokey", "nokey2", "0.01")
        s.call("a", "BLMOVE", "nokey", "d", "LEFT", "LEFT", "0.01")
        s.call("a", "BRPOPLPUSH", "nokey", "d", "0.01")
        s.call("a", "BLMPOP", "0.01", "1", "nokey", "LEFT")
        s.call("a", "BZPOPMIN", "nokey", "0.01")
        s.call("a", "BZMPOP", "0.01", "1", "nokey", "MAX", "COUNT", "3")
        s.call("a", "EXISTS", "d")
    compare(ref_port, mine_port, script)


def test_inside_multi_blocking_pops_do_not_block_as_in_redis(ref_port, mine_port):
    def script(s):
        s.call("a", "RPUSH", "l", "x")
        s.call("a", "MULTI")
        s.call("a", "BLPOP", "nokey", "0")  # forever outside MULTI: at once inside
        s.call("a", "BLPOP", "l", "0")
        s.call("a", "BZPOPMIN", "nokey", "0")
        s.call("a", "BLMOVE", "nokey", "d", "LEFT", "LEFT", "0")
        s.call("a", "BLMPOP", "0", "1", "nokey", "LEFT")
        s.call("a", "EXEC")
        s.call("a", "PING")
    compare(ref_port, mine_port, script)


def test_wakeups_match_redis(ref_port, mine_port):
    def script(s):
        s.block("a", 1, "BLPOP", "k1", "k2", "0")
        s.call("b", "RPUSH", "k2", "x", "y")
        s.read("a")
        s.call("b", "LRANGE", "k2", "0", "-1")
        s.block("a", 1, "BRPOP", "k3", "0")
        s.call("b", "LPUSH", "k3", "p", "q", "r")
        s.read("a")
        s.block("a", 1, "BLMPOP", "0", "2", "m1", "m2", "LEFT", "COUNT", "2")
        s.call("b", "RPUSH", "m2", "1", "2", "3")
        s.read("a")
        s.block("a", 1, "BLMOVE", "src", "dst", "RIGHT", "LEFT", "0")
        s.call("b", "RPUSH", "src", "s1", "s2")
        s.read("a")
        s.call("b", "LRANGE", "dst", "0", "-1")
        s.call("b", "LRANGE", "src", "0", "-1")
        s.block("a", 1, "BZPOPMIN", "z1", "z2", "0")
        s.call("b", "ZADD", "z2", "5", "five", "4", "four")
        s.read("a")
        s.block("a", 1, "BZMPOP", "0", "1", "z3", "MAX", "COUNT", "5")
        s.call("b", "ZADD", "z3", "1", "one", "2", "two")
        s.read("a")
        s.block("a", 1, "BZPOPMAX", "z4", "0")
        s.call("b", "ZINCRBY", "z4", "2.5", "m")
        s.read("a")
        # Writes other than pushes that fill a waited key.
        s.block("a", 1, "BLPOP", "r", "0")
        s.call("b", "RPUSH", "tmp", "renamed")
        s.call("b", "RENAME", "tmp", "r")
        s.read("a")
        s.block("a", 1, "BLPOP", "mv", "0")
        s.call("b", "RPUSH", "from", "moved")
        s.call("b", "LMOVE", "from", "mv", "LEFT", "LEFT")
        s.read("a")
        s.block("a", 1, "BZPOPMIN", "u", "0")
        s.call("b", "ZADD", "t", "1", "a", "2", "b")
        s.call("b", "ZUNIONSTORE", "u", "1", "t")
        s.read("a")
        s.call("b", "ZRANGE", "u", "0", "-1", "WITHSCORES")
        s.block("a", 1, "BLPOP", "ins", "0")
        s.call("b", "RPUSH", "other", "c1")
        s.call("b", "COPY", "other", "ins")
        s.read("a")
        # A chain: the BLMOVE served by the push fills the key the BLPOP waits on.
        s.block("a", 1, "BLPOP", "d", "0")
        s.block("c", 2, "BLMOVE", "s", "d", "LEFT", "RIGHT", "0")
        s.call("b", "RPUSH", "s", "chained")
        s.read("c")
        s.read("a")
        s.call("b", "EXISTS", "s", "d")
    compare(ref_port, mine_port, script)


def test_order_and_one_waiter_per_element_match_redis(ref_port, mine_port):
    def script(s):
        for i, name in enumerate(("w1", "w2", "w3")):
            s.block(name, i + 1, "BLPOP", "q", "0")
        s.call("b", "RPUSH", "q", "e1")  # one element: the first waiter only
        s.read("w1")
        s.call("b", "RPUSH", "q", "e2", "e3", "e4")
        s.read("w2")
        s.read("w3")
        s.call("b", "LRANGE", "q", "0", "-1")
        # A key of another type leaves the waiter blocked; the right type serves it.
        s.block("a", 1, "BZPOPMIN", "k", "0")
        s.call("b", "RPUSH", "k", "x")
        s.call("b", "DEL", "k")
        s.call("b", "ZADD", "k", "7", "m")
        s.read("a")
        s.block("a", 1, "BLMOVE", "src", "dst", "LEFT", "LEFT", "0")
        s.call("b", "SET", "dst", "string")
        s.call("b", "RPUSH", "src", "v")  # the destination's WRONGTYPE is the waiter's reply
        s.read("a")
        s.call("b", "LRANGE", "src", "0", "-1")
    compare(ref_port, mine_port, script)


def test_client_unblock_matches_redis(ref_port, mine_port):
    def script(s):
        ids = {}
        for name in ("a", "b"):
            ids[name] = s.client(name).call("CLIENT", "ID")[1]  # not compared: ids differ
        s.block("a", 1, "BLPOP", "k", "0")
        s.call("b", "CLIENT", "UNBLOCK", str(ids["a"]))
        s.read("a")
        s.block("a", 1, "BZMPOP", "0", "1", "k", "MIN")
        s.call("b", "CLIENT", "UNBLOCK", str(ids["a"]), "TIMEOUT")
        s.read("a")
        s.block("a", 1, "BLMOVE", "k", "d", "LEFT", "LEFT", "0")
        s.call("b", "CLIENT", "UNBLOCK", str(ids["a"]), "ERROR")
        s.read("a")
        # A timeout is rounded up to whole milliseconds: 0.0001 waits 1 ms and times out, while
        # -0.0001 rounds up to 0, forever, as is a timeout of centuries; both end by CLIENT UNBLOCK.
        s.call("a", "BLPOP", "k", "0.0001")
        for t in ("-0.0001", "9.2233e15"):
            s.block("a", 1, "BLPOP", "k", t)
            s.call("b", "CLIENT", "UNBLOCK", str(ids["a"]))
            s.read("a")
        s.call("b", "CLIENT", "UNBLOCK", str(ids["a"]))  # not blocked: 0
        s.call("a", "PING")  # the unblocked client goes on
        s.call("b", "RPUSH", "k", "later")
        s.call("b", "LRANGE", "k", "0", "-1")
    compare(ref_port, mine_port, script)


# --- Mnemo alone ---


def test_blocked_clients_and_client_list_flag(sr, shared_server):
    port = shared_server.port
    with Resp3Client(port) as a:
        assert blocked(port) == 0
        a_id = a.call("CLIENT", "ID")[1]
        a.sock.sendall(encode_command("BLPOP", "q", "0"))
        wait_blocked(port, 1)
        lines = {int(l.split()[0][3:]): l for l in sr.execute_command("CLIENT", "LIST").splitlines()}
        assert " flags=b " in lines[a_id]
        assert " flags=N " in [l for i, l in lines.items() if i != a_id][0]
        assert sr.rpush("q", "x") == 1
        assert a.read()[0] == ("array", [("bulk", b"q"), ("bulk", b"x")])
        assert blocked(port) == 0
        assert sr.llen("q") == 0


def test_timeout_really_times_out(sr, shared_server):
    c = shared_server.client(socket_timeout=30)
    start = time.monotonic()
    assert c.blpop(["nothing"], timeout=0.1) is None
    assert time.monotonic() - start >= 0.1
    start = time.monotonic()
    assert c.execute_command("BZPOPMIN", "nothing", "0.1") is None
    assert time.monotonic() - start >= 0.1
    assert blocked(shared_server.port) == 0
    c.close()


def test_disconnect_leaves_the_element_to_others(sr, shared_server):
    port = shared_server.port
    gone = Resp3Client(port)
    gone.sock.sendall(encode_command("BLPOP", "q", "0"))
    wait_blocked(port, 1)
    gone.close()
    wait_blocked(port, 0)
    assert sr.rpush("q", "kept") == 1
    assert sr.lrange("q", 0, -1) == ["kept"]
    # A second waiter behind one that leaves gets the element.
    first, second = Resp3Client(port), Resp3Client(port)
    first.sock.sendall(encode_command("BLPOP", "q2", "0"))
    wait_blocked(port, 1)
    second.sock.sendall(encode_command("BLPOP", "q2", "0"))
    wait_blocked(port, 2)
    first.close()
    wait_blocked(port, 1)
    assert sr.rpush("q2", "v") == 1
    assert second.read()[0] == ("array", [("bulk", b"q2"), ("bulk", b"v")])
    second.close()


def test_client_kill_ends_a_wait(sr, shared_server):
    port = shared_server.port
    with Resp3Client(port) as a:
        a_id = a.call("CLIENT", "ID")[1]
        a.sock.sendall(encode_command("BLPOP", "q", "0"))
        wait_blocked(port, 1)
        assert sr.execute_command("CLIENT", "KILL", "ID", str(a_id)) == 1
        wait_blocked(port, 0)
    assert sr.rpush("q", "v") == 1
    assert sr.llen("q") == 1


def run_all(threads):
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=300)
        assert not t.is_alive(), "a client thread did not finish"


@pytest.mark.parametrize("kind", ["list", "zset"])
def test_many_producers_and_consumers_across_workers(server_factory, kind):
    """Every element pushed is delivered to exactly one consumer, whatever worker each side is
    on: the multiset received equals the multiset pushed, and nothing is left."""
    s = server_factory(["--workers", "4"])
    producers, consumers, per_producer = 4, 6, 300
    keys = ["q0", "q1", "q2"]
    received = [[] for _ in range(consumers)]
    errors = []
    total = producers * per_producer
    done = threading.Event()
    taken = collections.Counter()
    lock = threading.Lock()

    def consume(i):
        c = s.client(socket_timeout=60)
        try:
            while not done.is_set():
                if kind == "list":
                    r = c.execute_command("BLPOP" if i % 2 else "BRPOP", *keys, "1")
                    item = r[1].decode() if r else None
                else:
                    r = c.execute_command("BZPOPMIN" if i % 2 else "BZPOPMAX", *keys, "1")
                    item = r[1].decode() if r else None
                if item is None:
                    continue
                received[i].append(item)
                with lock:
                    taken["n"] += 1
                    if taken["n"] == total:
                        done.set()
        except Exception as e:  # noqa: B902 - reported below
            errors.append(e)
            done.set()
        finally:
            c.close()

    def produce(p):
        c = s.client(socket_timeout=60)
        try:
            n = 0
            while n < per_producer:
                batch = [f"p{p}-{n + j}" for j in range(min(1 + n % 3, per_producer - n))]
                key = keys[n % len(keys)]
                if kind == "list":
                    (c.rpush if n % 2 else c.lpush)(key, *batch)
                else:
                    c.zadd(key, {m: float(n) for m in batch})
                n += len(batch)
        except Exception as e:  # noqa: B902 - reported below
            errors.append(e)
        finally:
            c.close()

    threads = [threading.Thread(target=consume, args=(i,)) for i in range(consumers)]
    threads += [threading.Thread(target=produce, args=(p,)) for p in range(producers)]
    run_all(threads)
    assert not errors, errors
    got = collections.Counter(x for r in received for x in r)
    expected = collections.Counter(f"p{p}-{n}" for p in range(producers)
                                   for n in range(per_producer))
    assert got == expected
    c = s.client()
    assert c.exists(*keys) == 0
    wait_blocked(s.port, 0)
    c.close()


def test_blmove_chains_deliver_exactly_once_across_workers(server_factory):
    """Producers fill `src`; movers BLMOVE src -> dst; poppers BLPOP dst; other clients push to
    dst directly, so movers often find dst's lock taken. Every element ends with exactly one
    popper or is left in a list."""
    s = server_factory(["--workers", "4"])
    n_src, n_dst = 600, 200
    popped, moved, errors = [], [], []
    lock = threading.Lock()
    stop = threading.Event()

    def worker(fn):
        def run():
            c = s.client(socket_timeout=60)
            try:
                fn(c)
            except Exception as e:  # noqa: B902 - reported below
                errors.append(e)
            finally:
                c.close()
        return threading.Thread(target=run)

    def mover(c):
        while not stop.is_set():
            v = c.execute_command("BLMOVE", "src", "dst", "RIGHT", "LEFT", "0.5")
            if v is not None:
                with lock:
                    moved.append(v.decode())

    def popper(c):
        while not stop.is_set():
            r = c.execute_command("BLPOP", "dst", "0.5")
            if r is not None:
                with lock:
                    popped.append(r[1].decode())

    def fill(prefix, key, n):
        def run(c):
            for i in range(n):
                c.lpush(key, f"{prefix}{i}")
        return run

    pushers = [worker(fill("s", "src", n_src)), worker(fill("d", "dst", n_dst))]
    clients = [worker(mover) for _ in range(3)] + [worker(popper) for _ in range(3)]
    for t in clients + pushers:
        t.start()
    for t in pushers:
        t.join(timeout=300)
    c = s.client()
    wait_until(lambda: len(popped) + c.llen("src") + c.llen("dst") == n_src + n_dst and
               c.llen("src") == 0 and c.llen("dst") == 0, timeout=120, what="all elements popped")
    stop.set()
    for t in clients:
        t.join(timeout=60)
    assert not errors, errors
    everything = popped + c.lrange("src", 0, -1) + c.lrange("dst", 0, -1)
    everything = [x.decode() if isinstance(x, bytes) else x for x in everything]
    assert collections.Counter(everything) == collections.Counter(
        [f"s{i}" for i in range(n_src)] + [f"d{i}" for i in range(n_dst)])
    assert len(set(moved)) == len(moved)
    assert set(moved) <= {f"s{i}" for i in range(n_src)}
    c.close()


# Keyspace events of served waiters: (blocking command, the write that serves it).
SERVED_EVENTS = [
    (["BLMOVE", "s", "d", "LEFT", "RIGHT", "0"], ["RPUSH", "s", "x"]),
    (["BRPOPLPUSH", "s", "d", "0"], ["RPUSH", "s", "x", "y"]),
    (["BLPOP", "e", "0"], ["RPUSH", "e", "x"]),
    (["BRPOP", "e", "0"], ["RPUSH", "e", "x", "y"]),
    (["BLMPOP", "0", "1", "m", "LEFT", "COUNT", "2"], ["RPUSH", "m", "x", "y"]),
    (["BZPOPMIN", "z", "0"], ["ZADD", "z", "1", "a"]),
    (["BZPOPMAX", "z", "0"], ["ZADD", "z", "1", "a", "2", "b"]),
    (["BZMPOP", "0", "1", "y", "MIN", "COUNT", "3"], ["ZADD", "y", "1", "a", "2", "b"]),
    (["BLPOP", "v", "0"], ["EVAL", "redis.call('rpush', KEYS[1], 'a') return 1", "1", "v"]),
    (["BLPOP", "t", "0"], ["MULTI"]),  # the push comes inside the transaction below
]


def served_events(port):
    with Resp3Client(port) as writer, Resp3Client(port) as waiter, RawClient(port) as listener:
        writer.call("FLUSHALL")
        assert writer.call_raw("CONFIG", "SET", "notify-keyspace-events", "KEA") == b"+OK\r\n"
        listener.call("PSUBSCRIBE", "__key*__:*")
        listener.call("SUBSCRIBE", "end")
        replies = []
        try:
            for blocking, write in SERVED_EVENTS:
                waiter.sock.sendall(encode_command(*blocking))
                wait_blocked(port, 1)
                replies.append(writer.call_raw(*write))
                if write == ["MULTI"]:
                    replies += [writer.call_raw("RPUSH", "t", "a", "b"), writer.call_raw("EXEC")]
                replies.append(waiter.read()[1])
            writer.call("PUBLISH", "end", "end")
            events = []
            while True:
                m = listener.read_reply()
                if m[0] == b"message":
                    break
                events.append((m[2], m[3]))
        finally:
            writer.call("CONFIG", "SET", "notify-keyspace-events", "")
        return replies, events


def test_served_waiters_send_redis_keyspace_events(ref_port, mine_port):
    """A served waiter's pop raises the events of its non-blocking form, after the event of the
    write that served it, as Redis sends them: pushes, a script's push, a push inside EXEC."""
    theirs = served_events(ref_port)
    mine = served_events(mine_port)
    assert mine[0] == theirs[0]
    assert mine[1] == theirs[1]
