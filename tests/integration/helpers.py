"""Shared helpers for the integration tests: exact-error assertions and a raw RESP client."""
import socket
import time

import pytest
import redis


def assert_error(fn, *args, text=None, exc=redis.ResponseError):
    """Calls fn(*args), expects a server error reply and returns its text (as redis-py shows it:
    without the leading "ERR ", with any other prefix such as "WRONGPASS " kept)."""
    with pytest.raises(exc) as info:
        fn(*args)
    msg = str(info.value)
    if text is not None:
        assert msg == text
    return msg


def raw(client, *args):
    """Runs a command and returns the reply as parsed by redis-py, without its per-command
    response callbacks (so SET gives "OK"/None/old value, not True/False)."""
    conn = client.connection_pool.get_connection(args[0])
    try:
        conn.send_command(*args)
        return conn.read_response()
    finally:
        client.connection_pool.release(conn)


def cmd_error(client, *args):
    """The error text of a command that must fail (see assert_error)."""
    return assert_error(raw, client, *args)


def ttl_between(client, key, lo, hi):
    t = client.ttl(key)
    assert lo <= t <= hi, "TTL of %r is %r, expected %r..%r" % (key, t, lo, hi)


def wait_until(predicate, timeout=15.0, interval=0.02, what="condition"):
    """Polls predicate() until it is true; fails after timeout (generous: slow machines)."""
    deadline = time.time() + timeout
    while True:
        v = predicate()
        if v:
            return v
        if time.time() > deadline:
            raise AssertionError("timed out waiting for " + what)
        time.sleep(interval)


class RespError:
    """An error reply read by RawClient (kept as a value so pipelines can be compared)."""

    def __init__(self, text):
        self.text = text

    def __eq__(self, other):
        return isinstance(other, RespError) and other.text == self.text

    def __repr__(self):
        return "RespError(%r)" % self.text


def encode_command(*args):
    out = [b"*%d\r\n" % len(args)]
    for a in args:
        if isinstance(a, int):
            a = str(a).encode()
        elif isinstance(a, str):
            a = a.encode()
        out.append(b"$%d\r\n%s\r\n" % (len(a), a))
    return b"".join(out)


class RawClient:
    """A plain TCP socket speaking RESP2 by hand, for protocol-level tests."""

    def __init__(self, port, timeout=30.0):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buf = b""

    def close(self):
        self.sock.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def send(self, data):
        self.sock.sendall(data)

    def send_command(self, *args):
        self.send(encode_command(*args))

    def _fill(self):
        d = self.sock.recv(1 << 20)
        if not d:
            raise ConnectionError("connection closed by server")
        self.buf += d

    def _line(self):
        while b"\r\n" not in self.buf:
            self._fill()
        line, self.buf = self.buf.split(b"\r\n", 1)
        return line

    def _exact(self, n):
        while len(self.buf) < n + 2:
            self._fill()
        data, self.buf = self.buf[:n], self.buf[n + 2:]
        return data

    def read_reply(self):
        line = self._line()
        t, rest = line[:1], line[1:]
        if t == b"+":
            return rest.decode()
        if t == b"-":
            return RespError(rest.decode())
        if t == b":":
            return int(rest)
        if t == b"$":
            n = int(rest)
            return None if n < 0 else self._exact(n)
        if t == b"*":
            n = int(rest)
            return None if n < 0 else [self.read_reply() for _ in range(n)]
        raise AssertionError("bad reply type %r in %r" % (t, line))

    def call(self, *args):
        self.send_command(*args)
        return self.read_reply()

    def read_until_closed(self, timeout=30.0):
        """Everything the server sends until it closes the connection; fails if it stays open."""
        self.sock.settimeout(timeout)
        data = self.buf
        self.buf = b""
        while True:
            try:
                d = self.sock.recv(1 << 20)
            except ConnectionResetError:
                return data
            except socket.timeout:
                raise AssertionError("connection still open after %.0fs; got %r" % (timeout, data[:200]))
            if not d:
                return data
            data += d
