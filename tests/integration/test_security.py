"""What docs/security.md promises, against the real binary: protected configs, dump names
confined to profiling-dir, and protected mode.

Tests that need a peer address other than loopback connect to the machine's own non-loopback
IPv4 address (the server bound to 0.0.0.0 sees that address as the peer).
"""
import os
import socket
import subprocess
import tempfile
import time

import pytest
import redis

from conftest import MNEMO_BIN, free_port
from helpers import assert_error

SANITIZED = os.environ.get("MNEMO_SANITIZED") == "1"
NOT_AVAILABLE = ("memory profiling is not available: this build uses the sanitizer allocator, "
                 "not jemalloc")
PROTECTED = ("CONFIG SET failed (possibly related to argument '%s') - can't set protected "
             "config")
IMMUTABLE = ("CONFIG SET failed (possibly related to argument '%s') - can't set immutable "
             "config")

# Redis 7.0's words (redis-server 7.0.15), with the product named Mnemo.
DENIED = (
    b"-DENIED Mnemo is running in protected mode because protected mode is enabled and no "
    b"password is set for the default user. In this mode connections are only accepted from the "
    b"loopback interface. If you want to connect from external computers to Mnemo you may adopt "
    b"one of the following solutions: 1) Just disable protected mode sending the command 'CONFIG "
    b"SET protected-mode no' from the loopback interface by connecting to Mnemo from the same "
    b"host the server is running, however MAKE SURE Mnemo is not publicly accessible from "
    b"internet if you do so. Use CONFIG REWRITE to make this change permanent. 2) Alternatively "
    b"you can just disable the protected mode by editing the Mnemo configuration file, and "
    b"setting the protected mode option to 'no', and then restarting the server. 3) If you "
    b"started the server manually just for testing, restart it with the '--protected-mode no' "
    b"option. 4) Setup a an authentication password for the default user. NOTE: You only need to "
    b"do one of the above things in order for the server to start accepting connections from the "
    b"outside.\r\n")


def public_ip():
    """This machine's first IPv4 address that is not loopback (as `hostname -I` lists them)."""
    out = subprocess.run(["hostname", "-I"], capture_output=True, text=True).stdout.split()
    for ip in out:
        if "." in ip and not ip.startswith("127."):
            return ip
    # No `hostname -I`: the source address of a route to a documentation address (UDP connect
    # sends nothing).
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.connect(("192.0.2.1", 9))
        ip = s.getsockname()[0]
    assert not ip.startswith("127."), "this machine has no IPv4 address other than loopback"
    return ip


def client_at(server, host, **kw):
    kw.setdefault("socket_timeout", 30)
    return redis.Redis(host=host, port=server.port, decode_responses=True, **kw)


def kp(c, *args):
    return c.execute_command("KPROFILE", "MEMORY", *args)


def kp_err(c, *args):
    with pytest.raises(redis.ResponseError) as e:
        kp(c, *args)
    return str(e.value)


def raw_exchange(host, port, payload=b"*1\r\n$4\r\nPING\r\n", timeout=30):
    """Connects, sends `payload`, and returns every byte the server sends until it closes.
    Fails (socket.timeout) if the server keeps the connection open."""
    with socket.create_connection((host, port), timeout=timeout) as s:
        s.sendall(payload)
        data = b""
        while True:
            try:
                chunk = s.recv(65536)
            except ConnectionResetError:
                break
            if not chunk:
                break
            data += chunk
    return data


# ---------------------------------------------------------------------------------------------
# protected configs

def test_path_keys_are_protected_by_default(server_factory, data_dir):
    elsewhere = tempfile.mkdtemp(prefix="mnemo-elsewhere-")
    try:
        s = server_factory()
        r = s.client(decode_responses=True)
        before = r.config_get("profiling-dir")
        assert_error(r.config_set, "profiling-dir", elsewhere, text=PROTECTED % "profiling-dir")
        assert r.config_get("profiling-dir") == before
        # Redis's order: an immutable key says so even though it is a path too.
        assert_error(r.config_set, "dir", elsewhere, text=IMMUTABLE % "dir")
        # All or nothing: the other pair of the same CONFIG SET is not applied either.
        assert_error(r.execute_command, "CONFIG", "SET", "maxclients", "77", "PROFILING-DIR",
                     elsewhere, text=PROTECTED % "PROFILING-DIR")
        assert r.config_get("maxclients") == {"maxclients": "10000"}
        # A client can't lift the protection.
        assert r.config_get("enable-protected-configs") == {"enable-protected-configs": "no"}
        for v in ("yes", "local", "no"):
            assert_error(r.config_set, "enable-protected-configs", v,
                         text=IMMUTABLE % "enable-protected-configs")
        # The attack: with the directory left alone, a dump lands in profiling-dir.
        if not SANITIZED:
            assert kp(r, "ENABLE") == "OK"
            assert kp(r, "DUMP") == "OK"
        assert os.listdir(elsewhere) == []
        # Keys that are not paths stay changeable.
        assert r.config_set("profiling-max-dumps", "5")
    finally:
        os.rmdir(elsewhere)


