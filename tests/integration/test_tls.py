"""TLS: the tls-port beside the plain port, with certificates made by the openssl CLI.

A module fixture makes a CA, a server certificate for 127.0.0.1 and a client certificate signed
by the CA, plus a client certificate of another CA (which the server must refuse).
"""
import os
import shutil
import socket
import ssl
import subprocess
import tempfile
import time

import pytest
import redis

from conftest import MNEMO_BIN, free_port, log_messages
from helpers import assert_error, wait_until

EC_KEY = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]


def openssl(*args, cwd):
    subprocess.run(["openssl"] + list(args), cwd=cwd, check=True, capture_output=True)


def make_ca(d, name):
    openssl("req", "-x509", *EC_KEY, "-keyout", name + ".key", "-out", name + ".crt", "-days",
            "2", "-subj", "/CN=Mnemo test " + name, cwd=d)


def make_cert(d, name, ca, ext=None):
    openssl("req", "-new", *EC_KEY, "-keyout", name + ".key", "-out", name + ".csr", "-subj",
            "/CN=" + name, cwd=d)
    args = ["x509", "-req", "-in", name + ".csr", "-CA", ca + ".crt", "-CAkey", ca + ".key",
            "-CAcreateserial", "-out", name + ".crt", "-days", "2"]
    if ext:
        with open(os.path.join(d, name + ".ext"), "w") as f:
            f.write(ext + "\n")
        args += ["-extfile", name + ".ext"]
    openssl(*args, cwd=d)


class Certs:
    def __init__(self, d):
        self.dir = d

    def __getattr__(self, name):  # certs.ca_crt -> <dir>/ca.crt
        base, ext = name.rsplit("_", 1)
        return os.path.join(self.dir, base + "." + ext)


@pytest.fixture(scope="module")
def certs():
    d = tempfile.mkdtemp(prefix="mnemo-tls-")
    make_ca(d, "ca")
    make_cert(d, "server", "ca", "subjectAltName=DNS:localhost,IP:127.0.0.1")
    make_cert(d, "client", "ca")
    make_ca(d, "rogue")
    make_cert(d, "stranger", "rogue")
    yield Certs(d)
    shutil.rmtree(d, ignore_errors=True)


def tls_args(certs, port, *extra):
    return ["--tls-port", str(port), "--tls-cert-file", certs.server_crt, "--tls-key-file",
            certs.server_key, "--tls-ca-cert-file", certs.ca_crt] + list(extra)


@pytest.fixture
def tls_server(server_factory, certs):
    """A server with the default tls-auth-clients (yes) and a 1-second handshake timeout."""
    port = free_port()
    s = server_factory(tls_args(certs, port, "--tls-handshake-timeout", "1"))
    s.tls_port = port
    return s


def tls_client(server, certs, cert=True, **kw):
    kw.setdefault("socket_timeout", 60)
    if cert:
        kw.update(ssl_certfile=certs.client_crt, ssl_keyfile=certs.client_key)
    return redis.Redis(port=server.tls_port, ssl=True, ssl_ca_certs=certs.ca_crt, **kw)


def info_field(server, section, name):
    return server.client(decode_responses=True).info(section)[name]


def test_strings_pipelines_and_large_values_over_tls_beside_plain(tls_server, certs):
    t = tls_client(tls_server, certs)
    plain = tls_server.client()
    assert t.ping()
    assert t.set("k", "v") and plain.get("k") == b"v"
    plain.set("p", "from plain")
    assert t.get("p") == b"from plain"
    pipe = t.pipeline(transaction=False)
    for i in range(2000):
        pipe.set("key:%d" % i, "value:%d" % i)
        pipe.incr("counter")
    results = pipe.execute()
    assert results[-1] == 2000 and all(results[0::2])
    assert plain.get("key:1999") == b"value:1999"
    # 1 MB values in both directions, then 16 MB of replies at once: more than the socket
    # buffers hold, so the server's writes wait for the client (partial and repeated writes).
    big = os.urandom(1 << 20)
    assert t.set("big", big)
    assert plain.get("big") == big
    plain.set("big2", big[::-1])
    assert t.get("big2") == big[::-1]
    pipe = t.pipeline(transaction=False)
    for _ in range(16):
        pipe.get("big")
    assert pipe.execute() == [big] * 16
    assert info_field(tls_server, "server", "tls_port") == tls_server.tls_port


def test_redis_cli_over_tls(tls_server, certs):
    out = subprocess.run(["redis-cli", "--tls", "--cacert", certs.ca_crt, "--cert",
                          certs.client_crt, "--key", certs.client_key, "-p",
                          str(tls_server.tls_port), "ping"], capture_output=True, text=True,
                         timeout=60)
    assert out.stdout.strip() == "PONG", out.stderr


