"""Fixtures that start the real mnemo binary on a free port with a temporary data directory.

MNEMO_BIN names the binary (the Makefile sets it); tests talk to it with redis-py over TCP.
"""
import os
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


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class MnemoServer:
    """A mnemo process. start() waits until it answers PING."""

    def __init__(self, data_dir, extra_args=(), config_text=None):
        self.data_dir = data_dir
        self.extra_args = list(extra_args)
        self.config_text = config_text
        self.port = None
        self.proc = None
        self.log_path = os.path.join(data_dir, "server.log")

    def start(self, timeout=30):
        self.port = free_port()
        args = [MNEMO_BIN, "--port", str(self.port), "--dir", self.data_dir]
        if self.config_text is not None:
            path = os.path.join(self.data_dir, "mnemo.conf")
            if not os.path.exists(path):
                with open(path, "w") as f:
                    f.write(self.config_text)
            args = [MNEMO_BIN, "--config", path, "--port", str(self.port), "--dir", self.data_dir]
        args += self.extra_args
        self.log = open(self.log_path, "ab")
        self.proc = subprocess.Popen(args, stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("mnemo exited early:\n" + self.read_log())
            try:
                c = redis.Redis(port=self.port, socket_timeout=5)
                c.ping()
                c.close()
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

    def make(extra_args=(), config_text=None, start=True):
        s = MnemoServer(data_dir, extra_args, config_text)
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