def test_enable_protected_configs_local_and_yes(server_factory, data_dir):
    ip = public_ip()
    prof = os.path.join(data_dir, "p")
    args = ["--bind", "0.0.0.0", "--requirepass", "pw", "--enable-protected-configs", "local"]
    s = server_factory(args)
    local = client_at(s, "127.0.0.1", password="pw")
    remote = client_at(s, ip, password="pw")
    assert remote.ping()
    assert_error(remote.config_set, "profiling-dir", prof + "-remote",
                 text=PROTECTED % "profiling-dir")
    assert local.config_set("profiling-dir", prof + "-local")
    assert remote.config_get("profiling-dir") == {"profiling-dir": prof + "-local"}
    s.stop()

    s = server_factory(["--bind", "0.0.0.0", "--requirepass", "pw",
                        "--enable-protected-configs", "yes"])
    remote = client_at(s, ip, password="pw")
    assert remote.config_set("profiling-dir", prof + "-yes")
    assert remote.config_get("profiling-dir") == {"profiling-dir": prof + "-yes"}


def test_protected_keys_load_from_the_config_file(server_factory, data_dir):
    prof = os.path.join(data_dir, "from-file")
    s = server_factory(config_text="enable-protected-configs local\nprofiling-dir %s\n" % prof)
    r = s.client(decode_responses=True)
    assert r.config_get("profiling-dir") == {"profiling-dir": prof}
    assert r.config_get("enable-protected-configs") == {"enable-protected-configs": "local"}
    # CONFIG REWRITE keeps both.
    assert r.config_set("profiling-dir", prof + "2")
    assert r.config_rewrite()
    with open(os.path.join(data_dir, "mnemo.conf")) as f:
        text = f.read()
    assert "enable-protected-configs local\n" in text and "profiling-dir %s2\n" % prof in text


# ---------------------------------------------------------------------------------------------
# dump names confined to profiling-dir

@pytest.fixture
def confined(server_factory, data_dir):
    """A server with profiling-dir <data_dir>/prof holding one real dump (jemalloc builds), an
    outside directory with a FIFO and a copy of that dump, and symlinks from inside to outside.
    Returns (client, prof, outside, name of the dump or None)."""
    prof = os.path.realpath(os.path.join(data_dir, "prof"))
    outside = tempfile.mkdtemp(prefix="mnemo-outside-")
    os.makedirs(prof)
    s = server_factory(["--profiling-dir", prof])
    r = s.client(decode_responses=True, socket_timeout=30)
    good = None
    if not SANITIZED:
        assert kp(r, "ENABLE") == "OK"
        assert kp(r, "DUMP") == "OK"
        good = [x for x in os.listdir(prof) if x.endswith(".heap")][0]
        with open(os.path.join(prof, good), "rb") as f:
            dump = f.read()
        with open(os.path.join(outside, "copy.heap"), "wb") as f:
            f.write(dump)
    os.mkfifo(os.path.join(outside, "fifo"))
    os.mkfifo(os.path.join(prof, "jeprof.7.7.heap"))
    os.symlink(os.path.join(outside, "copy.heap"), os.path.join(prof, "jeprof.8.8.heap"))
    os.symlink(outside, os.path.join(prof, "out"))
    yield r, prof, outside, good
    for n in os.listdir(outside):
        os.unlink(os.path.join(outside, n))
    os.rmdir(outside)


def missing_reply(name):
    return NOT_AVAILABLE if SANITIZED else "no such dump '%s'" % name


def test_top_of_a_fifo_outside_answers_at_once(confined):
    """Opening a FIFO blocks until a writer comes: a reply at all proves it was not opened. The
    background thread that runs TOP still serves the next request afterwards."""
    r, prof, outside, good = confined
    fifo = os.path.join(outside, "fifo")
    for name in (fifo, os.path.relpath(fifo, prof), "out/fifo"):
        assert kp_err(r, "TOP", "5", name) == missing_reply(name)
        assert kp_err(r, "DIFF", name, "x") == missing_reply(name)
    # A FIFO inside under a dump's name is not read either.
    assert kp_err(r, "TOP", "5", "jeprof.7.7.heap") == missing_reply("jeprof.7.7.heap")
    if not SANITIZED:
        assert isinstance(kp(r, "TOP", "5", good), list)


def test_existence_outside_is_not_revealed(confined):
    r, prof, outside, good = confined

    def reply(*args):
        with pytest.raises(redis.ResponseError) as e:
            kp(r, *args)
        return str(e.value)

    pairs = [("/etc/shadow", "/nonexistent/x"), ("/etc", "/nonexistent"),
             (os.path.join(outside, "copy.heap"), os.path.join(outside, "absent.heap")),
             ("../../../../../../../etc/passwd", "../../../../../../../etc/absent"),
             ("out/copy.heap", "out/absent.heap")]
    for there, absent in pairs:
        for form in (["TOP", "5", None], ["TOP", None], ["DIFF", None, "x"]):
            a = reply(*[there if x is None else x for x in form]).replace(there, "<name>")
            b = reply(*[absent if x is None else x for x in form]).replace(absent, "<name>")
            assert a == b == missing_reply("<name>"), (form, there, a, b)
        # DIFF's first argument too (when the second is a real dump).
        if good:
            assert reply("DIFF", there, good) == missing_reply(there)
            assert reply("DIFF", good, absent) == missing_reply(absent)