def test_auth_clients_yes_refuses_a_client_without_certificate(tls_server, certs):
    before = info_field(tls_server, "stats", "tls_handshake_failures")
    for cert in (False, "stranger"):
        kw = {}
        if cert:
            kw = dict(ssl_certfile=certs.stranger_crt, ssl_keyfile=certs.stranger_key)
        c = tls_client(tls_server, certs, cert=False, **kw)
        with pytest.raises(redis.exceptions.ConnectionError):
            c.ping()
    wait_until(lambda: info_field(tls_server, "stats", "tls_handshake_failures") >= before + 2,
               what="two refused handshakes counted")
    assert tls_client(tls_server, certs).ping()


def test_auth_clients_optional_and_no(server_factory, certs):
    port = free_port()
    s = server_factory(tls_args(certs, port, "--tls-auth-clients", "optional"))
    s.tls_port = port
    assert tls_client(s, certs, cert=False).ping()
    assert tls_client(s, certs).ping()
    stranger = tls_client(s, certs, cert=False, ssl_certfile=certs.stranger_crt,
                          ssl_keyfile=certs.stranger_key)
    with pytest.raises(redis.exceptions.ConnectionError):
        stranger.ping()  # optional: none is fine, an invalid one is not
    # The redis-cli command of docs/security.md, without a client certificate.
    out = subprocess.run(["redis-cli", "--tls", "--cacert", certs.ca_crt, "-p", str(port),
                          "ping"], capture_output=True, text=True, timeout=60)
    assert out.stdout.strip() == "PONG", out.stderr


def test_auth_clients_no_needs_no_ca(server_factory, certs):
    port = free_port()
    s = server_factory(["--tls-port", str(port), "--tls-cert-file", certs.server_crt,
                        "--tls-key-file", certs.server_key, "--tls-auth-clients", "no"])
    s.tls_port = port
    assert tls_client(s, certs, cert=False).set("a", "1")
    assert s.client().get("a") == b"1"


