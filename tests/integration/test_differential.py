"""The differential tester (tests/differential/difftest.py) in `make test`: every scripted case,
then seeded random sequences for a bounded time (DIFFTEST_SECONDS, default 30), against a real
redis-server. A failure prints the command line that replays it; `make difftest` runs longer."""
import os
import sys
import time

import pytest

from helpers import RespError

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                                "differential"))
import commands  # noqa: E402
import compare  # noqa: E402
import difftest  # noqa: E402

SECONDS = float(os.environ.get("DIFFTEST_SECONDS", "30"))
STEPS = 300


@pytest.fixture(scope="module")
def pair():
    p = difftest.Pair()
    yield p
    code = p.stop()
    assert code in (None, 0), "mnemo exited with %r" % code


def test_scripted_cases_agree_with_redis(pair):
    diffs, ran, not_run = difftest.run_cases(pair)
    print("scripted: %d cases run; not run (Mnemo lacks the command): %s" % (ran, not_run))
    # Proof the table ran: every case of a command Mnemo serves (about 330 today).
    assert ran >= 300
    assert not diffs, "\n\n".join(map(str, diffs))


def test_random_sequences_agree_with_redis(pair):
    seed = int(time.time() * 1000) % 1000000007
    print("difftest seed %d (replay: tests/differential/difftest.py --no-cases --seed N "
          "--pipeline 1|16 --steps %d)" % (seed, STEPS))
    start, seeds, sent = time.time(), 0, 0
    while seeds == 0 or time.time() - start < SECONDS:
        diff, n = difftest.run_random(pair, seed + seeds, STEPS, difftest.pipeline_for(seeds))
        seeds, sent = seeds + 1, sent + n
        assert diff is None, str(diff)
    print("random: %d seeds from %d, %d commands" % (seeds, seed, sent))
    assert sent >= STEPS // 2  # most generated commands are ones Mnemo serves


def test_every_command_of_the_data_families_is_covered(pair):
    """A command Mnemo serves in a data family is in a case, a generator or NOT_COVERED."""
    names = pair.dut.call("COMMAND", "LIST")
    docs = pair.dut.call("COMMAND", "DOCS", *names)
    groups = {}
    for name, doc in zip(docs[0::2], docs[1::2]):
        fields = dict(zip(doc[0::2], doc[1::2]))
        groups[name.decode()] = fields.get(b"group", b"").decode()
    family = {n for n, g in groups.items() if g in commands.FAMILIES}
    assert {"get", "set", "del", "scan"} <= family  # the groups are read right
    missing = family - difftest.covered_commands() - set(commands.NOT_COVERED)
    assert not missing, "add cases/generators (or a NOT_COVERED reason) for %s" % sorted(missing)


class FakeClient:
    def __init__(self, replies):
        self.replies = replies

    def call(self, *args):
        return self.replies[" ".join(a.decode() if isinstance(a, bytes) else a for a in args)]


class FakePair:
    def __init__(self, ref, dut):
        self.ref, self.dut = FakeClient(ref), FakeClient(dut)


def step(mode, args, ref, dut):
    return mode.run(FakePair(ref, dut), args)[0]


def test_comparison_modes_see_differences():
    exact = compare.Exact()
    assert step(exact, ("GET", "k"), {"GET k": b"1"}, {"GET k": b"1"}) is None
    assert step(exact, ("GET", "k"), {"GET k": b"1"}, {"GET k": b"2"}) == "replies differ"
    # A simple string is not a bulk string.
    assert step(exact, ("SET", "k", "v"), {"SET k v": "OK"}, {"SET k v": b"OK"}) is not None
    assert step(exact, ("X",), {"X": RespError("ERR a")}, {"X": RespError("ERR b")}) == \
        "error texts differ"
    assert step(exact, ("X",), {"X": RespError("ERR a")}, {"X": None}) is not None
    unordered = compare.Unordered()
    assert step(unordered, ("KEYS", "*"), {"KEYS *": [b"a", b"b"]}, {"KEYS *": [b"b", b"a"]}) \
        is None
    assert step(unordered, ("KEYS", "*"), {"KEYS *": [b"a", b"a"]}, {"KEYS *": [b"a"]}) \
        is not None
    tol = compare.Tolerance(5)
    assert step(tol, ("TTL", "k"), {"TTL k": 100}, {"TTL k": 97}) is None
    assert step(tol, ("TTL", "k"), {"TTL k": 100}, {"TTL k": 90}) is not None
    assert step(tol, ("TTL", "k"), {"TTL k": -1}, {"TTL k": -2}) is not None
    pairs = compare.Pairs()
    assert step(pairs, ("H",), {"H": [b"f", b"1", b"g", b"2"]}, {"H": [b"g", b"2", b"f", b"1"]}) \
        is None
    assert step(pairs, ("H",), {"H": [b"f", b"1", b"g", b"2"]}, {"H": [b"f", b"2", b"g", b"1"]}) \
        is not None


def test_scan_and_sample_modes_see_differences():
    scan = compare.ScanAll(cursor_index=1)
    ref = {"SCAN 0": [b"5", [b"a"]], "SCAN 5": [b"0", [b"b"]]}
    assert step(scan, ("SCAN", "0"), ref, {"SCAN 0": [b"0", [b"b", b"a"]]}) is None
    assert step(scan, ("SCAN", "0"), ref, {"SCAN 0": [b"0", [b"a"]]}) is not None
    sample = compare.Sample("SMEMBERS")
    members = {"SMEMBERS s": [b"a", b"b", b"c"]}
    ok = dict(members, **{"SRANDMEMBER s 2": [b"a", b"c"]})
    assert step(sample, ("SRANDMEMBER", "s", "2"), ok, ok) is None
    for bad in ([b"a", b"a"], [b"a"], [b"a", b"z"]):
        dut = dict(members, **{"SRANDMEMBER s 2": bad})
        assert step(sample, ("SRANDMEMBER", "s", "2"), ok, dut) is not None
    neg = dict(members, **{"SRANDMEMBER s -4": [b"a", b"a", b"b", b"c"]})
    assert step(sample, ("SRANDMEMBER", "s", "-4"), neg, neg) is None
    short = dict(members, **{"SRANDMEMBER s -4": [b"a", b"b", b"c"]})
    assert step(sample, ("SRANDMEMBER", "s", "-4"), neg, short) is not None


def test_known_differences_pin_mnemo_reply():
    invalid = RespError("ERR invalid cursor")
    assert commands.known_difference(("SCAN", "-1"), invalid)
    assert commands.known_difference(("SCAN", "12345", "COUNT", "1"), invalid)
    assert not commands.known_difference(("SCAN", "-1"), [b"0", []])
    assert not commands.known_difference(("SCAN", "0"), invalid)
