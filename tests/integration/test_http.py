"""The HTTP monitoring endpoint (docs/monitoring.md) against the real binary.

/metrics is read with Prometheus's own parser (python3-prometheus-client) and compared with
INFO; /debug/memory with MEMORY REPORT; /debug/pprof/heap is read by `go tool pprof` (the way
docs/monitoring.md tells operators to read it), its SVG by an XML parser, its jeprof form checked
for jemalloc's header. Authentication, protected mode, 404 and 405 are checked on the wire.

MNEMO_SANITIZED=1 (no jemalloc): the pprof endpoint must answer 501 naming why; the rest is the
same.
"""
import base64
import gzip
import json
import os
import re
import shutil
import socket
import subprocess
import urllib.error
import urllib.request
import xml.etree.ElementTree as ET

import pytest
from prometheus_client.parser import text_string_to_metric_families

from conftest import ROOT, free_port

SANITIZED = os.environ.get("MNEMO_SANITIZED") == "1"
MB = 1 << 20
# The memtable the profiled load stays in (as test_kprofile does).
BIG_MEMTABLES = ("--rocksdb.write-buffer-size", "64mb")
MEMTABLE_FRAMES = ("rocksdb::MemTable", "rocksdb::Arena", "rocksdb::ConcurrentArena")


def start(server_factory, *extra, config_text=None):
    port = free_port()
    s = server_factory(["--http-port", str(port)] + list(extra), config_text=config_text)
    s.http_port = port
    return s


def get(server, path, headers=None, method="GET", host="127.0.0.1"):
    """(status, headers, body bytes) of one request; HTTP errors are answers, not exceptions."""
    req = urllib.request.Request("http://%s:%d%s" % (host, server.http_port, path),
                                 headers=headers or {}, method=method)
    try:
        with urllib.request.urlopen(req, timeout=60) as resp:
            return resp.status, resp.headers, resp.read()
    except urllib.error.HTTPError as e:
        return e.code, e.headers, e.read()


def metrics(server, headers=None):
    status, hdrs, body = get(server, "/metrics", headers)
    assert status == 200, body
    assert hdrs["Content-Type"].startswith("text/plain; version=0.0.4")
    return {f.name: f for f in text_string_to_metric_families(body.decode())}


def value(families, name, **labels):
    """The value of the one sample of `name` (the family name, or a sample name such as
    x_bucket) whose labels include `labels`."""
    family = name
    for suffix in ("_bucket", "_count", "_sum"):
        if name.endswith(suffix) and name not in families:
            family = name[: -len(suffix)]
    # The parser names a counter's family without its _total.
    if family not in families and family.endswith("_total"):
        family = family[: -len("_total")]
    found = [s for s in families[family].samples
             if s.name == name and all(s.labels.get(k) == v for k, v in labels.items())]
    assert len(found) == 1, (name, labels, families[family].samples)
    return found[0].value


def info(r):
    return r.info("everything")


# ---------------------------------------------------------------------------------------------
# /metrics

def test_metrics_parse_and_agree_with_info(server_factory):
    s = start(server_factory)
    r = s.client(decode_responses=True)
    for i in range(50):
        r.set("k%d" % i, "v" * 100)
    for i in range(20):
        r.get("k%d" % i)
    before = info(r)
    fam = metrics(s)
    again = metrics(s)  # no command in between
    # Families and types as Prometheus's conventions want them.
    expected = {
        "process_resident_memory_bytes": "gauge",
        "mnemo_memory_allocated_bytes": "gauge",
        "mnemo_memory_block_cache_bytes": "gauge",
        "mnemo_memory_level": "gauge",
        "mnemo_connected_clients": "gauge",
        "mnemo_commands_processed": "counter",
        "mnemo_command_calls": "counter",
        "mnemo_command_duration_seconds": "histogram",
        "mnemo_governor_purges": "counter",
        "mnemo_profiler_active": "gauge",
        "mnemo_namespace_keys": "gauge",
        "mnemo_rocksdb_l0_files": "gauge",
        "mnemo_rocksdb_pending_compaction_bytes": "gauge",
        "mnemo_rocksdb_stall_seconds": "counter",
    }
    for name, kind in expected.items():
        assert name in fam, name
        assert fam[name].type == kind, (name, fam[name].type)
    assert value(fam, "mnemo_connected_clients") == before["connected_clients"] == 1
    # INFO itself ran once more after `before` was read.
    assert value(fam, "mnemo_commands_processed_total") == before["total_commands_processed"] + 1
    assert value(fam, "mnemo_command_calls_total", command="set") == 50
    assert value(fam, "mnemo_command_calls_total", command="get") == 20
    assert value(fam, "mnemo_command_duration_seconds_count", command="set") == 50
    assert value(fam, "mnemo_command_duration_seconds_bucket", command="set", le="+Inf") == 50
    assert value(fam, "mnemo_command_duration_seconds_sum", command="set") == pytest.approx(
        before["cmdstat_set"]["usec"] / 1e6)
    assert value(fam, "mnemo_namespace_keys", namespace="__namespace") == r.dbsize() == 50
    if not SANITIZED:
        used = before["used_memory"]
        got = value(fam, "mnemo_memory_allocated_bytes")
        assert abs(got - used) <= max(4 * MB, 0.1 * used), (got, used)
        assert value(fam, "mnemo_memory_allocator_available") == 1
    assert value(fam, "process_resident_memory_bytes") > 0
    assert value(fam, "mnemo_memory_level") == 0
    # Scraping is no command: the count did not move.
    assert value(again, "mnemo_commands_processed_total") == \
        value(fam, "mnemo_commands_processed_total")


