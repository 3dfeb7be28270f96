"""A full disk: the data directory on a 64 MB tmpfs that the test mounts (CI runs as root; a
machine where mounting is impossible fails the test, it is not skipped) and fills. Writes get the
disk-full error, never +OK for a write that did not reach the WAL; reads keep working; once space
is freed (a bigger mount, or a file of the test deleted) writes resume without a restart; INFO
persistence shows the error and the recovery; and every acknowledged write is there after the
recovery and after a restart."""
import errno
import os
import shutil
import subprocess
import tempfile

import pytest
import redis

from conftest import SANITIZED, MnemoServer
from helpers import wait_until

DISK_FULL = "disk full: write refused until space is freed"
RECOVERY_TIMEOUT = 120  # RocksDB polls the free space every few seconds; slow machines


class SmallDisk:
    """A tmpfs of `mb` MB with a mnemo data directory on it, and the servers run on it; the
    server's log is kept off the small disk."""

    def __init__(self, mb=64):
        self.mount = tempfile.mkdtemp(prefix="mnemo-diskfull-")
        self.logs = tempfile.mkdtemp(prefix="mnemo-diskfull-log-")
        r = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=%dm" % mb, "tmpfs", self.mount],
                           capture_output=True, text=True)
        if r.returncode != 0:
            os.rmdir(self.mount)
            pytest.fail("cannot mount a tmpfs for the full-disk test (needs root): " + r.stderr)
        self.data = os.path.join(self.mount, "mnemo")
        os.mkdir(self.data)
        self.server = None

    def start(self):
        if self.server is None:
            self.server = MnemoServer(self.data)
            self.server.log_path = os.path.join(self.logs, "server.log")
        self.server.start()
        return self.server

    def resize(self, mb):
        subprocess.run(["mount", "-o", "remount,size=%dm" % mb, self.mount], check=True)

    def free_bytes(self):
        st = os.statvfs(self.mount)
        return st.f_bavail * st.f_frsize

    def close(self):
        code = self.server.stop() if self.server else None
        log = self.server.read_log() if self.server else ""
        subprocess.run(["umount", self.mount], check=False)
        os.rmdir(self.mount)
        shutil.rmtree(self.logs, ignore_errors=True)
        assert code in (None, 0), "server exited with %r:\n%s" % (code, log)


@pytest.fixture
def disk():
    d = SmallDisk()
    yield d
    d.close()


class Model:
    """What the server acknowledged, and what it refused (each key is written once)."""

    def __init__(self):
        self.acked = {}
        self.refused = {}
        self.n = 0

    def write(self, c, values):
        """Pipelines one SET per value; records each reply. Returns the number refused."""
        p = c.pipeline(transaction=False)
        keys = []
        for v in values:
            keys.append(b"k:%d" % self.n)
            self.n += 1
            p.set(keys[-1], v)
        refused = 0
        for k, v, reply in zip(keys, values, p.execute(raise_on_error=False)):
            if reply is True:
                self.acked[k] = v
            else:
                assert isinstance(reply, redis.ResponseError), reply
                assert str(reply).startswith(DISK_FULL), str(reply)
                self.refused[k] = v
                refused += 1
        return refused

    def check(self, c):
        """Every acknowledged write reads back exactly; a refused one is absent or whole (a
        refused write is not applied, but its WAL record may be completed by the recovery)."""
        keys = list(self.acked)
        for i in range(0, len(keys), 200):
            chunk = keys[i:i + 200]
            got = c.mget(chunk)
            for k, v in zip(chunk, got):
                assert v == self.acked[k], "acknowledged write %r lost" % k
        keys = list(self.refused)
        for i in range(0, len(keys), 200):
            chunk = keys[i:i + 200]
            for k, v in zip(chunk, c.mget(chunk)):
                assert v is None or v == self.refused[k], "refused write %r is torn" % k


def persistence(c):
    return c.info("persistence")


def fill(c, model, value_size, batch, min_refused=20):
    """Writes until at least `min_refused` writes were refused with the disk-full error."""
    refused = 0
    for _ in range(1000000):
        refused += model.write(c, [os.urandom(value_size) for _ in range(batch)])
        if refused >= min_refused:
            return
    raise AssertionError("the disk never filled")


def wait_writes_resume(c, model):
    """Writes again until one is accepted; every refusal meanwhile is the disk-full error."""
    wait_until(lambda: model.write(c, [b"after"]) == 0, timeout=RECOVERY_TIMEOUT, interval=0.2,
               what="writes to resume once space was freed")