def test_symlink_inside_leading_outside_is_refused(confined):
    r, prof, outside, good = confined
    # The link's target is a valid dump, and LIST does not show the link.
    if not SANITIZED:
        assert "jeprof.8.8.heap" not in [dict(zip(x[0::2], x[1::2]))["name"]
                                          for x in kp(r, "LIST")]
    for name in ("jeprof.8.8.heap", os.path.join(prof, "jeprof.8.8.heap"), "out/copy.heap"):
        assert kp_err(r, "TOP", "5", name) == missing_reply(name)
        if good:
            assert kp_err(r, "DIFF", good, name) == missing_reply(name)
    # A symlink that stays inside is followed, as its real path is inside.
    if good:
        os.symlink(os.path.join(prof, good), os.path.join(prof, "jeprof.9.9.heap"))
        assert isinstance(kp(r, "TOP", "5", "jeprof.9.9.heap"), list)


def test_dump_directory_outside_answers_the_same_whether_it_exists(confined):
    r, prof, outside, good = confined
    for there, absent in [(outside, outside + "-absent"), ("out", "../nonexistent"),
                          ("/etc", "/nonexistent-dir"), ("out/", "../absent-dir/x")]:
        if SANITIZED:
            assert kp_err(r, "DUMP", there) == kp_err(r, "DUMP", absent) == NOT_AVAILABLE
            continue
        assert kp_err(r, "DUMP", there) == "'%s' is outside profiling-dir '%s'" % (there, prof)
        assert kp_err(r, "DUMP", absent) == "'%s' is outside profiling-dir '%s'" % (absent, prof)
    assert sorted(os.listdir(outside)) == sorted(["fifo"] + ([] if SANITIZED else ["copy.heap"]))


# ---------------------------------------------------------------------------------------------
# protected mode

def test_protected_mode_denies_remote_peers_without_password(server_factory):
    ip = public_ip()
    s = server_factory(["--bind", "0.0.0.0"])
    r = client_at(s, "127.0.0.1")
    assert r.config_get("protected-mode") == {"protected-mode": "yes"}
    def rejected():
        return int(r.info("stats")["rejected_connections"])

    before = rejected()
    # From the non-loopback address: the refusal, then the connection is closed.
    assert raw_exchange(ip, s.port) == DENIED
    assert raw_exchange(ip, s.port, payload=b"") == DENIED
    assert rejected() == before + 2
    # A Redis client sees an error (redis-py may reconnect once: each attempt is refused).
    with pytest.raises(redis.exceptions.RedisError):
        client_at(s, ip).ping()
    assert rejected() >= before + 3
    # Loopback clients are served, and may turn protected mode off (as the text tells them).
    assert r.ping()
    assert r.config_set("protected-mode", "no")
    assert client_at(s, ip).ping()
    assert r.config_set("protected-mode", "yes")
    assert raw_exchange(ip, s.port) == DENIED


def test_protected_mode_lets_clients_in_with_a_password(server_factory):
    ip = public_ip()
    s = server_factory(["--bind", "0.0.0.0", "--requirepass", "pw"])
    remote = client_at(s, ip, password="pw")
    assert remote.ping()
    assert remote.set("k", "v") and remote.get("k") == "v"
    # Without the password it is the usual NOAUTH, not DENIED.
    assert raw_exchange(ip, s.port, payload=b"*1\r\n$4\r\nPING\r\n*1\r\n$4\r\nQUIT\r\n") == \
        b"-NOAUTH Authentication required.\r\n+OK\r\n"
    # Removing the password at run time brings protected mode back for new connections.
    assert remote.config_set("requirepass", "")
    assert raw_exchange(ip, s.port) == DENIED


def test_protected_mode_no_serves_remote_peers(server_factory):
    ip = public_ip()
    s = server_factory(["--bind", "0.0.0.0", "--protected-mode", "no"])
    assert client_at(s, ip).ping()


def test_bound_to_the_public_address_denies_it(server_factory):
    """Bound to the machine's own address (not 0.0.0.0), a peer connecting to it is that address:
    not loopback, so denied."""
    ip = public_ip()
    s = server_factory(["--bind", ip], start=False)
    # The harness's start() waits for PING on 127.0.0.1, where this server does not listen: start
    # it here and wait for its answer on `ip` instead.
    s.port = free_port()
    s.log = open(s.log_path, "ab")
    s.proc = subprocess.Popen([MNEMO_BIN, "--port", str(s.port), "--dir", s.data_dir,
                               "--bind", ip], stdout=s.log, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 30
    while True:
        assert s.proc.poll() is None, s.read_log()
        try:
            reply = raw_exchange(ip, s.port)
            break
        except ConnectionRefusedError:
            assert time.monotonic() < deadline, "mnemo did not listen on %s:\n%s" % (
                ip, s.read_log())
            time.sleep(0.05)
    assert reply == DENIED
