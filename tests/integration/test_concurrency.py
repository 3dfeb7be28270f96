"""Many clients at once: read-modify-write commands stay atomic, also against pipelined blind
writes of other clients, and every client gets its own replies."""
import threading

import pytest
import redis


@pytest.fixture
def port(sr, shared_server):
    return shared_server.port  # the module shares one server; every test starts with it empty


def run_threads(n, target):
    """Runs target(i) in n threads started together; re-raises the first failure."""
    errors = []
    barrier = threading.Barrier(n)

    def wrap(i):
        try:
            barrier.wait(timeout=60)
            target(i)
        except BaseException as e:  # noqa: B902 - reported below
            errors.append(e)

    threads = [threading.Thread(target=wrap, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=300)
        assert not t.is_alive(), "a client thread hung"
    if errors:
        raise errors[0]


def client(port, decode=True):
    return redis.Redis(port=port, socket_timeout=120, decode_responses=decode)


def test_incr_from_20_clients_is_exact(port):
    per_thread = 2000
    replies = [None] * 20

    def work(i):
        c = client(port)
        got = []
        # Half one by one, half pipelined in chunks.
        for _ in range(per_thread // 4):
            got.append(c.incr("counter"))
        p = c.pipeline(transaction=False)
        for j in range(per_thread - per_thread // 4):
            p.incr("counter")
            if j % 100 == 99:
                got += p.execute()
        got += p.execute()
        replies[i] = got
        c.connection_pool.disconnect()

    run_threads(20, work)
    total = 20 * per_thread
    c = client(port)
    assert c.get("counter") == str(total)
    every = [v for got in replies for v in got]
    assert len(every) == total
    # Atomic increments hand out every value exactly once; each client sees its own increasing.
    assert sorted(every) == list(range(1, total + 1))
    for got in replies:
        assert got == sorted(got)


def test_incrby_and_decrby_mixed(port):
    def work(i):
        c = client(port)
        p = c.pipeline(transaction=False)
        for _ in range(500):
            p.incrby("n", 3)
            p.decrby("n", 1)
            p.incrbyfloat("f", 0.5)
        p.execute()
        c.connection_pool.disconnect()

    run_threads(8, work)
    c = client(port)
    assert c.get("n") == str(8 * 500 * 2)
    assert c.get("f") == str(8 * 500 // 2)


def test_append_from_10_clients(port):
    rounds = 300

    def work(i):
        c = client(port)
        marker = "<%d>" % i
        for j in range(rounds):
            if j % 3 == 0:
                p = c.pipeline(transaction=False)
                p.append("log", marker)
                p.append("log", marker)
                p.execute()
            else:
                c.append("log", marker)
        c.connection_pool.disconnect()

    run_threads(10, work)
    c = client(port)
    log = c.get("log")
    per_client = rounds + rounds // 3
    assert len(log) == sum(len("<%d>" % i) * per_client for i in range(10))
    for i in range(10):
        assert log.count("<%d>" % i) == per_client


def test_setnx_race_has_exactly_one_winner(port):
    keys = 50
    wins = [[] for _ in range(10)]

    def work(i):
        c = client(port)
        for k in range(keys):
            if k % 2:
                ok = c.setnx("race:%d" % k, "client-%d" % i)
            else:
                ok = c.set("race:%d" % k, "client-%d" % i, nx=True) is True
            if ok:
                wins[i].append(k)
        c.connection_pool.disconnect()

    run_threads(10, work)
    c = client(port)
    for k in range(keys):
        winners = [i for i in range(10) if k in wins[i]]
        assert len(winners) == 1, (k, winners)
        assert c.get("race:%d" % k) == "client-%d" % winners[0]


def test_msetnx_race_has_exactly_one_winner(port):
    wins = []
    lock = threading.Lock()

    def work(i):
        c = client(port)
        for k in range(30):
            # Overlapping key sets: every pair of clients shares key "m:k:shared".
            if c.msetnx({"m:%d:shared" % k: i, "m:%d:own%d" % (k, i): i}):
                with lock:
                    wins.append((k, i))
        c.connection_pool.disconnect()

    run_threads(10, work)
    c = client(port)
    for k in range(30):
        winners = [i for kk, i in wins if kk == k]
        assert len(winners) == 1, (k, winners)
        w = winners[0]
        assert c.get("m:%d:shared" % k) == str(w)
        assert [i for i in range(10) if c.exists("m:%d:own%d" % (k, i))] == [w]


def test_many_clients_pipelined_mixed_commands(port):
    n_clients = 30

    def work(i):
        c = client(port, decode=False)
        for rnd in range(10):
            p = c.pipeline(transaction=False)
            expected = []
            for j in range(40):
                k = "c%d:k%d" % (i, j)
                v = ("%d-%d-%d" % (i, rnd, j)).encode()
                p.set(k, v)
                expected.append(True)
                p.get(k)
                expected.append(v)
                p.append(k, b"+")
                expected.append(len(v) + 1)
                p.incr("c%d:n" % i)
                expected.append(rnd * 40 + j + 1)
                p.mget(k, "c%d:n" % i)
                expected.append([v + b"+", str(rnd * 40 + j + 1).encode()])
                p.echo(v)
                expected.append(v)
            p.exists(*["c%d:k%d" % (i, j) for j in range(40)])
            expected.append(40)
            assert p.execute() == expected
        c.connection_pool.disconnect()

    run_threads(n_clients, work)
    c = client(port)
    assert c.dbsize() == n_clients * 41
    for i in range(n_clients):
        assert c.get("c%d:n" % i) == "400"


def test_incr_atomic_against_pipelined_blind_sets(port):
    """INCR must read and write as one step even while another client's pipelines keep
    overwriting the same key with plain SETs. The SETs reset the counter to distinct bases
    (k * 10^9), so two INCRs replying the same number would mean a lost update."""
    stop = threading.Event()
    incr_replies = [[] for _ in range(6)]

    def setter():
        c = client(port)
        base = 1
        while not stop.is_set():
            p = c.pipeline(transaction=False)
            for j in range(20):
                p.set("other:%d" % j, base)
                p.set("ctr", base * 10 ** 9)
                base += 1
            p.execute()
        c.connection_pool.disconnect()

    def incrementer(i):
        c = client(port)
        for j in range(600):
            if j % 2:
                incr_replies[i].append(c.incr("ctr"))
            else:
                p = c.pipeline(transaction=False)
                for _ in range(5):
                    p.incr("ctr")
                incr_replies[i] += p.execute()
        c.connection_pool.disconnect()

    t = threading.Thread(target=setter)
    t.start()
    try:
        run_threads(6, incrementer)
    finally:
        stop.set()
        t.join(timeout=120)
    every = [v for r in incr_replies for v in r]
    assert len(every) == 6 * 1800
    assert len(set(every)) == len(every), "two INCRs returned the same value: lost update"


def test_set_get_atomic_against_pipelined_blind_sets(port):
    """SET ... GET swaps a value atomically: with unique values, no old value can be returned to
    two swappers, even while another client's pipelines overwrite the key with plain SETs."""
    stop = threading.Event()
    olds = [[] for _ in range(6)]

    def setter():
        c = client(port)
        n = 0
        while not stop.is_set():
            p = c.pipeline(transaction=False)
            for _ in range(20):
                p.set("swap", "blind-%d" % n)
                n += 1
            p.execute()
        c.connection_pool.disconnect()

    def swapper(i):
        c = client(port)
        for j in range(800):
            olds[i].append(c.set("swap", "s%d-%d" % (i, j), get=True))
        c.connection_pool.disconnect()

    t = threading.Thread(target=setter)
    t.start()
    try:
        run_threads(6, swapper)
    finally:
        stop.set()
        t.join(timeout=120)
    seen = [v for r in olds for v in r if v is not None]
    assert len(set(seen)) == len(seen), "a value was swapped out twice: the swap is not atomic"


def test_setnx_against_pipelined_blind_sets_of_other_keys(port):
    """Conditional writes keep exactly one winner while other clients' batches of plain SETs
    commit at the same time (on the same lock stripes, sometimes)."""
    stop = threading.Event()

    def setter():
        c = client(port)
        n = 0
        while not stop.is_set():
            p = c.pipeline(transaction=False)
            for j in range(50):
                p.set("blind:%d" % ((n + j) % 5000), n)
            p.execute()
            n += 50
        c.connection_pool.disconnect()

    wins = [[] for _ in range(8)]

    def racer(i):
        c = client(port)
        for k in range(200):
            if c.set("nx:%d" % k, i, nx=True):
                wins[i].append(k)
        c.connection_pool.disconnect()

    setters = [threading.Thread(target=setter) for _ in range(2)]
    for t in setters:
        t.start()
    try:
        run_threads(8, racer)
    finally:
        stop.set()
        for t in setters:
            t.join(timeout=120)
    c = client(port)
    for k in range(200):
        winners = [i for i in range(8) if k in wins[i]]
        assert len(winners) == 1, (k, winners)
        assert c.get("nx:%d" % k) == str(winners[0])


def test_pipelined_incr_on_shared_keys_is_exact(port):
    """Pipelines of INCR/INCRBY over a few shared keys from many clients: a connection's
    consecutive read-modify-writes are committed as one batch that holds their keys, and two
    batches wanting each other's keys must not deadlock or lose an update."""
    keys = ["shared:%d" % i for i in range(5)]
    seen = [dict() for _ in range(8)]

    def work(i):
        c = client(port)
        for n in range(150):
            p = c.pipeline(transaction=False)
            order = [keys[(i + n + j) % len(keys)] for j in range(16)]
            for j, k in enumerate(order):
                if j % 3:
                    p.incr(k)
                else:
                    p.incrby(k, 2)
            for k, v in zip(order, p.execute()):
                last = seen[i].get(k, 0)
                assert v > last, "a client saw %s go from %d to %d" % (k, last, v)
                seen[i][k] = v
        c.connection_pool.disconnect()

    run_threads(8, work)
    c = client(port)
    expected = {k: 0 for k in keys}
    for i in range(8):
        for n in range(150):
            for j in range(16):
                expected[keys[(i + n + j) % len(keys)]] += 1 if j % 3 else 2
    assert {k: int(c.get(k)) for k in keys} == expected


def test_composite_writes_on_shared_keys_from_many_clients_are_exact(port):
    """Fifty clients' pipelines on the same few keys share their worker's write context (one
    commit per pass of the event loop): every client still reads its own writes, a failed
    command in the middle leaves nothing, no increment is lost, and the counters agree."""
    n_clients, rounds, per = 20, 8, 10

    def work(i):
        c = client(port)
        for rnd in range(rounds):
            p = c.pipeline(transaction=False)
            expected = []
            for j in range(per):
                tag = "%d:%d:%d" % (i, rnd, j)
                p.hset("shared:h", "f" + tag, tag)
                expected.append(1)
                p.hget("shared:h", "f" + tag)
                expected.append(tag)
                p.sadd("shared:s", tag)
                expected.append(1)
                p.lpush("shared:h", tag)  # WRONGTYPE: must write nothing
                expected.append(None)
                p.rpush("shared:l", tag)
                expected.append(None)  # a length other clients move too: checked below
                p.zadd("shared:z", {tag: j})
                expected.append(1)
                p.hincrby("shared:h", "ctr", 1)
                expected.append(None)  # unique across clients: checked below
            got = p.execute(raise_on_error=False)
            assert len(got) == len(expected)
            for k, (g, e) in enumerate(zip(got, expected)):
                if k % 7 == 3:
                    assert isinstance(g, redis.ResponseError) and "WRONGTYPE" in str(g), g
                elif k % 7 in (4, 6):
                    assert isinstance(g, int) and g >= 1, g
                    if k % 7 == 6:
                        incr_replies.append(g)
                else:
                    assert g == e, (k, g, e)
        c.connection_pool.disconnect()

    incr_replies = []
    run_threads(n_clients, work)
    total = n_clients * rounds * per
    assert sorted(incr_replies) == list(range(1, total + 1)), "an increment was lost"
    c = client(port)
    assert c.hlen("shared:h") == total + 1
    assert c.hget("shared:h", "ctr") == str(total)
    assert c.scard("shared:s") == total
    assert c.llen("shared:l") == total
    assert c.zcard("shared:z") == total
    assert c.dbsize() == 4
