"""A raw RESP3 client for protocol-level tests: every reply is read as a tagged tree and kept
with its exact bytes, so tests can compare Mnemo's bytes with redis-server's.

Values: ("simple", s) ("error", s) ("int", n) ("bulk", bytes) ("null",) ("double", text)
("bool", b) ("big", digits) ("verbatim", fmt, text) ("array", [...]) ("map", [(k, v), ...])
("set", [...]) ("push", [...]); a RESP2 null bulk/array reads as ("null2", "$") / ("null2", "*").
"""
import socket

from helpers import encode_command


class Resp3Client:
    def __init__(self, port, timeout=30.0):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buf = b""
        self.pos = 0

    def close(self):
        self.sock.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def _fill(self):
        d = self.sock.recv(1 << 20)
        if not d:
            raise ConnectionError("connection closed by server")
        self.buf += d

    def _line(self):
        while True:
            i = self.buf.find(b"\r\n", self.pos)
            if i >= 0:
                line = self.buf[self.pos:i]
                self.pos = i + 2
                return line
            self._fill()

    def _exact(self, n):
        while len(self.buf) < self.pos + n + 2:
            self._fill()
        data = self.buf[self.pos:self.pos + n]
        assert self.buf[self.pos + n:self.pos + n + 2] == b"\r\n", "bulk not ended by CRLF"
        self.pos += n + 2
        return data

    def _value(self):
        line = self._line()
        t, rest = line[:1], line[1:]
        if t == b"+":
            return ("simple", rest.decode())
        if t == b"-":
            return ("error", rest.decode())
        if t == b":":
            return ("int", int(rest))
        if t == b"_":
            return ("null",)
        if t == b",":
            return ("double", rest.decode())
        if t == b"#":
            return ("bool", rest == b"t")
        if t == b"(":
            return ("big", rest.decode())
        if t in (b"$", b"="):
            n = int(rest)
            if n < 0:
                return ("null2", "$")
            data = self._exact(n)
            if t == b"$":
                return ("bulk", data)
            assert data[3:4] == b":", "verbatim string without its format"
            return ("verbatim", data[:3].decode(), data[4:])
        if t in (b"*", b"~", b">"):
            n = int(rest)
            if n < 0:
                return ("null2", "*")
            kind = {b"*": "array", b"~": "set", b">": "push"}[t]
            return (kind, [self._value() for _ in range(n)])
        if t == b"%":
            return ("map", [(self._value(), self._value()) for _ in range(int(rest))])
        raise AssertionError("bad reply type %r in %r" % (t, line))

    def read(self):
        """The next reply as (value, its exact bytes)."""
        start = self.pos
        v = self._value()
        raw = self.buf[start:self.pos]
        self.buf, self.pos = self.buf[self.pos:], 0
        return v, raw

    def call(self, *args):
        self.sock.sendall(encode_command(*args))
        return self.read()[0]

    def call_raw(self, *args):
        self.sock.sendall(encode_command(*args))
        return self.read()[1]


def shape(v):
    """The structure of a reply without its scalar values: types, lengths of aggregates, and the
    keys of maps (sorted) with the shapes of their values."""
    kind = v[0]
    if kind in ("array", "set", "push"):
        return (kind, tuple(shape(x) for x in v[1]))
    if kind == "map":
        return ("map", tuple(sorted((plain(k), shape(x)) for k, x in v[1])))
    if kind == "verbatim":
        return ("verbatim", v[1])
    return (kind,)


def plain(v):
    """A reply as plain Python values (maps become dicts, verbatim strings their text)."""
    kind = v[0]
    if kind in ("array", "set", "push"):
        return [plain(x) for x in v[1]]
    if kind == "map":
        return {plain(k): plain(x) for k, x in v[1]}
    if kind in ("bulk",):
        return v[1].decode(errors="replace")
    if kind == "verbatim":
        return v[2].decode(errors="replace")
    if kind in ("null", "null2"):
        return None
    return v[1]
