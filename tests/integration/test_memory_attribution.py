"""Memory attributed to who uses it (docs/memory.md, docs/namespaces.md): each command's bytes
allocated per call in INFO commandstats, the memory of each connection (CLIENT LIST tot-mem,
MEMORY TOP CLIENTS), and every namespace's figures in MEMORY STATS, MEMORY REPORT and INFO
namespaces, read from one place so that they agree with NAMESPACE USAGE.

The build without jemalloc (MNEMO_SANITIZED) has no per-thread counters: there the alloc_*
figures and mem_client_running_commands must be 0, and the buffer-based figures still hold."""
import json
import socket

from conftest import SANITIZED
from helpers import cmd_error, encode_command, raw, wait_until

MB = 1 << 20
NS_FIELDS = ["keys", "expires", "data_bytes", "data_quota", "refused_writes", "clients",
             "client_bytes", "client_running_bytes", "client_quota", "clients_closed",
             "commands", "ops_per_sec"]


def cmdstat(c, name):
    line = c.info("commandstats")["cmdstat_" + name]
    if isinstance(line, dict):
        return {k: float(v) for k, v in line.items()}
    return {k: float(v) for k, v in (kv.split("=") for kv in line.split(","))}


def stats_map(c):
    """MEMORY STATS as a dict; namespace.<ns> maps as dicts too (RESP2: flat arrays)."""
    r = raw(c, "MEMORY", "STATS")
    out = dict(zip(r[::2], r[1::2]))
    for k, v in out.items():
        if k.startswith("namespace.") and isinstance(v, list):
            out[k] = dict(zip(v[::2], v[1::2]))
    return out


def usage(c, *ns):
    r = raw(c, "NAMESPACE", "USAGE", *ns)
    return dict(zip(r[::2], r[1::2]))


def client_fields(reply):
    """One CLIENT INFO / LIST line as a dict (redis-py may have parsed it already)."""
    if isinstance(reply, dict):
        return {k: str(v) for k, v in reply.items()}
    if isinstance(reply, bytes):
        reply = reply.decode()
    return dict(kv.split("=", 1) for kv in reply.strip().split(" "))


def top(c, *args):
    return [dict(zip(e[::2], e[1::2])) for e in raw(c, "MEMORY", "TOP", "CLIENTS", *args)]


def test_commandstats_peak_and_mean_bytes_allocated_per_call(server):
    c = server.client(decode_responses=True)
    assert c.config_resetstat() is True
    c.set("big", "x" * (10 * MB))
    for _ in range(3):
        assert len(c.get("big")) == 10 * MB  # the reply alone is 10 MB written by the handler
    c.get("small-missing")
    get = cmdstat(c, "get")
    assert get["calls"] == 4
    assert {"alloc_bytes", "alloc_bytes_per_call", "alloc_peak_bytes"} <= set(get)
    if SANITIZED:
        assert get["alloc_bytes"] == get["alloc_bytes_per_call"] == get["alloc_peak_bytes"] == 0
        return
    assert get["alloc_peak_bytes"] >= 10 * MB
    assert get["alloc_bytes"] >= 30 * MB
    assert abs(get["alloc_bytes_per_call"] - get["alloc_bytes"] / 4) < 1
    assert get["alloc_peak_bytes"] <= get["alloc_bytes"]
    # A small command allocates little: PING's peak is far below the big GET's.
    c.ping()
    assert cmdstat(c, "ping")["alloc_peak_bytes"] < 64 * 1024
    # CONFIG RESETSTAT clears them with the other figures.
    assert c.config_resetstat() is True
    assert "cmdstat_get" not in c.info("commandstats")