def test_every_metric_is_documented_once(server_factory):
    s = start(server_factory)
    r = s.client()
    r.set("a", "b")
    r.get("a")
    with open(os.path.join(ROOT, "docs", "monitoring.md")) as f:
        doc = f.read()
    status, _, body = get(s, "/metrics")
    assert status == 200
    names = set(re.findall(r"^# TYPE (\S+) ", body.decode(), re.M))
    assert len(names) > 60
    for name in names:
        rows = re.findall(r"^\| `%s` \|" % re.escape(name), doc, re.M)
        assert len(rows) == 1, "%s is documented %d times in docs/monitoring.md" % (name,
                                                                                  len(rows))


def test_latency_and_slowlog_reach_metrics(server_factory):
    s = start(server_factory, "--slowlog-log-slower-than", "0")
    r = s.client(decode_responses=True)
    r.set("x", "1")
    fam = metrics(s)
    assert value(fam, "mnemo_slowlog_entries") == r.slowlog_len() >= 1
    # latency-tracking no: calls still count, the histogram stops recording.
    r.config_set("latency-tracking", "no")
    for _ in range(5):
        r.get("x")
    off = metrics(s)
    assert value(off, "mnemo_command_calls_total", command="get") == 5
    assert value(off, "mnemo_command_duration_seconds_count", command="get") == 0
    r.config_set("latency-tracking", "yes")
    r.get("x")
    on = metrics(s)
    assert value(on, "mnemo_command_duration_seconds_count", command="get") == 1


# ---------------------------------------------------------------------------------------------
# access

def basic(user, password):
    return "Basic " + base64.b64encode(("%s:%s" % (user, password)).encode()).decode()


def test_requirepass_guards_debug_endpoints(server_factory):
    s = start(server_factory, "--requirepass", "s3cret")
    for path in ("/debug/memory", "/debug/pprof/heap", "/debug/nothing"):
        status, hdrs, body = get(s, path)
        assert status == 401, (path, body)
        assert hdrs["WWW-Authenticate"].startswith("Basic")
        for bad in ("Bearer wrong", basic("default", "wrong"), "Basic !!!", "Token s3cret"):
            assert get(s, path, {"Authorization": bad})[0] == 401, (path, bad)
    for good in ("Bearer s3cret", basic("default", "s3cret"), basic("anyone", "s3cret")):
        status, _, body = get(s, "/debug/memory", {"Authorization": good})
        assert status == 200, (good, body)
        json.loads(body)
    # A known debug path's unknown sibling is 404 once authenticated.
    assert get(s, "/debug/nothing", {"Authorization": "Bearer s3cret"})[0] == 404
    # /metrics is open by default...
    assert get(s, "/metrics")[0] == 200
    # ...and guarded with http-metrics-auth yes (changeable at run time).
    r = s.client(decode_responses=True, password="s3cret")
    assert r.config_set("http-metrics-auth", "yes")
    assert get(s, "/metrics")[0] == 401
    assert get(s, "/metrics", {"Authorization": "Bearer s3cret"})[0] == 200


def test_without_requirepass_debug_is_open(server_factory):
    s = start(server_factory)
    assert get(s, "/debug/memory")[0] == 200


def test_bad_paths_and_methods(server_factory):
    s = start(server_factory)
    for path in ("/", "/metricsx", "/debug", "/debug/pprof/profile", "/dashboardx",
                 "/dashboard/x.js"):
        status, _, body = get(s, path)
        assert status == 404, (path, status, body)
    for method in ("POST", "PUT", "DELETE"):
        for path in ("/metrics", "/debug/memory"):
            status, hdrs, _ = get(s, path, method=method)
            assert status == 405, (method, path)
            assert hdrs["Allow"] == "GET, HEAD"
    status, _, body = get(s, "/metrics", method="HEAD")
    assert status == 200 and body == b""
    assert get(s, "/debug/pprof/heap?format=png")[0] == 400
    # The server still serves Redis clients after all of it.
    assert s.client().ping()


