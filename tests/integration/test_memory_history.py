"""MEMORY HISTORY, MEMORY FORECAST and the doctor's forecast, end to end.

The growth is synthetic and known: `debug-used-memory` (the test-only key that stands in for the
allocator's figure everywhere the limit is enforced) is raised at a fixed rate, and the server's
own once-a-second history must recover that rate and the time until the limit within 20 %.
"""
import time

import pytest
import redis

MiB = 1 << 20


def wait_for(cond, timeout=60, what="condition"):
    deadline = time.time() + timeout
    while time.time() < deadline:
        v = cond()
        if v:
            return v
        time.sleep(0.05)
    raise AssertionError("timed out waiting for " + what)


def grow(c, start, rate, seconds):
    """Raises debug-used-memory from `start` at `rate` bytes/s for `seconds`; returns the last."""
    t0 = time.time()
    used = start
    while True:
        elapsed = time.time() - t0
        if elapsed >= seconds:
            return used
        used = int(start + rate * elapsed)
        c.config_set("debug-used-memory", used)
        time.sleep(0.05)


def as_dict(reply):
    if isinstance(reply, dict):
        return reply
    return {reply[i].decode() if isinstance(reply[i], bytes) else reply[i]: reply[i + 1]
            for i in range(0, len(reply), 2)}


def test_forecast_recovers_a_known_growth_rate_and_eta(server_factory):
    s = server_factory(["--maxmemory", "400mb"])
    c = s.client()
    start, rate = 100 * MiB, 1 * MiB  # 1 MiB per second
    # 20 s of samples (the 1-minute window needs a quarter of a minute).
    last = grow(c, start, rate, 20)
    f = as_dict(c.execute_command("MEMORY", "FORECAST"))
    assert f["limit"] == 400 * MiB
    g1m = f["growth_1m_bytes_per_second"]
    assert g1m is not None, f
    assert abs(float(g1m) - rate) <= 0.2 * rate, f
    assert f["samples_1m"] >= 15
    # 20 s do not cover a quarter of 10 minutes: no 10-minute or 1-hour rate yet.
    assert f["growth_10m_bytes_per_second"] is None
    assert f["growth_1h_bytes_per_second"] is None
    true_eta = (400 * MiB - last) / rate
    eta = float(f["limit_eta_seconds"])
    assert abs(eta - true_eta) <= 0.2 * true_eta, (eta, true_eta)
    assert f["headroom_bytes"] == 400 * MiB - f["used_memory"]
    assert abs(f["used_memory"] - last) <= 2 * rate  # the latest sample, at most ~1 s old
    # Recommended: the peak with 25 % headroom, rounded up to a MiB.
    assert f["peak_24h"] >= f["used_memory"]
    assert f["recommended_maxmemory"] % MiB == 0
    assert f["peak_24h"] * 1.25 <= f["recommended_maxmemory"] < f["peak_24h"] * 1.25 + MiB
    doctor = c.execute_command("MEMORY", "DOCTOR")
    doctor = doctor.decode() if isinstance(doctor, bytes) else doctor
    assert "reaches the limit of 400.00M in about" in doctor, doctor
    assert "minutes" in doctor, doctor


def test_history_series_and_errors(server_factory):
    s = server_factory()
    c = s.client()
    c.config_set("debug-used-memory", 5 * MiB)
    # At least three samples a second apart.
    wait_for(lambda: len(c.execute_command("MEMORY", "HISTORY", "used_memory", "600")) >= 3,
             what="three history samples")
    series = c.execute_command("MEMORY", "HISTORY")
    times = [p[0] for p in series]
    assert times == sorted(times) and len(set(times)) == len(times)
    assert all(900 <= b - a <= 3000 for a, b in zip(times, times[1:])), times
    now_ms = int(time.time() * 1000)
    assert abs(times[-1] - now_ms) < 5000
    assert series[-1][1] == 5 * MiB
    rss = c.execute_command("MEMORY", "HISTORY", "used_memory_rss", "5")
    assert 1 <= len(rss) <= 7
    assert all(v > 0 for _, v in rss)
    assert len(c.execute_command("MEMORY", "HISTORY", "used_memory", "86400")) >= 1  # coarse ring
    with pytest.raises(redis.ResponseError, match="unknown history field 'nope'; fields: used_memory"):
        c.execute_command("MEMORY", "HISTORY", "nope")
    for bad in ("0", "86401", "-5"):
        with pytest.raises(redis.ResponseError, match="seconds must be between 1 and 86400"):
            c.execute_command("MEMORY", "HISTORY", "used_memory", bad)
    with pytest.raises(redis.ResponseError, match="not an integer"):
        c.execute_command("MEMORY", "HISTORY", "used_memory", "x")
    with pytest.raises(redis.ResponseError, match="wrong number of arguments"):
        c.execute_command("MEMORY", "HISTORY", "used_memory", "5", "6")
    with pytest.raises(redis.ResponseError, match="wrong number of arguments"):
        c.execute_command("MEMORY", "FORECAST", "x")
    # Without a limit there is no ETA and no headroom.
    f = as_dict(c.execute_command("MEMORY", "FORECAST"))
    assert f["limit"] == 0 and f["limit_eta_seconds"] is None and f["headroom_bytes"] is None
    info = c.info("memory")
    assert info["mem_history"] > 100_000
    assert c.ping()
