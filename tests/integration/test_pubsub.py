"""Pub/sub and keyspace notifications: replies, errors and the subscribed-mode restrictions
compared byte for byte with redis-server 7.0 (RESP2 and RESP3 pushes), delivery across workers
in each publisher's order, a slow subscriber disconnected by `client-output-buffer-limit pubsub`
while the others keep receiving, channels scoped by namespace, and keyspace event sequences
compared with Redis's."""
import socket
import threading

import pytest

from helpers import RawClient, RespError, encode_command, wait_until
from redis_reference import RedisServer
from resp3_client import Resp3Client


@pytest.fixture(scope="module")
def ref():
    s = RedisServer()
    yield s
    s.stop()


@pytest.fixture
def mnemo(server_factory):
    return server_factory(extra_args=["--workers", "4"])


def both(ref, mnemo):
    return [ref.port, mnemo.port]


def wait_numsub(port, channel, n):
    with RawClient(port) as c:
        wait_until(lambda: c.call("PUBSUB", "NUMSUB", channel)[1] == n,
                   what="%d subscribers of %s" % (n, channel))


# Each step: (client index, command). Client 0 subscribes, client 1 publishes and queries. A step
# whose command is None reads one more reply (a message) on that client.
SCRIPT = [
    (0, ["SUBSCRIBE", "a", "b"]), (0, None),
    (0, ["SUBSCRIBE", "a"]),
    (0, ["PSUBSCRIBE", "h?llo", "n*"]), (0, None),
    (0, ["PING"]), (0, ["PING", "hi"]),
    (0, ["GET", "k"]), (0, ["CLIENT", "LIST"]), (0, ["SET", "k", "v"]), (0, ["CONFIG", "GET", "x"]),
    (0, ["SUBSCRIBE"]), (0, ["NOSUCH"]), (0, ["GET"]),
    (1, ["PUBSUB", "NUMSUB", "a", "b", "zz"]), (1, ["PUBSUB", "NUMPAT"]),
    (1, ["PUBSUB", "CHANNELS", "a*"]), (1, ["PUBSUB", "CHANNELS", "a", "b"]),
    (1, ["PUBSUB", "NUMPAT", "x"]), (1, ["PUBSUB", "NOPE"]), (1, ["PUBSUB", "HELP"]),
    (1, ["PUBLISH", "a", "one"]), (0, None),
    (1, ["PUBLISH", "hello", "two"]), (0, None),
    (1, ["PUBLISH", "nb", "three"]), (0, None),
    (1, ["PUBLISH", "nobody", "x"]), (0, None),
    (1, ["PUBLISH", "zz", "none"]),
    (1, ["PUBLISH", "a"]),
    (0, ["UNSUBSCRIBE", "a", "zz"]), (0, None),
    (0, ["PUNSUBSCRIBE", "h?llo"]),
    (0, ["UNSUBSCRIBE"]),
    (0, ["PUNSUBSCRIBE"]),
    (0, ["UNSUBSCRIBE"]), (0, ["PUNSUBSCRIBE"]),
    (0, ["PING"]), (0, ["GET", "k"]),
    (0, ["SSUBSCRIBE", "s1"]), (0, ["PING"]), (0, ["GET", "k"]),
    (1, ["SPUBLISH", "s1", "shard"]), (0, None),
    (1, ["PUBSUB", "SHARDCHANNELS"]), (1, ["PUBSUB", "SHARDNUMSUB", "s1", "a"]),
    (1, ["PUBLISH", "s1", "not-a-shard-message"]),
    (0, ["SUNSUBSCRIBE"]), (0, ["SUNSUBSCRIBE"]),
    (0, ["SUBSCRIBE", "c"]), (0, ["RESET"]), (0, ["PING"]),
    (1, ["PUBSUB", "NUMSUB", "c"]),
]


def run_script(port, script, clients=2, resp3=False):
    out = []
    cs = [Resp3Client(port) for _ in range(clients)]
    try:
        if resp3:
            for c in cs[:1]:
                c.call("HELLO", "3")
        for who, cmd in script:
            c = cs[who]
            if cmd is not None:
                c.sock.sendall(encode_command(*cmd))
            out.append((who, cmd, c.read()[1]))
            # Make the server process this step before the next client acts.
            if who == 1 and cmd and cmd[0] in ("PUBLISH", "SPUBLISH") and len(cmd) == 3:
                pass
    finally:
        for c in cs:
            c.close()
    return out