def check_refused_and_readable(c, model):
    try:
        c.set(b"probe", b"x")
        model.acked[b"probe"] = b"x"  # a recovery attempt let it in: it must then be durable
    except redis.ResponseError as e:
        assert str(e).startswith(DISK_FULL), str(e)
    # Reads keep working: every acknowledged value, and the key count.
    model.check(c)
    assert c.dbsize() >= 1


def first_dump(c):
    """A heap profile dump while there is room, so the profiler knows a dump's size."""
    if SANITIZED:
        return
    c.execute_command("KPROFILE", "MEMORY", "ENABLE")
    c.execute_command("KPROFILE", "MEMORY", "DUMP")


def check_dump_refused(c, disk):
    """With no byte left (a file of the test takes the rest), a heap profile dump is refused
    before it writes anything. Returns the file, for the test to delete (absent when the
    server had already filled the disk to the last block)."""
    top_up = os.path.join(disk.mount, "top-up")
    try:
        f = open(top_up, "wb")
    except OSError as e:  # the server's files left not even room for the file's entry: full
        assert e.errno == errno.ENOSPC, e
        f = None
    if f is not None:
        with f:
            try:
                while True:
                    f.write(b"\0" * 65536)
                    f.flush()
            except OSError:
                pass
    if not SANITIZED:
        with pytest.raises(redis.ResponseError) as e:
            c.execute_command("KPROFILE", "MEMORY", "DUMP")
        assert str(e.value).startswith("not enough free disk space for a heap profile dump")
        c.execute_command("KPROFILE", "MEMORY", "DISABLE")
    return top_up


def check_recovered(c, model, before):
    info = persistence(c)
    assert info["storage_status"] == "ok", info
    assert info["storage_writes_refused"] == 0
    assert info["storage_error"] in ("", None)
    assert info["storage_error_since"] == 0
    assert info["storage_recoveries"] >= before["storage_recoveries"] + 1
    # And it keeps accepting writes: a few MB more.
    for _ in range(8):
        assert model.write(c, [os.urandom(4096) for _ in range(64)]) == 0
    model.check(c)


def restart_and_check(disk, model):
    assert disk.server.stop() == 0
    disk.start()
    c = disk.server.client()
    model.check(c)
    assert persistence(c)["storage_status"] == "ok"
    c.connection_pool.disconnect()


def test_flushes_fill_the_disk_then_a_bigger_mount_resumes_writes(disk):
    """Large incompressible values: the memtable flushes and compactions run out of space."""
    c = disk.start().client()
    model = Model()
    assert persistence(c)["storage_status"] == "ok"
    first_dump(c)
    fill(c, model, value_size=64 * 1024, batch=8)
    assert len(model.acked) > 100, "a 64 MB disk took only %d values" % len(model.acked)
    before = check_full_info(c)
    check_refused_and_readable(c, model)
    check_dump_refused(c, disk)
    disk.resize(160)
    wait_writes_resume(c, model)
    check_recovered(c, model, before)
    c.connection_pool.disconnect()
    restart_and_check(disk, model)


def test_wal_appends_fill_the_disk_then_deleting_a_file_resumes_writes(disk):
    """Small values on a disk that a file of the test has almost filled: the WAL append of a
    write fails, so that write's own reply is the error."""
    c = disk.start().client()
    model = Model()
    model.write(c, [b"v%d" % i for i in range(100)])
    first_dump(c)
    filler = os.path.join(disk.mount, "filler")
    with open(filler, "wb") as f:
        while disk.free_bytes() > 2 << 20:
            f.write(b"\0" * (1 << 20))
    fill(c, model, value_size=1000, batch=16)
    before = check_full_info(c)
    check_refused_and_readable(c, model)
    top_up = check_dump_refused(c, disk)
    if os.path.exists(top_up):
        os.remove(top_up)
    os.remove(filler)
    wait_writes_resume(c, model)
    check_recovered(c, model, before)
    c.connection_pool.disconnect()
    restart_and_check(disk, model)


def check_full_info(c):
    """INFO while the disk is full: the error, the time it began, writes refused. RocksDB
    retries in the background, so wait for the refusing state rather than expect it at once."""
    def refused():
        info = persistence(c)
        return info if info["storage_writes_refused"] == 1 else None

    info = wait_until(refused, timeout=60, what="INFO to show writes refused")
    assert info["storage_status"] == "err"
    assert str(info["storage_error"]).startswith("disk full during "), info
    assert info["storage_error_since"] > 0
    assert info["storage_errors"] >= 1
    return info
