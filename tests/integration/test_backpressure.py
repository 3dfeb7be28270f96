"""Connections whose replies outrun the client: pipelines of large replies read with pauses must
never stall (a connection with replies pending is never left without a write or read event),
and a client that pipelines requests but never reads its replies holds no more server memory
than its pending replies and one read chunk (the server stops reading from it, so the kernel's
socket buffers push back on the client), while other clients are served.

Loops are bounded by counts and wall-clock deadlines; the stall check is a 2 s receive timeout
while replies are still owed, never a fixed sleep.
"""
import random
import socket
import threading
import time

import pytest

from conftest import SANITIZED
from helpers import RawClient, encode_command, wait_until

KB = 1 << 10
MB = 1 << 20
# A connection owed replies must deliver a byte at least this often (a stalled one never does;
# the sanitizer build runs the server several times slower, so it gets more).
SILENCE_LIMIT_S = 6.0 if SANITIZED else 2.0


def bulk(value):
    return b"$%d\r\n%s\r\n" % (len(value), value)


class Stall(AssertionError):
    pass


def recv_exactly(sock, n, rng, pause_chance, what):
    """Receives n bytes, pausing now and then (the client is slow to read); a receive that waits
    more than SILENCE_LIMIT_S for the server raises Stall."""
    out = bytearray(n)
    view = memoryview(out)
    got = 0
    while got < n:
        if rng.random() < pause_chance:
            time.sleep(rng.uniform(0, 0.03))
        try:
            k = sock.recv_into(view[got:], min(n - got, rng.choice((4 * KB, 64 * KB, MB))))
        except socket.timeout:
            raise Stall("%s: no byte for %.0f s with %d of %d reply bytes still owed"
                        % (what, SILENCE_LIMIT_S, n - got, n))
        if k == 0:
            raise AssertionError("%s: connection closed with %d reply bytes owed" % (what, n - got))
        got += k
    return bytes(out)