def test_script_matches_redis_resp2(ref, mnemo):
    theirs = run_script(ref.port, SCRIPT)
    mine = run_script(mnemo.port, SCRIPT)
    for t, m in zip(theirs, mine):
        assert m == t, t[1]


RESP3_SCRIPT = [
    (0, ["SUBSCRIBE", "a"]),
    (0, ["PSUBSCRIBE", "a*"]),
    (0, ["PING"]), (0, ["SET", "k", "v"]), (0, ["GET", "k"]),
    (0, ["PUBLISH", "a", "self"]), (0, None), (0, None),
    (1, ["PUBLISH", "a", "other"]), (0, None), (0, None),
    (0, ["UNSUBSCRIBE"]), (0, ["PUNSUBSCRIBE"]), (0, ["UNSUBSCRIBE"]),
    (0, ["DEL", "k"]),
]


def test_resp3_pushes_match_redis(ref, mnemo):
    theirs = run_script(ref.port, RESP3_SCRIPT, resp3=True)
    mine = run_script(mnemo.port, RESP3_SCRIPT, resp3=True)
    for t, m in zip(theirs, mine):
        assert m == t, t[1]
    assert mine[0][2].startswith(b">3\r\n$9\r\nsubscribe")


def test_client_list_shows_subscriptions(mnemo):
    with RawClient(mnemo.port) as sub, RawClient(mnemo.port) as c:
        sub.call("CLIENT", "SETNAME", "listener")
        sub.send_command("SUBSCRIBE", "x", "y")
        sub.read_reply(), sub.read_reply()
        sub.call("PSUBSCRIBE", "p*")
        line = [l for l in c.call("CLIENT", "LIST").decode().splitlines() if "name=listener" in l][0]
        assert " flags=P " in line and " sub=2 psub=1 ssub=0 " in line
        stats = c.call("INFO", "stats").decode()
        for field in ("pubsub_channels:2\r\n", "pubsub_patterns:1\r\n",
                      "pubsub_shardchannels:0\r\n"):
            assert field in stats
        assert c.call("CLIENT", "KILL", "TYPE", "pubsub") == 1
        wait_until(lambda: c.call("PUBSUB", "NUMSUB", "x") == [b"x", 0], what="the kill")


def read_messages(c, n):
    return [c.read_reply() for _ in range(n)]


def test_cross_worker_delivery_keeps_each_publishers_order(mnemo):
    publishers, per_publisher, subscribers = 4, 400, 6
    subs = [RawClient(mnemo.port, timeout=120) for _ in range(subscribers)]
    for i, s in enumerate(subs):
        assert s.call("SUBSCRIBE", "orders") == [b"subscribe", b"orders", 1]
    wait_numsub(mnemo.port, "orders", subscribers)
    counts = []

    def publish(p):
        with RawClient(mnemo.port) as c:
            # Pipelined bursts, so messages of one pass travel together.
            for start in range(0, per_publisher, 50):
                c.send(b"".join(encode_command("PUBLISH", "orders", "%d:%d" % (p, i))
                                for i in range(start, start + 50)))
                counts.extend(c.read_reply() for _ in range(50))

    threads = [threading.Thread(target=publish, args=(p,)) for p in range(publishers)]
    for t in threads:
        t.start()
    results = [read_messages(s, publishers * per_publisher) for s in subs]
    for t in threads:
        t.join()
    assert counts == [subscribers] * (publishers * per_publisher)
    for got in results:
        seq = {p: [] for p in range(publishers)}
        for m in got:
            assert m[:2] == [b"message", b"orders"]
            p, i = m[2].decode().split(":")
            seq[int(p)].append(int(i))
        for p in range(publishers):
            assert seq[p] == list(range(per_publisher)), p
    for s in subs:
        s.close()


