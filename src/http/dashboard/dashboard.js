// The Mnemo dashboard (docs/monitoring.md, "Dashboard"): reads the server's JSON documents
// under /debug/ every REFRESH_MS and draws them with uPlot. No other library; no build step.
"use strict";
(function () {
  const REFRESH_MS = 2000;
  // The memory history's components (memory/history.h), bottom of the stack first.
  const COMPONENTS = [
    ["mem_block_cache", "block cache", "#4e79a7"],
    ["mem_memtables", "memtables", "#f28e2b"],
    ["mem_table_readers", "table readers", "#e15759"],
    ["mem_key_cache", "key cache", "#76b7b2"],
    ["mem_clients_normal", "clients", "#59a14f"],
    ["mem_profiler", "profiler", "#edc948"],
    ["mem_unaccounted", "unaccounted", "#b07aa1"],
  ];
  const OTHER = ["other", "other (startup, scripts, ...)", "#bab0ac"];
  const $ = (id) => document.getElementById(id);
  let componentsChart = null, limitChart = null, componentsRaw = [], lastDumps = -1;

  function fmtBytes(v) {
    if (v == null) return "--";
    const units = ["B", "KiB", "MiB", "GiB", "TiB"];
    let i = 0, x = Math.abs(v);
    while (x >= 1024 && i < units.length - 1) { x /= 1024; i++; }
    return (v < 0 ? "-" : "") + (i === 0 ? x.toFixed(0) : x.toFixed(1)) + " " + units[i];
  }
  function fmtSeconds(s) {
    if (s == null) return "--";
    if (s < 120) return s.toFixed(0) + " s";
    if (s < 7200) return (s / 60).toFixed(0) + " min";
    return (s / 3600).toFixed(1) + " h";
  }
  async function getJson(path) {
    const r = await fetch(path, { cache: "no-store" });
    if (!r.ok) throw new Error(path + ": " + r.status + " " + (await r.text()).trim());
    return r.json();
  }
  function cell(row, text, cls) {
    const td = row.insertCell();
    td.textContent = text;
    if (cls) td.className = cls;
  }
  function chartWidth(el) { return Math.max(400, el.clientWidth || 800); }
  const bytesAxis = { values: (u, vals) => vals.map(fmtBytes), size: 80 };

  // Stacked areas: uPlot draws series in order, so the running sums are drawn tallest first,
  // each filled down to zero over the one before; the legend shows each component's own value.
  function drawComponents(h) {
    const t = h.time_ms.map((ms) => ms / 1000);
    const parts = COMPONENTS.map((c) => h.series[c[0]]);
    const used = h.series.used_memory;
    parts.push(used.map((u, i) => Math.max(0, u - parts.reduce((s, p) => s + p[i], 0))));
    const sums = [];
    let acc = t.map(() => 0);
    for (const p of parts) { acc = acc.map((a, i) => a + p[i]); sums.push(acc); }
    const order = parts.map((_, k) => parts.length - 1 - k);  // tallest sum first
    componentsRaw = order.map((k) => parts[k]);
    const data = [t].concat(order.map((k) => sums[k]));
    const el = $("chart-components");
    if (!componentsChart) {
      const all = COMPONENTS.concat([OTHER]);
      const series = [{}].concat(order.map((k, j) => ({
        label: all[k][1], stroke: all[k][2], fill: all[k][2], width: 1,
        value: (u, v, si, idx) => idx == null ? "--" : fmtBytes(componentsRaw[j][idx]),
      })));
      componentsChart = new uPlot({ width: chartWidth(el), height: 280, series,
        axes: [{}, bytesAxis], scales: { x: { time: true } } }, data, el);
    } else {
      componentsChart.setData(data);
    }
    el.dataset.points = String(t.length);
  }

  // Used memory and the limit over the history, and the forecast line from the newest sample
  // out to a third of the shown span (at least a minute) at the forecast's rate.
  function drawLimit(h, f) {
    const t = h.time_ms.map((ms) => ms / 1000);
    const used = h.series.used_memory.slice();
    const n = t.length;
    const x = t.slice(), forecast = t.map(() => null);
    if (n > 0 && f.rate_bytes_per_second != null) {
      const horizon = Math.max(60, (t[n - 1] - t[0]) / 3);
      x.push(t[n - 1] + horizon);
      used.push(null);
      forecast[n - 1] = used[n - 1];
      forecast.push(used[n - 1] + f.rate_bytes_per_second * horizon);
    }
    const limit = x.map(() => (f.limit > 0 ? f.limit : null));
    const data = [x, used, limit, forecast];
    const el = $("chart-limit");
    if (!limitChart) {
      const series = [{},
        { label: "used", stroke: "#4e79a7", width: 2, value: (u, v) => fmtBytes(v) },
        { label: "limit", stroke: "#d62728", dash: [8, 4], width: 2, value: (u, v) => fmtBytes(v) },
        { label: "forecast", stroke: "#ff7f0e", dash: [3, 3], width: 2,
          value: (u, v) => fmtBytes(v) }];
      limitChart = new uPlot({ width: chartWidth(el), height: 280, series,
        axes: [{}, bytesAxis], scales: { x: { time: true } } }, data, el);
    } else {
      limitChart.setData(data);
    }
    el.dataset.points = String(n);
  }

  function showFigures(f) {
    $("level").textContent = f.level;
    $("level").dataset.code = String(f.level_code);
    $("used").textContent = fmtBytes(f.used_memory);
    $("limit").textContent = f.limit > 0 ? fmtBytes(f.limit) : "none";
    $("rate").textContent = f.rate_bytes_per_second == null ? "--"
      : fmtBytes(f.rate_bytes_per_second) + "/s";
    $("eta").textContent = fmtSeconds(f.limit_eta_seconds);
  }

  function showProfiler(p) {
    const state = !p.armed ? "not available in this build" : p.active ? "enabled" : "disabled";
    $("profiler-state").textContent = state;
    $("profiler-state").dataset.state = !p.armed ? "unavailable" : p.active ? "enabled" : "disabled";
    $("prof-enable").disabled = !p.armed || p.active;
    $("prof-disable").disabled = !p.armed || !p.active;
    $("prof-dump").disabled = !p.armed || !p.active;
    if (p.armed && p.dumps_taken !== lastDumps) {
      lastDumps = p.dumps_taken;
      refreshTop();
    }
  }

  function showSlowlog(s) {
    $("slowlog-len").textContent = String(s.len);
    const body = $("slowlog").tBodies[0];
    body.replaceChildren();
    for (const e of s.entries) {
      const row = body.insertRow();
      cell(row, String(e.id), "num");
      cell(row, new Date(e.time * 1000).toLocaleTimeString());
      cell(row, (e.usec / 1000).toFixed(2) + " ms", "num");
      cell(row, e.args.join(" "), "code");
      cell(row, e.addr + (e.name ? " (" + e.name + ")" : ""));
    }
  }

  async function refreshTop() {
    const body = $("top").tBodies[0];
    try {
      const top = await getJson("/debug/profiler/top");
      $("top-dump").textContent = top.dump == null ? "no dump yet" : top.dump;
      body.replaceChildren();
      for (const s of top.sites) {
        const row = body.insertRow();
        cell(row, fmtBytes(s.bytes), "num");
        cell(row, s.percent.toFixed(1), "num");
        cell(row, String(s.objects), "num");
        cell(row, s.stack.slice(0, 4).join(" ← "), "code");
      }
      $("top").dataset.sites = String(top.sites.length);
    } catch (err) {
      $("top-dump").textContent = err.message;
    }
  }

  async function refresh() {
    try {
      const [h, f, p, s] = await Promise.all([getJson("/debug/memory/history"),
        getJson("/debug/memory/forecast"), getJson("/debug/profiler"),
        getJson("/debug/slowlog?count=20")]);
      showFigures(f);
      drawComponents(h);
      drawLimit(h, f);
      showProfiler(p);
      showSlowlog(s);
      $("status").textContent = "updated " + new Date().toLocaleTimeString();
      $("status").className = "";
      document.body.dataset.updates = String(Number(document.body.dataset.updates || 0) + 1);
    } catch (err) {
      $("status").textContent = "error: " + err.message;
      $("status").className = "error";
    }
    setTimeout(refresh, REFRESH_MS);
  }

  // A profiler button: POST the action, show its answer, then refresh the state.
  async function act(action) {
    const msg = $("prof-message");
    try {
      const r = await fetch("/debug/profiler/" + action, { method: "POST" });
      if (!r.ok) throw new Error(r.status + " " + (await r.text()).trim());
      showProfiler(await r.json());
      msg.textContent = action + ": done";
      msg.className = "";
    } catch (err) {
      msg.textContent = action + " failed: " + err.message;
      msg.className = "error";
    }
    msg.dataset.done = String(Number(msg.dataset.done || 0) + 1);
  }

  for (const action of ["enable", "disable", "dump"]) {
    $("prof-" + action).addEventListener("click", () => act(action));
  }
  refresh();
})();