def test_memory_stats_report_and_info_show_every_namespace_from_one_source(server_factory):
    s = server_factory(extra_args=["--requirepass", "root"])
    a = s.client(password="root", decode_responses=True)
    raw(a, "NAMESPACE", "ADD", "shop", "t-shop")
    raw(a, "NAMESPACE", "ADD", "blog", "t-blog")
    raw(a, "NAMESPACE", "QUOTA", "shop", "DATA", "1mb", "CLIENTS", "8mb")
    shop = s.client(password="t-shop", decode_responses=True)
    for i in range(30):
        shop.set("k%d" % i, "v" * 100)
    shop.expire("k0", 1000)
    assert cmd_error(shop, "SET", "huge", "x" * (2 * MB)).startswith("OOM")
    st = stats_map(a)
    assert {"namespace.__namespace", "namespace.shop", "namespace.blog"} <= set(st)
    m = st["namespace.shop"]
    assert list(m) == NS_FIELDS
    u = usage(a, "shop")
    assert m["keys"] == u["keys"] == 30
    assert m["expires"] == 1
    assert m["data_bytes"] == u["data_bytes"] and m["data_bytes"] >= 30 * 100
    assert m["data_quota"] == MB and m["client_quota"] == 8 * MB
    assert m["refused_writes"] == 1
    assert m["clients"] == 1
    assert st["namespace.blog"]["keys"] == 0
    # The JSON report has the same figures per namespace.
    doc = json.loads(raw(a, "MEMORY", "REPORT"))
    assert doc["namespaces"]["shop"]["keys"] == 30
    assert doc["namespaces"]["shop"]["data_bytes"] == m["data_bytes"]
    assert doc["namespaces"]["shop"]["refused_writes"] == 1
    assert "running_commands" in doc["clients"]["normal"]
    # INFO namespaces: the same names.
    line = a.info("namespaces")["ns_shop"]
    assert list(line) == NS_FIELDS
    assert line["data_quota"] == MB and line["refused_writes"] == 1
    # A tenant sees its own namespace only, in every view.
    mine = stats_map(shop)
    assert [k for k in mine if k.startswith("namespace.")] == ["namespace.shop"]
    assert list(json.loads(raw(shop, "MEMORY", "REPORT"))["namespaces"]) == ["shop"]


def test_a_namespace_client_bytes_rise_while_its_client_holds_a_big_reply(server_factory):
    """An MGET of 32 MB that the client does not read: the reply is that connection's memory,
    so its namespace's client_bytes, MEMORY TOP CLIENTS and CLIENT LIST show it, and the
    other namespace's figures do not."""
    s = server_factory(extra_args=["--requirepass", "root"])
    a = s.client(password="root", decode_responses=True)
    raw(a, "NAMESPACE", "ADD", "shop", "t-shop")
    raw(a, "NAMESPACE", "ADD", "blog", "t-blog")
    shop = s.client(password="t-shop")
    for i in range(32):
        shop.set("v%d" % i, b"x" * MB)
    before = usage(a, "shop")["client_bytes"]
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)  # the kernel holds little of it
    sock.connect(("127.0.0.1", s.port))
    sock.sendall(encode_command("AUTH", "t-shop"))
    assert sock.recv(100).startswith(b"+OK")
    sock.sendall(encode_command("CLIENT", "SETNAME", "reader"))
    assert sock.recv(100).startswith(b"+OK")
    sock.sendall(encode_command("MGET", *["v%d" % i for i in range(32)]))
    wait_until(lambda: usage(a, "shop")["client_bytes"] >= before + 16 * MB,
               what="the unread reply in shop's client bytes")
    assert usage(a, "blog")["client_bytes"] < MB
    # The server keeps writing the reply into the kernel's socket buffers meanwhile, so each
    # later view is asked for at least a quarter of the 32 MB: no other source in the
    # namespace holds that much (the other namespace holds under 1 MB).
    wait_until(lambda: stats_map(a)["namespace.shop"]["client_bytes"] >= 8 * MB,
               what="the unread reply in MEMORY STATS' namespace.shop")
    first = top(a, "1")
    assert len(first) == 1
    t = first[0]
    assert t["name"] == "reader" and t["namespace"] == "shop"
    assert t["omem"] >= 8 * MB
    assert t["tot-mem"] >= t["omem"] + t["query-buffer"] + t["multi-mem"]
    assert {"id", "addr", "qbuf", "running"} <= set(t)
    # CLIENT LIST's tot-mem is the same figure.
    listing = raw(a, "CLIENT", "LIST")
    line = [ln for ln in listing.splitlines() if "name=reader" in ln]
    fields = client_fields(line[0])
    assert int(fields["tot-mem"]) >= 8 * MB and fields["ns"] == "shop"
    # A tenant's MEMORY TOP CLIENTS lists its own namespace's connections only.
    blog = s.client(password="t-blog", decode_responses=True)
    assert {c["namespace"] for c in top(blog, "100")} == {"blog"}
    assert {c["namespace"] for c in top(a, "100")} >= {"shop", "blog", "__namespace"}
    sock.close()
    wait_until(lambda: usage(a, "shop")["client_bytes"] < 4 * MB, what="the reply freed")


