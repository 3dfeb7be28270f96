"""The client matrix: each popular client, with its defaults, runs the same checks against Mnemo
(strings, keys, a 100-command pipeline, SCAN MATCH over 500 keys, an error reply as the client's
error type, a 1 MB value). The client scripts live in tests/clients/ (README there); each prints
"<client> <version>: ok" and exits non-zero on a failure. A client that cannot run here (not
installed, Node modules missing) fails its test: scripts/install-deps.sh installs them all.
"""
import os
import re
import subprocess
import sys

import pytest

from conftest import MNEMO_BIN, ROOT

CLIENTS_DIR = os.path.join(ROOT, "tests", "clients")
CLIENTS_DOC = os.path.join(ROOT, "docs", "clients.md")
NODE_DIR = os.path.join(CLIENTS_DIR, "node")

# name -> (argv before the port, argv after it, what the result line starts with)
CLIENTS = {
    "redis-py": ([sys.executable, os.path.join(CLIENTS_DIR, "python", "matrix_redis_py.py")], [],
                 "redis-py "),
    # node-redis's defaults speak RESP3 (HELLO 3 on connect); RESP2 is its documented opt-out.
    "node-redis": (["node", os.path.join(NODE_DIR, "matrix_node_redis.js")], [], "node-redis "),
    "node-redis-resp2": (["node", os.path.join(NODE_DIR, "matrix_node_redis.js")], ["RESP2"],
                         "node-redis "),
    "ioredis": (["node", os.path.join(NODE_DIR, "matrix_ioredis.js")], [], "ioredis "),
    "ruby-redis": (["ruby", os.path.join(CLIENTS_DIR, "ruby", "matrix_ruby_redis.rb")], [],
                   "ruby-redis "),
    "phpredis": (["php", os.path.join(CLIENTS_DIR, "php", "matrix_phpredis.php")], [], "phpredis "),
    # Built by CMake beside the mnemo binary (tests/clients/hiredis/CMakeLists.txt).
    "hiredis": ([os.path.join(os.path.dirname(MNEMO_BIN), "matrix_hiredis")], [], "hiredis "),
}


def run_client(name, port):
    before, after, _ = CLIENTS[name]
    try:
        # Generous: a script takes about a second here; a slow or sanitized server may be slower.
        return subprocess.run(before + [str(port)] + after, capture_output=True, text=True,
                              timeout=120, cwd=CLIENTS_DIR)
    except FileNotFoundError as e:
        pytest.fail("client %s cannot run on this machine (%s); run scripts/install-deps.sh"
                    % (name, e))


@pytest.mark.parametrize("name", sorted(CLIENTS))
def test_client_runs_the_matrix(name, shared_server, sr):
    res = run_client(name, shared_server.port)
    out = res.stdout.strip()
    assert res.returncode == 0, "%s failed (exit %d):\n%s\n%s" % (name, res.returncode, out,
                                                                  res.stderr[-4000:])
    m = re.fullmatch(re.escape(CLIENTS[name][2]) + r"(\S+).*: ok", out)
    assert m, out
    # docs/clients.md names the version that ran: its table row for the client has it.
    client, version = out.split()[0], m.group(1)
    with open(CLIENTS_DOC) as f:
        rows = [line for line in f if line.startswith("| %s |" % client)]
    assert len(rows) == 1 and " %s " % version in rows[0], \
        "docs/clients.md must give %s's version as %s: %r" % (client, version, rows)
    # What the script left behind is what it wrote: 500 + 50 SCAN keys, 50 pipeline keys, the
    # first string (with its TTL), the INCR counter, the error key and the 1 MB value; the
    # renamed and deleted strings are gone.
    assert sr.dbsize() == 500 + 50 + 50 + 4
    assert sr.ttl("s:k") > 0 and sr.get("s:n") == "42" and not sr.exists("s:a", "s:b", "s:c")
    assert sr.strlen("big") == 1 << 20
