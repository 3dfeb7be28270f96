"""Fixtures that start the real mnemo binary on a free port with a temporary data directory.

MNEMO_BIN names the binary (the Makefile sets it); tests talk to it with redis-py over TCP.
"""
import os
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import time

import pytest
import redis

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
MNEMO_BIN = os.environ.get("MNEMO_BIN", os.path.join(ROOT, "build", "mnemo"))
SANITIZED = os.environ.get("MNEMO_SANITIZED") == "1"


# The log's line prefix (common/log.h): "<pid>:<tid> 02 Dec 2026 02:13:00.123 <mark> ".
LOG_PREFIX = re.compile(r"^\d+:\d+ \d\d [A-Z][a-z]{2} \d{4} \d\d:\d\d:\d\d\.\d{3} [.*#-] ")


def log_messages(text):
    """The messages of log lines (their prefixes removed), one per line."""
    lines = text.strip().splitlines()
    assert all(LOG_PREFIX.match(l) for l in lines), text
    return "\n".join(LOG_PREFIX.sub("", l) for l in lines)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class MnemoServer:
    """A mnemo process. start() waits until it answers PING."""

    def __init__(self, data_dir, extra_args=(), config_text=None, env=None):
        self.data_dir = data_dir
        self.extra_args = list(extra_args)
        self.config_text = config_text
        # Extra environment variables for the process (e.g. {"MALLOC_CONF": "prof:false"}).
        self.env = dict(env or {})
        # Called in the child before exec (e.g. to set a resource limit), or None.
        self.preexec_fn = None
        self.port = None
        self.proc = None
        self.log_path = os.path.join(data_dir, "server.log")

    def start(self, timeout=30, port=None):
        self.port = port or free_port()
        args = [MNEMO_BIN, "--port", str(self.port), "--dir", self.data_dir]
        if self.config_text is not None:
            path = os.path.join(self.data_dir, "mnemo.conf")
            if not os.path.exists(path):
                with open(path, "w") as f:
                    f.write(self.config_text)
            args = [MNEMO_BIN, "--config", path, "--port", str(self.port), "--dir", self.data_dir]
        args += self.extra_args
        self.log = open(self.log_path, "ab")
        env = dict(os.environ, **self.env) if self.env else None
        self.proc = subprocess.Popen(args, stdout=self.log, stderr=subprocess.STDOUT, env=env,
                                     preexec_fn=self.preexec_fn)
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("mnemo exited early:\n" + self.read_log())
            try:
                c = redis.Redis(port=self.port, socket_timeout=5)
                c.ping()
                c.close()
                c.connection_pool.disconnect()  # close() alone leaves the socket open
                return self
            except redis.exceptions.AuthenticationError:
                return self
            except redis.exceptions.ResponseError as e:
                if "NOAUTH" in str(e):
                    return self
                raise
            except (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError):
                time.sleep(0.05)
        raise RuntimeError("mnemo did not start:\n" + self.read_log())

    def read_log(self):
        try:
            with open(self.log_path, "rb") as f:
                return f.read().decode(errors="replace")
        except OSError:
            return ""

    def client(self, **kw):
        kw.setdefault("socket_timeout", 60)
        return redis.Redis(port=self.port, **kw)

    def stop(self, sig=signal.SIGTERM, timeout=60):
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        code = self.proc.returncode
        self.proc = None
        self.log.close()
        return code

    def kill9(self):
        return self.stop(signal.SIGKILL)


@pytest.fixture
def data_dir():
    d = tempfile.mkdtemp(prefix="mnemo-it-")
    yield d
    shutil.rmtree(d, ignore_errors=True)


@pytest.fixture
def server_factory(data_dir):
    servers = []

    def make(extra_args=(), config_text=None, start=True, env=None):
        s = MnemoServer(data_dir, extra_args, config_text, env)
        servers.append(s)
        if start:
            s.start()
        return s

    yield make
    for s in servers:
        code = s.stop()
        assert code in (None, 0), "server exited with %r:\n%s" % (code, s.read_log())


@pytest.fixture
def server(server_factory):
    return server_factory()


@pytest.fixture
def r(server):
    c = server.client(decode_responses=True)
    yield c
    c.close()


@pytest.fixture(scope="module")
def shared_server():
    """One server for a whole test module (starting one per test costs ~0.5 s). Tests get it
    through `sr`, which empties it first. If a test crashed it, the next test gets a new one, and
    the module fails at teardown with the crash log."""
    d = tempfile.mkdtemp(prefix="mnemo-it-shared-")
    s = MnemoServer(d)
    s.crashes = []
    s.start()
    yield s
    code = s.stop()
    shutil.rmtree(d, ignore_errors=True)
    assert not s.crashes, "shared server died during the module:\n" + "\n".join(s.crashes)
    assert code in (None, 0), "shared server exited with %r" % code


@pytest.fixture
def sr(shared_server):
    """A decode_responses client on the module's shared server, after FLUSHALL."""
    s = shared_server
    if s.proc is None or s.proc.poll() is not None:
        code = s.stop()
        s.crashes.append("exit code %r; log:\n%s" % (code, s.read_log()[-4000:]))
        s.start()
    # A shorter timeout than client()'s: one command that never gets an answer costs 20 s, not
    # a minute (still generous for one command on a slow machine).
    c = s.client(decode_responses=True, socket_timeout=20)
    c.flushall()
    yield c
    c.close()
    c.connection_pool.disconnect()
