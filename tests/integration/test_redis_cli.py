"""redis-cli against Mnemo: the interactive hints and HELP (driven under tmux), and the modes
operators use: --stat, --bigkeys, --memkeys, --hotkeys and -3 (RESP3).

Every test runs twice: against Mnemo and against a redis-server 7 started beside it. The
redis-server run proves the assertion is Redis's own behaviour, so a failure on Mnemo alone is
Mnemo's, and one on both is a change in redis-cli (a new Debian version) rather than in Mnemo.
"""
import os
import re
import select
import shutil
import subprocess
import tempfile
import time

import pytest
import redis

from conftest import ROOT, free_port
from helpers import wait_until

# The environment of every redis-cli run: no history file or rc file of the user's.
CLI_ENV = dict(os.environ, REDISCLI_HISTFILE="/dev/null", REDISCLI_RCFILE="/dev/null")

# redis-cli 7.0's hint for `SET foo ` and the syntax line of `HELP SET`, as redis-cli builds
# them from COMMAND DOCS (key specs and argument trees of Redis 7.0).
SET_ARGS = ("[NX|XX] [GET] [EX seconds|PX milliseconds|EXAT unix-time-seconds|"
            "PXAT unix-time-milliseconds|KEEPTTL]")


class Target:
    def __init__(self, name, port, client):
        self.name, self.port, self.client = name, port, client

    def cli(self, *args, timeout=60):
        """Runs redis-cli against the target; returns the completed process (text)."""
        return subprocess.run(["redis-cli", "-p", str(self.port)] + list(args), env=CLI_ENV,
                              capture_output=True, text=True, timeout=timeout)