def test_stalled_scrapers_stall_no_client(server_factory):
    """Scrapers that send half a request and stop hold HTTP threads only: Redis clients are
    served meanwhile, and the endpoint serves again once they go."""
    s = start(server_factory)
    stalled = []
    try:
        for _ in range(40):  # ten times the handler threads
            sk = socket.create_connection(("127.0.0.1", s.http_port), timeout=30)
            sk.sendall(b"GET /metrics HTTP/1.1\r\nHost: x\r\n")
            stalled.append(sk)
        r = s.client(decode_responses=True)
        for i in range(100):
            assert r.set("k%d" % i, i)
        assert r.dbsize() == 100
    finally:
        for sk in stalled:
            sk.close()
    assert get(s, "/metrics")[0] == 200


def public_ip():
    out = subprocess.run(["hostname", "-I"], capture_output=True, text=True).stdout.split()
    for ip in out:
        if "." in ip and not ip.startswith("127."):
            return ip
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sk:
        sk.connect(("192.0.2.1", 9))
        return sk.getsockname()[0]


def test_protected_mode_refuses_remote_peers(server_factory):
    s = start(server_factory, "--http-bind", "0.0.0.0")
    ip = public_ip()
    status, _, body = get(s, "/metrics", host=ip)
    assert status == 403, body
    assert b"protected mode" in body
    assert get(s, "/metrics")[0] == 200  # loopback is served
    r = s.client()
    r.config_set("requirepass", "pw")
    # With a password the remote peer is served (the debug endpoints still need it).
    assert get(s, "/metrics", host=ip)[0] == 200
    assert get(s, "/debug/memory", host=ip)[0] == 401


def test_http_port_taken_stops_startup(server_factory):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        s = server_factory(["--http-port", str(port)], start=False)
        with pytest.raises(RuntimeError) as e:
            s.start()
        assert "cannot listen for HTTP on 127.0.0.1:%d (http-port)" % port in str(e.value)
        assert s.stop() == 1


# ---------------------------------------------------------------------------------------------
# /debug/memory

def test_debug_memory_is_memory_report(server_factory):
    s = start(server_factory)
    r = s.client(decode_responses=True)
    r.set("a", "1")
    status, hdrs, body = get(s, "/debug/memory")
    assert status == 200
    assert hdrs["Content-Type"] == "application/json"
    http_doc = json.loads(body)
    report = json.loads(r.execute_command("MEMORY", "REPORT"))

    def keys(d, prefix=""):
        out = set()
        for k, v in d.items():
            out.add(prefix + k)
            if isinstance(v, dict):
                out |= keys(v, prefix + k + ".")
        return out

    assert keys(http_doc) == keys(report)
    assert len(keys(report)) > 20


# ---------------------------------------------------------------------------------------------
# /debug/pprof/heap

def go_pprof_top(target, tmp_path, *extra):
    env = dict(os.environ, HOME=str(tmp_path), PPROF_TMPDIR=str(tmp_path),
               GOCACHE=str(tmp_path / "gocache"))
    out = subprocess.run(["go", "tool", "pprof", "-top", "-nodecount=200", *extra, target],
                         capture_output=True, text=True, env=env, timeout=300)
    assert out.returncode == 0, out.stderr
    return out.stdout


def profiled(server_factory, data_dir):
    prof = os.path.join(data_dir, "prof")
    os.makedirs(prof, exist_ok=True)
    s = start(server_factory, "--profiling-dir", prof, *BIG_MEMTABLES)
    return s, s.client(decode_responses=True)


