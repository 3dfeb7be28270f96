"""The dashboard (docs/monitoring.md, "Dashboard") against the real binary: its JSON endpoints
over HTTP (contents agree with the commands, access rules, methods, the Origin check), and the
page itself in headless Chromium (Debian's chromium over the DevTools protocol): it loads, the
charts render with data (the DOM and a screenshot's pixels), and the profiler's buttons act on
the live server (KPROFILE MEMORY STATUS / LIST see the effect).

MNEMO_SANITIZED=1 (no jemalloc): the profiler is unavailable; the page says so and disables
its buttons, and the actions answer 501.
"""
import json
import os
import shutil

import pytest

from browser import Browser, hex_rgb, pixels_near
from test_http import BIG_MEMTABLES, MB, get, load, start

SANITIZED = os.environ.get("MNEMO_SANITIZED") == "1"
PASSWORD = "dash-pw"
AUTH = {"Authorization": "Bearer " + PASSWORD}
# Colours of dashboard.js's series (the stacked components, then used and limit).
COMPONENT_COLOURS = ["#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948",
                     "#b07aa1", "#bab0ac"]
USED, LIMIT = "#4e79a7", "#d62728"


def get_json(server, path, headers=AUTH):
    status, hdrs, body = get(server, path, headers)
    assert status == 200, (path, status, body)
    assert hdrs["Content-Type"] == "application/json", path
    return json.loads(body)


def post(server, path, headers=None):
    return get(server, path, dict(AUTH, **(headers or {})), method="POST")


def wait_history(r, samples):
    """Waits (on the server's own one-a-second sampling) until the history holds `samples`."""
    import time
    deadline = time.time() + 60
    while len(r.execute_command("MEMORY", "HISTORY", "used_memory", 600)) < samples:
        assert time.time() < deadline, "the memory history never reached %d samples" % samples
        time.sleep(0.1)


# ---------------------------------------------------------------------------------------------
# The JSON endpoints

def test_history_forecast_slowlog_agree_with_the_commands(server_factory):
    s = start(server_factory, "--requirepass", PASSWORD, "--maxmemory", "512mb",
              "--slowlog-log-slower-than", "0")
    r = s.client(decode_responses=True, password=PASSWORD)
    r.set("a", "1")
    wait_history(r, 2)
    h = get_json(s, "/debug/memory/history?seconds=60")
    cmd = r.execute_command("MEMORY", "HISTORY", "mem_block_cache", 60)
    assert h["seconds"] == 60
    assert "used_memory" in h["fields"] and "mem_unaccounted" in h["fields"]
    assert set(h["series"]) == set(h["fields"])
    assert all(len(h["series"][f]) == len(h["time_ms"]) for f in h["fields"])
    assert h["time_ms"] == sorted(h["time_ms"])
    # The command ran after the endpoint: its series holds the endpoint's as its start.
    pairs = list(zip(h["time_ms"], h["series"]["mem_block_cache"]))
    assert [tuple(p) for p in cmd[:len(pairs)]] == pairs
    assert len(get_json(s, "/debug/memory/history")["time_ms"]) >= len(h["time_ms"])

    f = get_json(s, "/debug/memory/forecast")
    raw = r.execute_command("MEMORY", "FORECAST")
    cmd_f = dict(zip(raw[::2], raw[1::2]))
    assert f["limit"] == cmd_f["limit"] == 512 << 20
    assert f["level"] == "normal" and f["level_code"] == 0
    for key in cmd_f:
        assert key in f, key

    r.set("slow:key", "v")
    r.client_setname("dash")
    r.get("slow:key")
    before = r.slowlog_len()  # SLOWLOG LEN itself may be logged after it answered
    sl = get_json(s, "/debug/slowlog?count=5")
    assert sl["len"] in (before, before + 1), (sl["len"], before)
    assert len(sl["entries"]) == 5
    ids = [e["id"] for e in sl["entries"]]
    assert ids == sorted(ids, reverse=True)  # newest first, as SLOWLOG GET
    get_entry = next(e for e in sl["entries"] if e["args"][0].lower() == "get")
    assert get_entry["args"][1:] == ["slow:key"]
    assert get_entry["name"] == "dash" and get_entry["addr"].startswith("127.0.0.1:")
    assert get_entry["usec"] >= 0 and get_entry["time"] > 1.7e9


