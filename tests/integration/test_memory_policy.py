"""Memory policies: rules parsed into a typed condition, fired by the server's once-a-second
evaluation exactly when the condition has held for its duration, then held back by the cooldown.

`debug-used-memory` (test-only) stands in for the allocator's figure, so the condition on `used`
is switched on and off by the test.
"""
import os
import time

import pytest
import redis

from conftest import MnemoServer

MiB = 1 << 20


def wait_for(cond, timeout=60, what="condition"):
    deadline = time.time() + timeout
    while time.time() < deadline:
        v = cond()
        if v:
            return v
        time.sleep(0.05)
    raise AssertionError("timed out waiting for " + what)


def policies(c):
    out = {}
    for p in c.execute_command("MEMORY", "POLICY", "LIST"):
        d = p if isinstance(p, dict) else {p[i].decode(): p[i + 1] for i in range(0, len(p), 2)}
        d = {k.decode() if isinstance(k, bytes) else k: v for k, v in d.items()}
        out[d["name"].decode()] = d
    return out


def test_for_duration_and_cooldown(server_factory):
    s = server_factory()
    c = s.client()
    c.config_set("debug-used-memory", 10 * MiB)
    assert c.execute_command("MEMORY", "POLICY", "ADD", "big",
                             "used > 50mb for 2s -> log cooldown 4s") == b"OK"
    time.sleep(1.5)  # the condition does not hold: nothing fires however long we wait
    assert policies(c)["big"]["fired"] == 0
    assert policies(c)["big"]["holding_since_ms"] == 0
    c.config_set("debug-used-memory", 100 * MiB)
    first = wait_for(lambda: policies(c)["big"]["fired"] == 1 and policies(c)["big"], what="fire")
    # It fired only after holding for its 2 s.
    assert first["last_fired_ms"] - first["holding_since_ms"] >= 2000
    assert float(first["value"]) == 100 * MiB
    second = wait_for(lambda: policies(c)["big"]["fired"] == 2 and policies(c)["big"],
                      what="second firing")
    assert second["last_fired_ms"] - first["last_fired_ms"] >= 4000  # the cooldown held it back
    info = c.info("governor")
    assert info["memory_policies"] == 1 and info["memory_policy_firings"] >= 2
    log = s.read_log()
    assert "memory policy 'big' fired (used > 50mb for 2s -> log cooldown 4s; used is" in log
    # Deleted: it fires no more.
    assert c.execute_command("MEMORY", "POLICY", "DEL", "big") == 1
    assert c.execute_command("MEMORY", "POLICY", "DEL", "big") == 0
    assert policies(c) == {}
    assert c.info("governor")["memory_policies"] == 0


def test_percent_of_limit_and_purge_action(server_factory):
    s = server_factory(["--maxmemory", "1gb"])
    c = s.client()
    c.config_set("debug-used-memory", 100 * MiB)
    c.execute_command("MEMORY", "POLICY", "ADD", "half", "used >= 50% -> purge cooldown 1h")
    time.sleep(1.5)
    assert policies(c)["half"]["fired"] == 0
    assert abs(float(policies(c)["half"]["value"]) - 100 / 1024 * 100) < 0.01
    c.config_set("debug-used-memory", 600 * MiB)
    wait_for(lambda: policies(c)["half"]["fired"] == 1, what="fire")
    if os.environ.get("MNEMO_SANITIZED") == "1":
        wait_for(lambda: "purge failed" in s.read_log(), what="purge refusal in the log")
    else:
        wait_for(lambda: "memory policy 'half': purge released" in s.read_log(), what="purge log")


def test_bad_rules_are_refused_with_where(server_factory):
    s = server_factory()
    c = s.client()
    with pytest.raises(redis.ResponseError,
                       match=r"invalid memory policy: at offset 5 \('=>'\): expected an operator"):
        c.execute_command("MEMORY", "POLICY", "ADD", "x", "used => 1mb -> log")
    with pytest.raises(redis.ResponseError, match="unknown action; actions: purge, dump"):
        c.execute_command("MEMORY", "POLICY", "ADD", "x", "used > 1mb -> reboot")
    with pytest.raises(redis.ResponseError, match="a policy name is 1 to 64 letters"):
        c.execute_command("MEMORY", "POLICY", "ADD", "a b", "used > 1mb -> log")
    with pytest.raises(redis.ResponseError, match="unknown MEMORY POLICY operation 'FROB'; operations: ADD, DEL, LIST, RESET"):
        c.execute_command("MEMORY", "POLICY", "FROB")
    with pytest.raises(redis.ResponseError, match="wrong number of arguments"):
        c.execute_command("MEMORY", "POLICY", "ADD", "x")
    with pytest.raises(redis.ResponseError, match="wrong number of arguments"):
        c.execute_command("MEMORY", "POLICY")
    assert policies(c) == {}
    assert c.ping()


def test_config_file_rules_and_reset(server_factory):
    conf = 'memory-policy.frag "fragmentation > 100 for 60s -> purge"\n'
    s = server_factory(config_text=conf)
    c = s.client()
    assert list(policies(c)) == ["frag"]
    assert policies(c)["frag"]["rule"] == b"fragmentation > 100 for 60s -> purge"
    c.execute_command("MEMORY", "POLICY", "ADD", "eta", "eta < 30m -> log")
    assert sorted(policies(c)) == ["eta", "frag"]
    assert c.execute_command("MEMORY", "POLICY", "RESET") == b"OK"
    assert list(policies(c)) == ["frag"]


def test_a_bad_config_rule_stops_the_start_with_its_name(data_dir):
    s = MnemoServer(data_dir, config_text='memory-policy.oops "used > 1mb for ever -> log"\n')
    with pytest.raises(RuntimeError) as e:
        s.start(timeout=30)
    assert "memory-policy.oops: at offset 15 ('ever'): expected a duration" in str(e.value)
    s.stop()
