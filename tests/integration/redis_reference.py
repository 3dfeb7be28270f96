"""A redis-server 7.0 (the reference installed on this machine) started for a test module, so
tests can compare Mnemo's replies with Redis's own."""
import os
import shutil
import subprocess
import tempfile
import time

import redis

from conftest import free_port


class RedisServer:
    def __init__(self, extra_args=()):
        self.dir = tempfile.mkdtemp(prefix="mnemo-redis-ref-")
        self.port = free_port()
        self.proc = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", self.dir] + list(extra_args),
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.time() + 30
        while True:
            try:
                redis.Redis(port=self.port, socket_timeout=5).ping()
                return
            except redis.exceptions.ConnectionError:
                if time.time() > deadline or self.proc.poll() is not None:
                    raise RuntimeError("redis-server did not start")
                time.sleep(0.05)

    def client(self, **kw):
        kw.setdefault("socket_timeout", 30)
        return redis.Redis(port=self.port, **kw)

    def stop(self):
        self.proc.terminate()
        self.proc.wait(timeout=30)
        shutil.rmtree(self.dir, ignore_errors=True)