def test_profiler_endpoints_act_as_kprofile(server_factory, data_dir):
    prof = os.path.join(data_dir, "prof")
    os.makedirs(prof)
    s = start(server_factory, "--requirepass", PASSWORD, "--profiling-dir", prof, *BIG_MEMTABLES)
    r = s.client(decode_responses=True, password=PASSWORD)
    p = get_json(s, "/debug/profiler")
    if SANITIZED:
        assert p["armed"] is False and p["active"] is False
        for action in ("enable", "disable", "dump"):
            status, _, body = post(s, "/debug/profiler/" + action)
            assert status == 501, (action, body)
        assert get(s, "/debug/profiler/top", AUTH)[0] == 501
        return
    assert p["armed"] is True and p["active"] is False
    assert get_json(s, "/debug/profiler/top") == {"dump": None, "mtime_ms": 0, "sites": []}
    # Dumping while off is refused as KPROFILE MEMORY DUMP refuses it.
    status, _, body = post(s, "/debug/profiler/dump")
    assert status == 409 and b"not active" in body, body
    status, _, body = post(s, "/debug/profiler/enable")
    assert status == 200, body
    assert json.loads(body)["active"] is True
    assert r.execute_command("KPROFILE", "MEMORY", "STATUS") == "enabled"
    load(r, 8 * MB)  # live allocations the profiler samples (they stay in the memtable)
    status, _, body = post(s, "/debug/profiler/dump")
    assert status == 200, body
    listed = r.execute_command("KPROFILE", "MEMORY", "LIST")
    assert len(listed) == 1
    name = dict(zip(listed[0][::2], listed[0][1::2]))["name"]
    assert os.listdir(prof) == [name]  # the dump went into profiling-dir, nowhere else
    top = get_json(s, "/debug/profiler/top")
    assert top["dump"] == name and top["sites"], top
    assert all(site["bytes"] > 0 and site["stack"] for site in top["sites"])
    status, _, body = post(s, "/debug/profiler/disable")
    assert status == 200 and json.loads(body)["active"] is False
    assert r.execute_command("KPROFILE", "MEMORY", "STATUS") == "disabled"


def test_dashboard_access_methods_and_origin(server_factory):
    s = start(server_factory, "--requirepass", PASSWORD)
    paths = ["/dashboard", "/dashboard/dashboard.js", "/dashboard/uplot.min.js",
             "/dashboard/uplot.min.css", "/dashboard/dashboard.css", "/dashboard/uplot-LICENSE.txt",
             "/debug/memory/history", "/debug/memory/forecast", "/debug/profiler",
             "/debug/profiler/top", "/debug/slowlog"]
    for path in paths:
        status, hdrs, _ = get(s, path)
        assert status == 401, path
        assert hdrs["WWW-Authenticate"].startswith("Basic")
        assert get(s, path, {"Authorization": "Bearer wrong"})[0] == 401, path
    for path in ("/debug/profiler/enable", "/debug/profiler/disable", "/debug/profiler/dump"):
        assert get(s, path, method="POST")[0] == 401, path
    status, hdrs, body = get(s, "/dashboard", AUTH)
    assert status == 200 and hdrs["Content-Type"] == "text/html; charset=utf-8"
    assert b"/dashboard/uplot.min.js" in body
    status, hdrs, body = get(s, "/dashboard/uplot.min.js", AUTH)
    assert status == 200 and hdrs["Content-Type"].startswith("text/javascript")
    with open(os.path.join(os.path.dirname(__file__), "..", "..", "third_party", "uplot",
                           "uPlot.iife.min.js"), "rb") as f:
        assert body == f.read()  # the vendored file, as shipped
    assert get(s, "/dashboard/uplot-LICENSE.txt", AUTH)[2].startswith(b"The MIT License")
    # Methods: the documents take GET and HEAD, the actions POST only.
    for path in ("/dashboard", "/debug/memory/history", "/debug/slowlog"):
        status, hdrs, _ = get(s, path, AUTH, method="POST")
        assert status == 405 and hdrs["Allow"] == "GET, HEAD", path
        status, _, body = get(s, path, AUTH, method="HEAD")
        assert status == 200 and body == b"", path
    for path in ("/debug/profiler/enable", "/debug/profiler/dump"):
        for method in ("GET", "HEAD", "PUT", "DELETE"):
            status, hdrs, _ = get(s, path, AUTH, method=method)
            assert status == 405 and hdrs["Allow"] == "POST", (path, method)
    # Bad parameters.
    for q in ("seconds=0", "seconds=86401", "seconds=abc", "seconds=-5"):
        assert get(s, "/debug/memory/history?" + q, AUTH)[0] == 400, q
    for q in ("count=0", "count=1001", "count=x"):
        assert get(s, "/debug/slowlog?" + q, AUTH)[0] == 400, q
    assert get(s, "/dashboard/nothing.js", AUTH)[0] == 404
    # Another site's page may not POST (its browser sends its own Origin); this one may.
    status, _, body = post(s, "/debug/profiler/disable", {"Origin": "http://evil.example"})
    assert status == 403 and b"Origin" in body
    status, _, _ = post(s, "/debug/profiler/disable",
                        {"Origin": "http://127.0.0.1:%d" % s.http_port})
    assert status == (501 if SANITIZED else 200)
    assert s.client(password=PASSWORD).ping()