def test_client_info_counts_what_the_running_command_holds(server):
    """Inside EXEC the queued GET's 8 MB reply is already built when CLIENT INFO runs: the
    connection's tot-mem includes it (through the reply buffer, and the running EXEC's heap
    growth beyond that buffer is added without counting the buffer twice)."""
    c = server.client(decode_responses=True)
    c.set("big", "y" * (8 * MB))
    p = c.pipeline(transaction=True)
    p.get("big")
    p.execute_command("CLIENT", "INFO")
    got, info = p.execute()
    assert len(got) == 8 * MB
    fields = client_fields(info)
    tot = int(fields["tot-mem"])
    assert tot >= 8 * MB
    assert tot < 40 * MB  # not counted several times over
    # Between commands nothing runs: the figure falls back to the buffers.
    idle = client_fields(raw(c, "CLIENT", "INFO"))
    assert int(idle["tot-mem"]) <= tot


def test_memory_top_clients_arguments(server):
    c = server.client(decode_responses=True)
    others = [server.client() for _ in range(3)]
    for o in others:
        o.ping()
    assert len(top(c)) == 4  # default 10, four connections
    assert len(top(c, "2")) == 2
    mems = [e["tot-mem"] for e in top(c, "10")]
    assert mems == sorted(mems, reverse=True)
    assert cmd_error(c, "MEMORY", "TOP", "KEYS") == "unknown MEMORY TOP list 'KEYS'; lists: CLIENTS"
    assert cmd_error(c, "MEMORY", "TOP", "CLIENTS", "0") == "count must be between 1 and 10000"
    assert cmd_error(c, "MEMORY", "TOP", "CLIENTS", "x") == "value is not an integer or out of range"
    assert "wrong number of arguments" in cmd_error(c, "MEMORY", "TOP")
    assert "wrong number of arguments" in cmd_error(c, "MEMORY", "TOP", "CLIENTS", "1", "2")
    for o in others:
        o.close()


def test_running_commands_figure_is_named_in_every_view(server):
    c = server.client(decode_responses=True)
    info = c.info("memory")
    st = stats_map(c)
    assert "mem_client_running_commands" in info
    assert "clients.normal.running-commands" in st
    if SANITIZED:
        assert info["mem_client_running_commands"] == 0
        assert st["clients.normal.running-commands"] == 0
    # clients.normal is the sum of its parts, running commands included.
    parts = ("clients.normal.query-buffers", "clients.normal.reply-buffers",
             "clients.normal.pubsub-registry", "clients.normal.running-commands",
             "clients.normal.pending-writes")
    assert st["clients.normal"] == sum(st[p] for p in parts)


def test_pending_writes_count_the_write_batches(server):
    """A worker's write batch keeps its buffers for the next pass: after a 512 KB SET the
    buffers that held it (the batch's and its encoding for RocksDB) are named
    (mem_client_pending_writes), not left in mem_unaccounted; buffers grown past 8 MiB are freed
    by the commit instead of kept."""
    c = server.client(decode_responses=True)
    assert c.info("memory")["mem_client_pending_writes"] < 512 << 10
    assert c.set("big", "v" * (512 << 10))
    wait_until(lambda: c.info("memory")["mem_client_pending_writes"] >= 512 << 10,
               what="the 512 KB batch's buffers in mem_client_pending_writes")
    assert stats_map(c)["clients.normal.pending-writes"] >= 512 << 10
    doc = json.loads(raw(c, "MEMORY", "REPORT"))
    assert doc["clients"]["normal"]["pending_writes"] >= 512 << 10
    # The same connection, so the same worker's batch: 16 MB buffers are not kept.
    assert c.set("huge", "v" * (16 << 20))
    assert c.strlen("huge") == 16 << 20
    wait_until(lambda: c.info("memory")["mem_client_pending_writes"] < 1 << 20,
               what="the 16 MB batch's buffers freed by its commit")