def raw_tls_ping(port, ca, minimum, maximum):
    """PING over a TLS connection limited to the given versions; returns the reply bytes."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.load_verify_locations(ca)
    ctx.minimum_version, ctx.maximum_version = minimum, maximum
    with socket.create_connection(("127.0.0.1", port), timeout=30) as raw:
        with ctx.wrap_socket(raw, server_hostname="127.0.0.1") as s:
            s.sendall(b"PING\r\n")
            return s.recv(100)


def test_tls_protocols_limits_versions(server_factory, certs):
    port = free_port()
    s = server_factory(tls_args(certs, port, "--tls-auth-clients", "no", "--tls-protocols",
                                "TLSv1.2"))
    v12, v13 = ssl.TLSVersion.TLSv1_2, ssl.TLSVersion.TLSv1_3
    assert raw_tls_ping(port, certs.ca_crt, v12, v12) == b"+PONG\r\n"
    with pytest.raises((ssl.SSLError, ConnectionError)):
        raw_tls_ping(port, certs.ca_crt, v13, v13)
    assert s.client().ping()


def test_stalled_and_garbage_handshakes_block_no_worker(server_factory, certs):
    """One worker: a client that stops in the middle of its ClientHello, and one that sends
    bytes that are not TLS, must not keep the worker from serving a TLS client; the stalled one
    is closed by tls-handshake-timeout."""
    port = free_port()
    s = server_factory(tls_args(certs, port, "--workers", "1", "--tls-handshake-timeout", "1"))
    s.tls_port = port
    stalled = socket.create_connection(("127.0.0.1", port), timeout=60)
    # A handshake record announcing 512 bytes of ClientHello, of which only the start comes.
    stalled.sendall(b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03" + os.urandom(20))
    garbage = socket.create_connection(("127.0.0.1", port), timeout=60)
    garbage.sendall(b"*1\r\n$4\r\nPING\r\n" + os.urandom(200))
    t = tls_client(s, certs)
    assert t.set("served", "yes") and t.get("served") == b"yes"
    # The garbage client is refused at once (maybe after a TLS alert), the stalled one after
    # the timeout; both connections end from the server's side.
    for sock in (garbage, stalled):
        try:
            while sock.recv(4096):
                pass
        except ConnectionResetError:
            pass
        sock.close()
    stats = s.client(decode_responses=True).info("stats")
    assert stats["tls_handshake_timeouts"] >= 1
    assert stats["tls_handshake_failures"] >= 1
    assert t.get("served") == b"yes"  # the TLS client lived through it


def test_tls_keys_cannot_change_at_run_time(tls_server, certs):
    r = tls_server.client(decode_responses=True)
    assert r.config_get("tls-port") == {"tls-port": str(tls_server.tls_port)}
    assert r.config_get("tls-auth-clients") == {"tls-auth-clients": "yes"}
    for key, value in (("tls-cert-file", "/tmp/x.crt"), ("tls-key-file", "/tmp/x.key"),
                       ("tls-ca-cert-file", "/tmp/ca.crt"), ("tls-port", "7000"),
                       ("tls-auth-clients", "no"), ("tls-protocols", "TLSv1.3")):
        assert_error(r.config_set, key, value,
                     text="CONFIG SET failed (possibly related to argument '%s') - can't set "
                          "immutable config" % key)
    assert r.config_set("tls-handshake-timeout", "5")


def startup_error(args, data_dir):
    """Runs the binary with args, expects it to refuse to start; returns its stderr."""
    out = subprocess.run([MNEMO_BIN, "--port", str(free_port()), "--dir", data_dir] + args,
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 1, out.stderr
    return log_messages(out.stderr)


def test_bad_tls_settings_stop_startup_with_a_clear_message(certs, data_dir):
    port = str(free_port())
    base = ["--tls-port", port, "--tls-ca-cert-file", certs.ca_crt]
    missing = os.path.join(certs.dir, "missing.crt")
    cases = [
        (["--tls-protocols", "TLSv1.2 TLSv1.4"],
         "--tls-protocols: CONFIG SET failed (possibly related to argument "
         "'tls-protocols') - Invalid tls-protocols specified. Use a combination of 'TLSv1', "
         "'TLSv1.1', 'TLSv1.2' and 'TLSv1.3'."),
        (base + ["--tls-cert-file", missing, "--tls-key-file", certs.server_key],
         "TLS: can't open tls-cert-file '%s': No such file or directory" % missing),
        (base + ["--tls-key-file", certs.server_key],
         "TLS: tls-port is set but tls-cert-file is empty"),
        (base + ["--tls-cert-file", certs.server_crt, "--tls-key-file", certs.client_key],
         "TLS: can't load tls-key-file '%s': key values mismatch" % certs.client_key),
        (base + ["--tls-cert-file", certs.server_csr, "--tls-key-file", certs.server_key],
         "TLS: can't load tls-cert-file '%s': no start line; PEM lib" % certs.server_csr),
        (["--tls-port", port, "--tls-cert-file", certs.server_crt, "--tls-key-file",
          certs.server_key],
         "TLS: tls-auth-clients is 'yes' but tls-ca-cert-file is empty (set it, or set "
         "tls-auth-clients to no)"),
    ]
    for args, message in cases:
        assert startup_error(args, data_dir) == message
    # Same port for both: refused rather than splitting one port's clients between them.
    out = subprocess.run([MNEMO_BIN, "--port", port, "--dir", data_dir] + base +
                         ["--tls-cert-file", certs.server_crt, "--tls-key-file",
                          certs.server_key], capture_output=True, text=True, timeout=120)
    assert out.returncode == 1 and log_messages(out.stderr) == "tls-port must differ from port"


def test_tls_pipeline_of_large_replies_read_slowly_never_stalls(tls_server, certs):
    """More pipelined requests than one read takes and replies far beyond the socket buffers,
    read with pauses, over TLS: the connection stops reading while its replies are blocked and
    must pick the requests left (in its buffer, in TLS's, or in the socket) up again once they
    drain."""
    value = os.urandom(64 * 1024)
    t = tls_client(tls_server, certs)
    assert t.set("v", value)
    ctx = ssl.create_default_context(cafile=certs.ca_crt)
    ctx.load_cert_chain(certs.client_crt, certs.client_key)
    n = 800  # ~24 KB of requests, 50 MB of replies
    request = b"*2\r\n$3\r\nGET\r\n$1\r\nv\r\n" * n + b"*1\r\n$4\r\nPING\r\n"
    want = (b"$%d\r\n%s\r\n" % (len(value), value)) * n + b"+PONG\r\n"
    with socket.create_connection(("127.0.0.1", tls_server.tls_port), timeout=10) as raw_sock:
        with ctx.wrap_socket(raw_sock, server_hostname="127.0.0.1") as s:
            s.sendall(request)
            got = bytearray()
            while len(got) < len(want):
                if len(got) % 7 == 0:
                    time.sleep(0.01)  # a slow reader now and then
                chunk = s.recv(min(256 * 1024, len(want) - len(got)))  # 10 s silence fails
                assert chunk, "closed after %d of %d reply bytes" % (len(got), len(want))
                got += chunk
    assert bytes(got) == want
    assert t.ping()


def test_second_server_on_a_taken_tls_port_refuses_to_start(tls_server, certs, data_dir):
    other_dir = os.path.join(data_dir, "second")
    os.mkdir(other_dir)
    # Its plain port is free; the TLS port is the first server's.
    assert (startup_error(tls_args(certs, tls_server.tls_port), other_dir) ==
            "cannot listen on 127.0.0.1:%d: Address already in use" % tls_server.tls_port)
    c = tls_client(tls_server, certs)
    assert c.ping()
    c.close()