# ---------------------------------------------------------------------------------------------
# The page in a real browser

@pytest.mark.skipif(shutil.which("chromium") is None, reason="chromium is installed by install-deps")
def test_dashboard_in_chromium(server_factory, data_dir, tmp_path):
    prof = os.path.join(data_dir, "prof")
    os.makedirs(prof)
    s = start(server_factory, "--requirepass", PASSWORD, "--maxmemory", "256mb",
              "--profiling-dir", prof, "--slowlog-log-slower-than", "0", *BIG_MEMTABLES)
    r = s.client(decode_responses=True, password=PASSWORD)
    wait_history(r, 3)
    for i in range(5):  # the newest entries of the slow log (its threshold is 0)
        r.set("key:%d" % i, "x" * 1000)
    with Browser(tmp_path) as b:
        b.navigate("http://127.0.0.1:%d/dashboard" % s.http_port, headers=AUTH)
        # Loaded, read its documents, and drew both charts with the history's samples.
        b.wait_for("Number(document.body.dataset.updates) >= 1", "a first update")
        b.wait_for("Number(document.getElementById('chart-components').dataset.points) >= 3 && "
                   "Number(document.getElementById('chart-limit').dataset.points) >= 3",
                   "charts with 3 samples")
        assert b.eval("document.querySelectorAll('.uplot canvas').length") == 2
        legend = b.eval("Array.from(document.querySelectorAll('#chart-components .u-legend "
                        ".u-label')).map(e => e.textContent)")
        assert "block cache" in legend and "unaccounted" in legend, legend
        assert b.eval("document.getElementById('level').textContent") == "normal"
        assert b.eval("document.getElementById('limit').textContent") == "256.0 MiB"
        assert b.eval("document.getElementById('status').className") == ""
        # The slow log shows the SETs (every command is slow with a threshold of 0).
        b.wait_for("Array.from(document.querySelectorAll('#slowlog tbody td'))"
                   ".some(td => td.textContent.toLowerCase().startsWith('set key:4 '))",
                   "the SETs in the slowlog")

        # Pixels: each chart's plot area holds its series' colours, not just axes and grid.
        stacked = b.screenshot(b.rect("#chart-components .u-over"))
        area = stacked.width * stacked.height
        filled = sum(pixels_near(stacked, hex_rgb(c), 12) for c in COMPONENT_COLOURS)
        assert filled > 0.05 * area, (filled, area)
        limit = b.screenshot(b.rect("#chart-limit .u-over"))
        assert pixels_near(limit, hex_rgb(USED), 30) > limit.width // 2
        assert pixels_near(limit, hex_rgb(LIMIT), 30) > limit.width // 4  # the dashed limit

        if SANITIZED:
            b.wait_for("document.getElementById('profiler-state').dataset.state === "
                       "'unavailable'", "the profiler shown as unavailable")
            assert b.eval("['prof-enable', 'prof-disable', 'prof-dump'].every(id => "
                          "document.getElementById(id).disabled)")
            return
        # The buttons act on the live server.
        b.wait_for("document.getElementById('profiler-state').dataset.state === 'disabled'")
        b.click("#prof-enable")
        b.wait_for("document.getElementById('profiler-state').dataset.state === 'enabled'",
                   "the page showing the profiler enabled")
        assert r.execute_command("KPROFILE", "MEMORY", "STATUS") == "enabled"
        load(r, 8 * MB, prefix="sampled")  # live allocations for the dump's TOP report
        b.wait_for("!document.getElementById('prof-dump').disabled")
        b.click("#prof-dump")
        b.wait_for("Number(document.getElementById('top').dataset.sites) > 0",
                   "a TOP report of the new dump")
        listed = r.execute_command("KPROFILE", "MEMORY", "LIST")
        assert len(listed) == 1
        name = dict(zip(listed[0][::2], listed[0][1::2]))["name"]
        assert b.eval("document.getElementById('top-dump').textContent") == name
        assert os.listdir(prof) == [name]
        b.click("#prof-disable")
        b.wait_for("document.getElementById('profiler-state').dataset.state === 'disabled'",
                   "the page showing the profiler disabled")
        assert r.execute_command("KPROFILE", "MEMORY", "STATUS") == "disabled"
        assert "failed" not in b.eval("document.getElementById('prof-message').textContent")