def load(c, total_bytes, value_size=100_000, prefix="big"):
    n = max(1, total_bytes // value_size)
    for start_i in range(0, n, 50):
        p = c.pipeline(transaction=False)
        for i in range(start_i, min(n, start_i + 50)):
            p.set("%s:%d" % (prefix, i), os.urandom(value_size))
        assert all(p.execute())


def test_pprof_when_profiling_is_off(server_factory, data_dir):
    s, r = profiled(server_factory, data_dir)
    status, _, body = get(s, "/debug/pprof/heap")
    if SANITIZED:
        assert status == 501
        assert b"not available" in body
        return
    assert status == 409
    assert b"KPROFILE MEMORY ENABLE" in body


@pytest.mark.skipif(shutil.which("go") is None, reason="golang-go is installed by install-deps")
def test_pprof_names_the_functions_that_allocated(server_factory, data_dir, tmp_path):
    s, r = profiled(server_factory, data_dir)
    if SANITIZED:
        assert get(s, "/debug/pprof/heap")[0] == 501
        return
    assert r.execute_command("KPROFILE", "MEMORY", "ENABLE") == "OK"
    load(r, 40 * MB)  # stays in the 64 MB memtable
    url = "http://127.0.0.1:%d/debug/pprof/heap" % s.http_port

    # The default form: gzipped profile.proto, read by go tool pprof straight from the URL.
    status, hdrs, body = get(s, "/debug/pprof/heap")
    assert status == 200
    assert body[:2] == b"\x1f\x8b"
    gzip.decompress(body)
    top = go_pprof_top(url, tmp_path)
    assert "inuse_space" in top, top
    memtable = [line for line in top.splitlines() if any(f in line for f in MEMTABLE_FRAMES)]
    assert memtable, top
    # Mnemo's own frames are there too, symbolized by the server.
    assert re.search(r"mnemo::\w+", top), top

    # format=svg: a flame graph that parses and names the memtable's allocation.
    status, hdrs, body = get(s, "/debug/pprof/heap?format=svg")
    assert status == 200 and hdrs["Content-Type"] == "image/svg+xml"
    root = ET.fromstring(body)
    titles = [t.text for t in root.iter("{http://www.w3.org/2000/svg}title")]
    assert any(any(f in t for f in MEMTABLE_FRAMES) for t in titles), titles[:50]

    # format=jeprof: the raw jemalloc dump.
    status, _, body = get(s, "/debug/pprof/heap?format=jeprof")
    assert status == 200
    assert body.startswith(b"heap_v2/")
    assert b"MAPPED_LIBRARIES:" in body

    # diff against a stored dump: the growth since it.
    assert r.execute_command("KPROFILE", "MEMORY", "DUMP") == "OK"
    newest = r.execute_command("KPROFILE", "MEMORY", "LIST")[0]
    name = dict(zip(newest[::2], newest[1::2]))["name"]
    load(r, 8 * MB, prefix="more")
    status, _, body = get(s, "/debug/pprof/heap?format=svg&diff=" + name)
    assert status == 200, body
    ET.fromstring(body)
    diff_top = go_pprof_top(url + "?diff=" + name, tmp_path)
    assert "inuse_space" in diff_top
    assert get(s, "/debug/pprof/heap?diff=no-such-dump")[0] == 404
    assert get(s, "/debug/pprof/heap?diff=../../etc/passwd")[0] == 404
    assert get(s, "/debug/pprof/heap?diff=%s&format=jeprof" % name)[0] == 400
    # Nothing of it stayed behind in the profiling directory but the one DUMP.
    assert len(os.listdir(os.path.join(data_dir, "prof"))) == 1


def test_forecast_metrics_for_autoscalers(server_factory):
    """The forecast gauges agree with MEMORY FORECAST; figures that do not exist yet are absent."""
    import time
    mib = 1 << 20
    s = start(server_factory, "--maxmemory", "400mb")
    r = s.client()
    fam = metrics(s)
    assert value(fam, "mnemo_memory_headroom_bytes") > 0
    assert "mnemo_memory_limit_eta_seconds" not in fam  # no growth seen yet
    t0 = time.time()
    while time.time() - t0 < 18:  # 1 MiB/s for 18 s: the 1-minute window gets a rate
        r.config_set("debug-used-memory", int(100 * mib + (time.time() - t0) * mib))
        time.sleep(0.05)

    def forecast():
        raw_f = r.execute_command("MEMORY", "FORECAST")
        return {raw_f[i].decode(): raw_f[i + 1] for i in range(0, len(raw_f), 2)}

    # The scrape and MEMORY FORECAST must see the same history: a sample taken between them (once
    # a second, later on a loaded machine) moves the figures, so compare only a scrape that two
    # equal forecasts bracket.
    for _ in range(20):
        f = forecast()
        fam = metrics(s)
        if forecast() == f:
            break
    else:
        pytest.fail("MEMORY FORECAST changed around every one of 20 scrapes")
    rate = value(fam, "mnemo_memory_growth_bytes_per_second", window="1m")
    assert abs(rate - mib) <= 0.2 * mib, rate
    assert abs(rate - float(f["growth_1m_bytes_per_second"])) <= 0.05 * mib
    eta = value(fam, "mnemo_memory_limit_eta_seconds")
    assert abs(eta - float(f["limit_eta_seconds"])) <= 5, (eta, f)
    assert value(fam, "mnemo_memory_recommended_limit_bytes") >= f["recommended_maxmemory"]
    assert value(fam, "mnemo_memory_policies") == 0