def test_slow_subscriber_is_disconnected_others_keep_receiving(server_factory):
    s = server_factory(extra_args=["--workers", "2", "--client-output-buffer-limit",
                                   "pubsub 2mb 0 0"])
    with RawClient(s.port) as admin:
        assert admin.call("CONFIG", "GET", "client-output-buffer-limit") == [
            b"client-output-buffer-limit",
            b"normal 0 0 0 slave 268435456 67108864 60 pubsub 2097152 0 0"]
    slow = socket.socket()
    slow.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    slow.connect(("127.0.0.1", s.port))
    slow.sendall(encode_command("SUBSCRIBE", "feed"))  # and never reads
    fast = [RawClient(s.port, timeout=120) for _ in range(3)]
    for f in fast:
        f.call("SUBSCRIBE", "feed")
    wait_numsub(s.port, "feed", 4)
    payload = b"x" * 1024
    message = b"*3\r\n$7\r\nmessage\r\n$4\r\nfeed\r\n$1024\r\n" + payload + b"\r\n"
    total, burst = 40000, 200
    received = [0] * len(fast)

    def drain(i):
        # Counts bytes and checks each against the message stream: parsing 40 MB message by
        # message in Python would make the fast subscribers slow ones.
        sock, want = fast[i].sock, total * len(message)
        while received[i] < want:
            chunk = sock.recv(1 << 20)
            if not chunk:
                return
            at = received[i] % len(message)
            expect = (message * (len(chunk) // len(message) + 2))[at:at + len(chunk)]
            assert chunk == expect
            received[i] += len(chunk)

    readers = [threading.Thread(target=drain, args=(i,)) for i in range(len(fast))]
    for t in readers:
        t.start()
    peak_reply_buffers = 0
    with RawClient(s.port) as pub:
        for start in range(0, total, burst):
            pub.send(encode_command("PUBLISH", "feed", payload) * burst)
            for _ in range(burst):
                pub.read_reply()
            # The readers may lag at most 1000 messages (about 1 MB), under the 2 MB limit, so
            # only the subscriber that reads nothing goes over it, however slow the machine.
            behind = (start + burst - 1000) * len(message)
            wait_until(lambda: min(received) >= behind, timeout=120, interval=0.002,
                       what="the reading subscribers to keep up")
            mem = pub.call("INFO", "memory").decode()
            peak_reply_buffers = max(peak_reply_buffers, int(
                [l for l in mem.splitlines() if l.startswith("mem_client_reply_buffers:")][0]
                .split(":")[1]))
        wait_until(lambda: pub.call("PUBSUB", "NUMSUB", "feed")[1] == 3,
                   what="the slow subscriber to be disconnected")
        for t in readers:
            t.join(timeout=300)
        assert received == [total * len(message)] * len(fast)
        stats = pub.call("INFO", "stats").decode()
        assert "client_output_buffer_limit_disconnections:1\r\n" in stats
    # 40 MB were published; the subscriber that read nothing held at most its 2 MB (the buffers'
    # capacity, and the fast ones' lag, on top).
    assert peak_reply_buffers < 24 << 20, peak_reply_buffers
    assert "pubsub class" in s.read_log()
    slow.close()
    for f in fast:
        f.close()


def test_channels_are_scoped_by_namespace(server_factory):
    s = server_factory(extra_args=["--requirepass", "root"])
    with RawClient(s.port) as admin:
        admin.call("AUTH", "root")
        assert admin.call("NAMESPACE", "ADD", "t1", "tok1") == "OK"
        with RawClient(s.port) as tenant, RawClient(s.port) as root_sub:
            tenant.call("AUTH", "tok1")
            assert tenant.call("SUBSCRIBE", "news") == [b"subscribe", b"news", 1]
            root_sub.call("AUTH", "root")
            root_sub.call("SUBSCRIBE", "news")
            assert admin.call("PUBLISH", "news", "for-root") == 1
            assert admin.call("PUBSUB", "NUMSUB", "news") == [b"news", 1]
            assert root_sub.read_reply() == [b"message", b"news", b"for-root"]
            with RawClient(s.port) as tpub:
                tpub.call("AUTH", "tok1")
                assert tpub.call("PUBSUB", "CHANNELS") == [b"news"]
                assert tpub.call("PUBLISH", "news", "for-tenant") == 1
            assert tenant.read_reply() == [b"message", b"news", b"for-tenant"]


def test_output_limit_and_notify_config_round_trip_like_redis(ref, mnemo):
    sets = [("notify-keyspace-events", v) for v in ("KEA", "Ex$gK", "", "nmA", "g$lshzxetd",
                                                     "KEQ", "Kl")]
    sets += [("client-output-buffer-limit", v) for v in (
        "pubsub 1mb 0 0", "normal 1mb 2mb 3 pubsub 4mb 5mb 6", "pubsub 1mb 0", "foo 1 0 0",
        "normal x 0 0", "normal 0 0 0 slave 268435456 67108864 60 pubsub 33554432 8388608 60")]
    for port in both(ref, mnemo):
        with RawClient(port) as c:
            got = []
            for key, value in sets:
                got.append(c.call("CONFIG", "SET", key, value))
                got.append(c.call("CONFIG", "GET", key))
            if port == ref.port:
                theirs = got
            else:
                assert got == theirs


# Keyspace notifications: the same commands on both servers, every event compared in order.
NOTIFY_COMMANDS = [
    ["SET", "s", "1"], ["SET", "s", "2", "EX", "100"], ["APPEND", "s", "x"], ["INCR", "n"],
    ["INCRBY", "n", "5"], ["DECR", "n"], ["INCRBYFLOAT", "n", "1.5"], ["SETRANGE", "s", "1", "zz"],
    ["MSET", "m1", "a", "m2", "b"], ["SETNX", "m1", "c"], ["SETNX", "m3", "c"], ["GETSET", "m3", "d"],
    ["GETDEL", "m3"], ["GETEX", "m1", "EX", "50"], ["GETEX", "m1", "PERSIST"], ["PSETEX", "p", "100000", "v"],
    ["EXPIRE", "s", "100"], ["PEXPIRE", "s", "100000"], ["PERSIST", "s"], ["EXPIRE", "s", "0"],
    ["RENAME", "m1", "r1"], ["DEL", "r1", "m2", "nosuch"], ["COPY", "p", "p2"],
    ["HSET", "h", "f", "v", "g", "w"], ["HSETNX", "h", "f", "x"], ["HINCRBY", "h", "c", "1"],
    ["HINCRBYFLOAT", "h", "d", "1.5"], ["HDEL", "h", "f"], ["HDEL", "h", "g", "c", "d"],
    ["LPUSH", "l", "a", "b"], ["RPUSH", "l", "c"], ["LPUSHX", "l", "d"], ["RPUSHX", "nol", "d"],
    ["LSET", "l", "0", "z"], ["LINSERT", "l", "BEFORE", "z", "y"], ["LREM", "l", "1", "y"],
    ["LTRIM", "l", "0", "1"], ["LPOP", "l"], ["RPOP", "l"], ["RPUSH", "l", "a", "b"],
    ["LMOVE", "l", "l2", "LEFT", "RIGHT"], ["RPOPLPUSH", "l", "l2"],
    ["SADD", "st", "a", "b", "c"], ["SREM", "st", "a"], ["SADD", "sp", "only"], ["SPOP", "sp"],
    ["SMOVE", "st", "st2", "c"], ["SMOVE", "st", "st2", "b"],
    ["SADD", "x1", "1", "2"], ["SADD", "x2", "2", "3"], ["SINTERSTORE", "x3", "x1", "x2"],
    ["SUNIONSTORE", "x4", "x1", "x2"], ["SDIFFSTORE", "x5", "x1", "x2"],
    ["ZADD", "z", "1", "a", "2", "b", "3", "c"], ["ZINCRBY", "z", "2", "a"], ["ZREM", "z", "b"],
    ["ZPOPMIN", "z"], ["ZREMRANGEBYSCORE", "z", "0", "1"], ["ZADD", "z", "1", "q", "5", "r"],
    ["ZREMRANGEBYRANK", "z", "0", "0"], ["ZUNIONSTORE", "zu", "1", "z"], ["ZPOPMAX", "z"],
    ["SETBIT", "b", "7", "1"], ["BITOP", "OR", "b2", "b"],
    # Scripts: their writes' events (and PUBLISH), sent once the script committed.
    ["EVAL", "redis.call('set', KEYS[1], 'v') redis.call('lpush', 'sl', 'a', 'b', 'c') "
     "redis.call('expire', KEYS[1], 100) redis.call('del', KEYS[1]) "
     "return redis.call('publish', 'nobody', 'x')", "1", "sk"],
    ["EVAL", "redis.call('set', 'kept', '1') error('late')", "0"],
    ["EVAL_RO", "return redis.call('get', 'kept')", "0"],
    # Blocking pops served at once: the events of their non-blocking forms.
    ["BLPOP", "sl", "0"], ["BRPOP", "nosuch", "sl", "0"], ["BLMOVE", "sl", "sl2", "LEFT", "RIGHT", "0"],
    ["RPUSH", "sl", "p", "q"], ["BRPOPLPUSH", "sl", "sl2", "0"], ["BLMPOP", "0", "1", "sl2", "LEFT", "COUNT", "5"],
    ["BLMOVE", "sl", "sl", "LEFT", "RIGHT", "0"], ["BLMPOP", "0", "1", "sl", "RIGHT"],
    ["ZADD", "bz", "1", "a", "2", "b", "3", "c"], ["BZPOPMIN", "bz", "0"], ["BZPOPMAX", "bz", "0"],
    ["BZMPOP", "0", "1", "bz", "MIN", "COUNT", "3"],
    ["MULTI"], ["EVAL", "return redis.call('incr', 'mx')", "0"], ["PUBLISH", "nobody", "y"],
    ["BLPOP", "nosuch", "0"], ["EXEC"],
    ["MULTI"], ["SET", "tx", "1"], ["INCR", "tx"], ["HSET", "tx", "f", "v"], ["DEL", "tx"],
    ["EXEC"],
    ["FLUSHDB"],
]


def collect_events(port):
    with RawClient(port) as c, RawClient(port) as listener:
        c.call("FLUSHALL")
        assert c.call("CONFIG", "SET", "notify-keyspace-events", "KEA") == "OK"
        listener.call("PSUBSCRIBE", "__key*__:*")
        listener.call("SUBSCRIBE", "end")
        replies = [c.call(*cmd) for cmd in NOTIFY_COMMANDS]
        c.call("PUBLISH", "end", "end")
        events = []
        while True:
            m = listener.read_reply()
            if m[0] == b"message":
                break
            events.append((m[2].decode(), m[3].decode()))
        c.call("CONFIG", "SET", "notify-keyspace-events", "")
        return replies, events


def test_keyspace_events_match_redis(ref, mnemo):
    their_replies, theirs = collect_events(ref.port)
    my_replies, mine = collect_events(mnemo.port)
    for cmd, t, m in zip(NOTIFY_COMMANDS, their_replies, my_replies):
        assert m == t, cmd
    assert mine == theirs


def test_script_publish_reaches_subscribers_after_its_writes(ref, mnemo):
    """PUBLISH from a script (and from a script inside EXEC) answers the receivers and reaches
    them as Redis's: a subscriber that reads the key on the message sees the script's write."""
    for port in both(ref, mnemo):
        with RawClient(port) as c, RawClient(port) as sub, RawClient(port) as psub:
            c.call("DEL", "pk")
            sub.call("SUBSCRIBE", "news")
            psub.call("PSUBSCRIBE", "n*")
            body = "redis.call('set', KEYS[1], ARGV[1]) return redis.call('publish', 'news', ARGV[1])"
            assert c.call("EVAL", body, "1", "pk", "v1") == 2
            assert sub.read_reply() == [b"message", b"news", b"v1"]
            assert psub.read_reply() == [b"pmessage", b"n*", b"news", b"v1"]
            with RawClient(port) as reader:
                assert reader.call("GET", "pk") == b"v1"
            c.call("MULTI")
            c.call("EVAL", body, "1", "pk", "v2")
            c.call("PUBLISH", "news", "plain")
            assert c.call("EXEC") == [2, 2]
            assert sub.read_reply() == [b"message", b"news", b"v2"]
            assert sub.read_reply() == [b"message", b"news", b"plain"]
            assert psub.read_reply() == [b"pmessage", b"n*", b"news", b"v2"]
            # A script that raised an error keeps what it did, its messages included.
            err = c.call("EVAL", "redis.call('publish', 'news', 'x') return redis.call('nosuch')",
                         "0")
            assert "ERR Unknown Redis command called from script" in str(err)
            c.call("PUBLISH", "news", "after")
            assert sub.read_reply() == [b"message", b"news", b"x"]
            assert sub.read_reply() == [b"message", b"news", b"after"]


def test_expired_events_from_the_active_sweep(ref, mnemo):
    for port in both(ref, mnemo):
        with RawClient(port) as c, RawClient(port) as listener:
            c.call("CONFIG", "SET", "notify-keyspace-events", "Ex")
            listener.call("SUBSCRIBE", "__keyevent@0__:expired")
            c.call("SET", "gone", "v", "PX", "50")
            c.call("HSET", "gone-hash", "f", "v")
            c.call("PEXPIRE", "gone-hash", "50")
            got = sorted([listener.read_reply(), listener.read_reply()])
            assert got == [[b"message", b"__keyevent@0__:expired", b"gone"],
                           [b"message", b"__keyevent@0__:expired", b"gone-hash"]]
            c.call("CONFIG", "SET", "notify-keyspace-events", "")