@pytest.fixture(scope="module")
def redis_server():
    """A redis-server 7 without persistence, the reference the assertions are checked on."""
    d = tempfile.mkdtemp(prefix="mnemo-it-redis-")
    port = free_port()
    proc = subprocess.Popen(["redis-server", "--port", str(port), "--bind", "127.0.0.1",
                             "--save", "", "--appendonly", "no", "--dir", d],
                            stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
    c = redis.Redis(port=port, decode_responses=True, socket_timeout=20)

    def answers():
        try:
            return c.ping()
        except redis.ConnectionError:
            assert proc.poll() is None, "redis-server exited with %r" % proc.returncode
            return False

    wait_until(answers, timeout=30, what="redis-server to answer PING")
    yield port, c
    c.close()
    proc.terminate()
    proc.wait(timeout=60)
    shutil.rmtree(d, ignore_errors=True)


@pytest.fixture(params=["mnemo", "redis-server"])
def target(request):
    if request.param == "mnemo":
        server = request.getfixturevalue("shared_server")
        return Target("mnemo", server.port, request.getfixturevalue("sr"))
    port, c = request.getfixturevalue("redis_server")
    c.flushall()
    c.config_set("maxmemory-policy", "noeviction")
    return Target("redis-server", port, c)


# ---- interactive: hints and HELP under tmux ----

class Tmux:
    """One detached tmux server on a private socket, running one command in a wide window."""

    def __init__(self, command, env):
        self.dir = tempfile.mkdtemp(prefix="mnemo-it-tmux-")
        self.base = ["tmux", "-S", os.path.join(self.dir, "sock")]
        # TERM: tmux needs one to start its server; CI may have none.
        run_env = dict(env, TERM=env.get("TERM") or "xterm")
        subprocess.run(self.base + ["new-session", "-d", "-x", "230", "-y", "40"] + command,
                       env=run_env, check=True, timeout=30)

    def type(self, text):
        subprocess.run(self.base + ["send-keys", "-l", text], check=True, timeout=30)

    def keys(self, *keys):
        subprocess.run(self.base + ["send-keys"] + list(keys), check=True, timeout=30)

    def screen(self):
        return subprocess.run(self.base + ["capture-pane", "-p"], capture_output=True, text=True,
                              check=True, timeout=30).stdout

    def wait_for(self, predicate, what):
        try:
            return wait_until(lambda: predicate(self.screen()), timeout=30, interval=0.05,
                              what=what)
        except AssertionError as e:
            raise AssertionError("%s; the screen:\n%s" % (e, self.screen()))

    def close(self):
        subprocess.run(self.base + ["kill-server"], capture_output=True, timeout=30)
        shutil.rmtree(self.dir, ignore_errors=True)


@pytest.fixture
def cli_session(target):
    t = Tmux(["env", "REDISCLI_HISTFILE=/dev/null", "REDISCLI_RCFILE=/dev/null", "redis-cli", "-p",
              str(target.port)], CLI_ENV)
    prompt = "127.0.0.1:%d> " % target.port
    try:
        # capture-pane drops the trailing space of the prompt.
        t.wait_for(lambda s: prompt.rstrip() in lines(s), "the redis-cli prompt")
        yield t, prompt
    finally:
        t.close()


def lines(screen):
    return [line.rstrip() for line in screen.splitlines()]


def test_cli_hints_arguments_while_typing(cli_session):
    t, prompt = cli_session
    t.type("SET foo ")
    want = prompt + "SET foo value " + SET_ARGS
    t.wait_for(lambda s: want in lines(s), "the hint %r" % want)
    t.keys("C-u")
    t.type("GETRANGE k ")
    want = prompt + "GETRANGE k start end"
    t.wait_for(lambda s: want in lines(s), "the hint %r" % want)


def test_cli_help_shows_the_syntax(cli_session):
    t, _ = cli_session
    t.type("HELP SET")
    t.keys("Enter")
    want = "  SET key value " + SET_ARGS
    screen = t.wait_for(lambda s: want in lines(s) and "  group: string" in lines(s) and s,
                        "HELP SET's syntax %r" % want)
    assert "  since: 1.0.0" in lines(screen)


# ---- --stat ----

def read_stat_rows(proc, count, timeout=60):
    """The first `count` data rows of `redis-cli --stat` (the lines that start with a number),
    read as they come; the header lines are returned too."""
    buf, rows, header = b"", [], []
    deadline = time.time() + timeout
    while len(rows) < count:
        left = deadline - time.time()
        assert left > 0, "redis-cli --stat printed only %r" % buf
        ready, _, _ = select.select([proc.stdout], [], [], left)
        if not ready:
            continue
        chunk = os.read(proc.stdout.fileno(), 65536)
        assert chunk, "redis-cli --stat exited (%r) after %r" % (proc.poll(), buf)
        buf += chunk
        *done, rest = buf.split(b"\n")
        buf = rest
        for line in done:
            text = line.decode(errors="replace").rstrip()
            (rows if re.match(r"\d", text) else header).append(text)
    return header, rows[:count]


def test_cli_stat_keys_column_is_dbsize(target):
    c = target.client
    # Overwrites, expiries and deletes: a key count estimated from storage drifts from DBSIZE.
    for round in range(3):
        c.mset({"stat:%d" % i: "v%d.%d" % (i, round) for i in range(200)})
    for i in range(50):
        c.expire("stat:%d" % i, 1000)
    c.delete(*["stat:%d" % i for i in range(180, 200)])
    dbsize = c.dbsize()
    assert dbsize == 180
    # stdbuf: redis-cli writes through stdio, fully buffered into a pipe.
    proc = subprocess.Popen(["stdbuf", "-oL", "redis-cli", "-p", str(target.port), "--stat",
                             "-i", "0.1"], env=CLI_ENV, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT)
    try:
        header, rows = read_stat_rows(proc, 3)
    finally:
        proc.kill()
        proc.wait()
    assert any(h.split()[:3] == ["keys", "mem", "clients"] for h in header), header
    requests = []
    for row in rows:
        cols = row.split()
        assert cols[0] == str(dbsize), "--stat keys column %r, DBSIZE %d" % (row, dbsize)
        assert int(cols[2]) >= 2, row  # clients: this test's and redis-cli's
        requests.append(int(cols[4]))
    assert requests == sorted(requests), rows


# ---- --bigkeys, --memkeys ----

SMALL = 30


def fill_sized(c):
    """SMALL keys of 1..SMALL bytes and one of 5000: the biggest string is "biggest"."""
    c.mset({"small:%d" % i: "x" * i for i in range(1, SMALL + 1)})
    c.set("biggest", "b" * 5000)
    return sum(range(1, SMALL + 1)) + 5000


def test_cli_bigkeys_finds_the_biggest_string(target):
    total = fill_sized(target.client)
    res = target.cli("--bigkeys")
    assert res.returncode == 0, res.stdout + res.stderr
    out = res.stdout
    assert "Sampled %d keys in the keyspace!" % (SMALL + 1) in out, out
    assert "Biggest string found '\"biggest\"' has 5000 bytes" in out, out
    assert "%d strings with %d bytes (100.00%% of keys" % (SMALL + 1, total) in out, out


def test_cli_memkeys_reports_memory_usage(target):
    fill_sized(target.client)
    res = target.cli("--memkeys")
    assert res.returncode == 0, res.stdout + res.stderr
    m = re.search(r"Biggest string found '\"(\S+)\"' has (\d+) bytes", res.stdout)
    assert m, res.stdout
    # redis-cli asks MEMORY USAGE <key> SAMPLES 0; it prints what the server said.
    usage = target.client.execute_command("MEMORY", "USAGE", "biggest", "SAMPLES", "0")
    assert (m.group(1), int(m.group(2))) == ("biggest", usage)
    assert 5000 <= usage < 5000 + 4096
    assert "%d strings with " % (SMALL + 1) in res.stdout


# ---- --hotkeys ----

def test_cli_hotkeys_finds_the_hot_key(target):
    c = target.client
    if target.name == "redis-server":
        # Redis counts accesses only under an LFU policy; Mnemo has no eviction policy to choose,
        # so its OBJECT FREQ must count them without one.
        c.config_set("maxmemory-policy", "allkeys-lfu")
    # Values that are not integers: Redis shares small-integer objects, and with them the counter.
    for i in range(10):
        c.set("cold:%d" % i, "v%d" % i)
    c.set("hot", "vhot")
    p = c.pipeline(transaction=False)
    for _ in range(300):
        p.get("hot")
    p.execute()
    res = target.cli("--hotkeys")
    assert res.returncode == 0 and "Error" not in res.stdout, res.stdout + res.stderr
    found = re.findall(r"hot key found with counter: (\d+)\tkeyname: \"(\S+)\"", res.stdout)
    assert len(found) == 11, res.stdout
    counters = {name: int(n) for n, name in found}
    assert found[0][1] == "hot", res.stdout
    assert all(counters["hot"] > counters["cold:%d" % i] for i in range(10)), res.stdout


# ---- -3 ----

def test_cli_resp3(target):
    res = target.cli("-3", "PING")
    assert (res.returncode, res.stdout, res.stderr) == (0, "PONG\n", "")
    res = target.cli("-3", "--no-raw", "HELLO")
    assert res.returncode == 0 and res.stderr == "", res.stdout + res.stderr
    assert re.search(r'^\d+# "proto" => \(integer\) 3$', res.stdout, re.M), res.stdout
    # CONFIG GET is a map in RESP3.
    want = target.client.config_get("maxmemory")["maxmemory"]
    res = target.cli("-3", "--no-raw", "CONFIG", "GET", "maxmemory")
    assert (res.returncode, res.stdout) == (0, '1# "maxmemory" => "%s"\n' % want), res.stderr


def test_docs_name_the_redis_cli_version():
    version = subprocess.run(["redis-cli", "--version"], capture_output=True, text=True,
                             check=True, timeout=30).stdout.split()[1]
    with open(os.path.join(ROOT, "docs", "clients.md")) as f:
        rows = [line for line in f if line.startswith("| redis-cli |")]
    assert len(rows) == 1 and rows[0].startswith("| redis-cli | %s |" % version), rows