def test_many_clients_pipelining_large_replies_with_pauses(server_factory):
    s = server_factory()
    rng = random.Random(9)
    sizes = [64 * KB, 200 * KB, 512 * KB, MB, MB + 17]
    values = {"v%d" % i: rng.randbytes(size) for i, size in enumerate(sizes)}
    with RawClient(s.port) as c:
        for k, v in values.items():
            assert c.call("SET", k, v) == "OK"

    clients, rounds = 8, 40  # 320 rounds in all
    deadline = time.time() + 60  # ~6 s here, ~20 s under the sanitizers
    errors, done = [], []

    def run(ci):
        r = random.Random(ci)
        sock = socket.create_connection(("127.0.0.1", s.port), timeout=SILENCE_LIMIT_S)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        try:
            for rnd in range(rounds):
                if time.time() > deadline:
                    break
                request, expected = [], []
                for j in range(r.randint(2, 12)):
                    key = r.choice(list(values))
                    request.append(encode_command("GET", key))
                    expected.append(bulk(values[key]))
                    if r.random() < 0.3:  # a blind write and a read-modify-write in between
                        mark = b"c%dr%dj%d" % (ci, rnd, j)
                        request.append(encode_command("SET", b"mark%d" % ci, mark))
                        expected.append(b"+OK\r\n")
                        request.append(encode_command("INCR", b"count%d" % ci))
                        count[ci] += 1
                        expected.append(b":%d\r\n" % count[ci])
                request.append(encode_command("PING"))
                expected.append(b"+PONG\r\n")
                sock.sendall(b"".join(request))
                want = b"".join(expected)
                got = recv_exactly(sock, len(want), r, pause_chance=0.05,
                                   what="client %d round %d" % (ci, rnd))
                assert got == want, "client %d round %d: wrong replies" % (ci, rnd)
                done.append(1)
        except Exception as e:  # reported by the main thread
            errors.append(e)
        finally:
            sock.close()

    count = [0] * clients
    threads = [threading.Thread(target=run, args=(i,)) for i in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not any(t.is_alive() for t in threads), "a client thread did not finish"
    stalls = [e for e in errors if isinstance(e, Stall)]
    assert not stalls, stalls[:3]
    assert not errors, errors[:3]
    # The deadline only guards a very slow machine; at least a quarter of the rounds must run.
    assert len(done) >= clients * rounds // 4, "only %d rounds ran" % len(done)
    with RawClient(s.port) as c:
        assert c.call("PING") == "PONG"


def client_fields(c, name):
    """CLIENT LIST fields of the client called `name`, as ints where they are numbers."""
    for line in c.call("CLIENT", "LIST").decode().splitlines():
        fields = dict(f.split("=", 1) for f in line.split(" ") if "=" in f)
        if fields.get("name") == name:
            return {k: int(v) if v.isdigit() else v for k, v in fields.items()}
    return None


def memory_fields(c):
    info = c.call("INFO", "memory").decode()
    out = {}
    for line in info.splitlines():
        if ":" in line and not line.startswith("#"):
            k, v = line.split(":", 1)
            if v.isdigit():
                out[k] = int(v)
    return out


def test_client_that_never_reads_is_held_to_bounded_memory(server_factory):
    s = server_factory()
    value = random.Random(4).randbytes(MB)
    probe = RawClient(s.port)
    assert probe.call("SET", "big", value) == "OK"
    assert probe.call("GET", "big") == value  # warm: the value is in the caches before the start
    before = memory_fields(probe)

    hog = socket.create_connection(("127.0.0.1", s.port))
    hog.sendall(encode_command("CLIENT", "SETNAME", "hog"))
    blob = encode_command("GET", "big") * 1000
    sent = [0]
    stop = threading.Event()

    def flood():  # pipelines GET big as fast as the kernel lets it, never reads a reply
        try:
            while not stop.is_set():
                hog.sendall(blob)
                sent[0] += len(blob)
        except OSError:
            pass  # the socket was shut down to stop us

    sender = threading.Thread(target=flood)
    sender.start()
    try:
        # The hog keeps sending until the kernel's buffers are full, then blocks.
        wait_until(lambda: client_fields(probe, "hog") is not None, what="the hog connected")
        peak = {"client": 0, "buffers": 0, "used": 0}
        seen_blocked = False
        end = time.time() + 4
        while time.time() < end:
            t0 = time.time()
            assert probe.call("PING") == "PONG"  # others are served meanwhile...
            assert probe.call("GET", "big") == value
            latency = time.time() - t0
            assert latency < 5, "the probe waited %.1f s" % latency  # ...promptly
            hog_fields = client_fields(probe, "hog")
            mem = memory_fields(probe)
            peak["client"] = max(peak["client"], hog_fields["tot-mem"])
            peak["buffers"] = max(peak["buffers"], mem["mem_client_query_buffers"] +
                                  mem["mem_client_reply_buffers"])
            peak["used"] = max(peak["used"], mem["used_memory"] - before["used_memory"])
            assert hog_fields["qbuf"] <= 64 * KB, hog_fields  # unparsed input: one read chunk
            if hog_fields["events"] == "w":  # waits to write, reads nothing meanwhile
                seen_blocked = True
    finally:
        stop.set()
        hog.shutdown(socket.SHUT_RDWR)
        sender.join(timeout=30)
        hog.close()
    # It tried (some requests got through), and the kernel's buffers pushed back: without the
    # push-back the server read 4 GB of requests in 8 s.
    assert 64 * KB < sent[0] < 64 * MB, "the hog sent %d bytes" % sent[0]
    # Its pending replies (1 MB each, flushed past 1 MB) and one read chunk; capacities round up.
    assert seen_blocked, "CLIENT LIST never showed the hog with events=w (no read event)"
    assert peak["client"] < 8 * MB, peak
    assert peak["buffers"] < 16 * MB, peak
    if not SANITIZED:  # without jemalloc used_memory reads 0; the buffer fields above still count
        assert peak["used"] < 16 * MB, peak
    assert probe.call("PING") == "PONG"
    probe.close()
