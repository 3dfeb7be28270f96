#!/usr/bin/python3
"""Differential tester: redis-server (Debian's, the reference) and Mnemo side by side, the same
commands sent to both, every reply compared.

Run alone (from the repository root; Mnemo is build/mnemo unless --mnemo-bin says otherwise):

    /usr/bin/python3 tests/differential/difftest.py                  # cases + one random seed
    /usr/bin/python3 tests/differential/difftest.py --seconds 600    # random seeds for 10 min
    /usr/bin/python3 tests/differential/difftest.py --seed N --steps M --no-cases   # replay
    /usr/bin/python3 tests/differential/difftest.py --against-redis  # self-check: two Redises

`make difftest` runs the second line (DIFFTEST_SECONDS). `make test` runs
tests/integration/test_differential.py, which uses this module for a bounded time.

What is sent:
1. Scripted cases (cases.py): per command, one line of commands per case, each from an empty
   database; plus wrong-arity calls derived from Redis's COMMAND INFO for every covered command.
2. Seeded random sequences over 8 keys and small alphabets (generators.py). The seed is printed
   at the start; a difference prints the commands before it with both replies and the command
   line that replays exactly that seed and prefix. After each sequence the whole state (every
   key's type, value and TTL, see STATE_READERS) is compared too.

How replies are compared: compare.py (exact by default, errors by their whole text; Unordered,
Pairs, ScanAll, Tolerance, DbSize, RandomKey and Sample for what Redis leaves unspecified, each
documented there), chosen per command in commands.py, which also holds the known differences
(Mnemo's exact reply and the reason) and the commands left out. A command Mnemo does not serve
(COMMAND INFO gives null) is not sent: cases using it are counted as "not run" in the summary
and random steps of it are generated but skipped, so rows for a family can be added before Mnemo
has it and start running the day it does. The hash and set rows are such rows today; they were
checked with --against-redis, which compares two redis-servers and so shows that the tester
itself reports nothing where Redis's answers may legitimately differ (SPOP, SRANDMEMBER...).

Adding a family (e.g. hashes), with no change to this file:
- cases.py: `"hset": ["HSET h f v | HGET h f", ...]` rows (edge cases: missing key, empty
  value, duplicates, negative/huge counts, wrong type, syntax errors).
- generators.py: one function per command returning an argument tuple, and a
  `GENERATORS_HASH = [(weight, "hset", gen_hset), ...]` list appended to GENERATORS.
- commands.py: a mode for each command whose order or choice is unspecified (HGETALL: Pairs,
  HSCAN: ScanAll(2, pairs=True), HRANDFIELD: Sample("HGETALL", flat_pairs=True)...).
- STATE_READERS below: how to read a whole key of the type ("hash": ("HGETALL", Pairs)).
- test_differential.py fails while a command of the family that Mnemo serves is in neither a
  case, a generator nor commands.NOT_COVERED.
"""
import argparse
import os
import random
import shlex
import shutil
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
for path in (HERE, os.path.join(ROOT, "tests", "integration")):
    if path not in sys.path:
        sys.path.insert(0, path)

import conftest  # noqa: E402  (MnemoServer, the binary's path)
import cases  # noqa: E402
import commands  # noqa: E402
import generators  # noqa: E402
from compare import Exact, Pairs, Unordered, show  # noqa: E402
from helpers import RawClient, encode_command  # noqa: E402
from redis_reference import RedisServer  # noqa: E402

# How to read a whole key of each type for the end-of-sequence state comparison.
STATE_READERS = {
    "string": (("GET",), Exact()),
    "hash": (("HGETALL",), Pairs()),
    "set": (("SMEMBERS",), Unordered()),
    "list": (("LRANGE", "0", "-1"), Exact()),
    "zset": (("ZRANGE", "0", "-1", "WITHSCORES"), Exact()),
}
HISTORY_SHOWN = 15


class Pair:
    """The reference redis-server and the server under test (Mnemo, or a second redis-server
    with against_redis), each on a free port with a temporary directory."""

    def __init__(self, mnemo_bin=None, against_redis=False):
        self.ref_server = RedisServer()
        self.dir = None
        try:
            if against_redis:
                self.dut_server = RedisServer()
                self.dut_name = "redis-server #2"
            else:
                if mnemo_bin:
                    conftest.MNEMO_BIN = os.path.abspath(mnemo_bin)
                self.dir = tempfile.mkdtemp(prefix="mnemo-difftest-")
                self.dut_server = conftest.MnemoServer(self.dir).start()
                self.dut_name = "mnemo"
        except BaseException:
            self.ref_server.stop()
            raise
        self.ref = RawClient(self.ref_server.port, timeout=60)
        self.dut = RawClient(self.dut_server.port, timeout=60)
        self._has = {}

    def dut_has(self, command):
        """Whether the server under test serves `command` (COMMAND INFO names it)."""
        name = command.lower()
        if name not in self._has:
            info = self.dut.call("COMMAND", "INFO", name)
            self._has[name] = isinstance(info, list) and info and info[0] is not None
        return self._has[name]

    def reset(self):
        for client in (self.ref, self.dut):
            reply = client.call("FLUSHALL")
            if reply != "OK":
                raise RuntimeError("FLUSHALL answered %r" % (reply,))

    def dut_log(self, tail=3000):
        if isinstance(self.dut_server, conftest.MnemoServer):
            return self.dut_server.read_log()[-tail:]
        return ""

    def stop(self):
        """Stops both servers; returns Mnemo's exit code (0 on a clean shutdown)."""
        for c in (self.ref, self.dut):
            c.close()
        self.ref_server.stop()
        if isinstance(self.dut_server, conftest.MnemoServer):
            code = self.dut_server.stop()
            shutil.rmtree(self.dir, ignore_errors=True)
            return code
        self.dut_server.stop()
        return 0


class Difference:
    def __init__(self, where, args, problem, ref, dut, history=(), replay=None):
        self.where, self.args, self.problem = where, args, problem
        self.ref, self.dut, self.history, self.replay = ref, dut, list(history), replay

    def __str__(self):
        lines = ["DIFFERENCE at %s" % self.where]
        if self.history:
            lines.append("  commands before it (last %d):" % len(self.history))
            for args, ref, dut in self.history:
                lines.append("    %s -> %s" % (" ".join(map(repr, args)), show(ref)))
                if ref != dut:
                    lines.append("      (mnemo: %s)" % show(dut))
        lines += ["  command: %s" % " ".join(map(repr, self.args)),
                  "  redis:   %s" % show(self.ref, 1000), "  mnemo:   %s" % show(self.dut, 1000),
                  "  problem: %s" % self.problem]
        if self.replay:
            lines.append("  replay:  %s" % self.replay)
        return "\n".join(lines)


def run_step(pair, args):
    """Runs one command on both servers; returns (problem or None, redis reply, mnemo reply)."""
    name = args[0].lower() if args else ""
    try:
        problem, ref, dut = commands.mode_of(name).run(pair, args)
    except (ConnectionError, OSError) as e:
        return "connection to %s lost: %s\n%s" % (pair.dut_name, e, pair.dut_log()), None, None
    if problem and commands.known_difference(args, dut):
        problem = None
    return problem, ref, dut


def arity_cases(pair, names):
    """Wrong-arity calls for each command in names, from Redis's own arity (COMMAND INFO):
    one argument short and, for a fixed arity, one too many; for -N, N-1 words."""
    out = []
    for name in sorted(names):
        info = pair.ref.call("COMMAND", "INFO", name)
        if not (isinstance(info, list) and info and info[0]):
            continue
        arity = info[0][1]
        lengths = {abs(arity) - 1} | ({arity + 1} if arity > 0 else set())
        for n in sorted(lengths):
            if n >= 1:
                out.append("%s%s" % (name.upper(), " a" * (n - 1)))
    return out


def covered_commands():
    names = {n for n in cases.CASES if n != "unknown"}
    return names | {name for _w, name, _fn in generators.GENERATORS}


def run_cases(pair, only=None, log=print):
    """Every scripted case and arity case; returns (differences, cases run, {command: cases not
    run because Mnemo lacks it})."""
    table = dict(cases.CASES)
    table["arity"] = arity_cases(pair, covered_commands())
    diffs, ran, not_run = [], 0, {}
    for name, lines in table.items():
        if only and name not in only:
            continue
        for line in lines:
            cmds = cases.parse_case(line)
            missing = sorted({c[0].lower() for c in cmds if c[0] and name != "unknown"
                              and not pair.dut_has(c[0])})
            if missing:
                for m in missing:
                    not_run[m] = not_run.get(m, 0) + 1
                continue
            pair.reset()
            ran += 1
            for i, args in enumerate(cmds):
                problem, ref, dut = run_step(pair, args)
                if problem:
                    diffs.append(Difference("case %s: %r (command %d)" % (name, line, i + 1),
                                            args, problem, ref, dut))
                    log(str(diffs[-1]))
                    break
    return diffs, ran, not_run


def state_of(client, keys):
    return {k: client.call("TYPE", k) for k in keys}


def compare_state(pair):
    """The whole keyspace of both servers: key names, then each key's type, value and PTTL.
    Returns a list of (args, problem, ref, dut)."""
    problems = []
    problem, ref_keys, dut_keys = run_step(pair, ("KEYS", "*"))
    if problem:
        return [(("KEYS", "*"), problem, ref_keys, dut_keys)]
    for key in sorted(ref_keys):
        checks = [("TYPE", key), ("PTTL", key)]
        t = pair.ref.call("TYPE", key)
        reader = STATE_READERS.get(t)
        if reader:
            checks.append(reader[0][:1] + (key,) + reader[0][1:])
        for args in checks:
            problem, ref, dut = run_step(pair, args)
            if problem:
                problems.append((args, problem, ref, dut))
                return problems
    return problems


def _pipelined(client, commands):
    """Sends every command in one write, then reads the replies (Mnemo's batched write path)."""
    client.send(b"".join(encode_command(*args) for args in commands))
    return [client.read_reply() for _ in commands]


def _run_batch(pair, batch):
    """Runs a batch of (step, args) of pipelinable commands on both servers; returns one
    (step, args, problem, ref, dut) per command, up to and with the first problem."""
    out = []
    ref_replies = _pipelined(pair.ref, [args for _i, args in batch])
    try:
        dut_replies = _pipelined(pair.dut, [args for _i, args in batch])
    except (ConnectionError, OSError) as e:
        i, args = batch[0]
        lost = "connection to %s lost: %s\n%s" % (pair.dut_name, e, pair.dut_log())
        return [(i, args, lost, ref_replies[0], None)]
    for (i, args), ref, dut in zip(batch, ref_replies, dut_replies):
        problem = commands.mode_of(args[0]).check(ref, dut)
        if problem and commands.known_difference(args, dut):
            problem = None
        out.append((i, args, problem, ref, dut))
        if problem:
            break
    return out


def pipeline_for(n):
    """The pipeline depth of the n-th seed of a run: one at a time and 16 deep, by turns."""
    return 1 if n % 2 == 0 else 16


def sequence(pair, seed, steps):
    """The commands of a seed: [(step, args)] for the steps whose command Mnemo serves. Steps of
    other commands are generated (so a seed means the same sequence) but left out."""
    rng = random.Random(seed)
    g = generators.Gen(rng)
    weights = [w for w, _n, _f in generators.GENERATORS]
    out = []
    for i in range(steps):
        _w, name, fn = rng.choices(generators.GENERATORS, weights)[0]
        args = fn(g)
        if g.chance(0.1):  # command names are case-insensitive too
            args = (g.token(args[0]),) + tuple(args[1:])
        if pair.dut_has(name):
            out.append((i, args))
    return out


def run_sequence(pair, cmds, pipeline=1):
    """Runs [(step, args)] from an empty database, then compares the whole state. Returns None,
    or (step, args, problem, ref, dut, history) for the first difference (step None: the state).
    With pipeline > 1, up to that many consecutive commands whose mode compares single replies
    are sent pipelined (Mnemo's batched write path)."""
    pair.reset()
    history, batch = [], []
    for n, (i, args) in enumerate(cmds):
        single = pipeline > 1 and commands.mode_of(args[0]).pipelinable
        if single:
            batch.append((i, args))
        results = []
        if batch and (not single or len(batch) >= pipeline or n == len(cmds) - 1):
            results, batch = _run_batch(pair, batch), []
        if not single:
            results.append((i, args) + run_step(pair, args))
        for j, a, problem, ref, dut in results:
            if problem:
                return j, a, problem, ref, dut, history
            history.append((a, ref, dut))
    for args, problem, ref, dut in compare_state(pair):
        return None, args, problem, ref, dut, history
    return None


def run_random(pair, seed, steps, pipeline=1):
    """One seeded sequence of `steps` commands; returns a Difference or None, and the number of
    commands sent."""
    cmds = sequence(pair, seed, steps)
    found = run_sequence(pair, cmds, pipeline)
    if found is None:
        return None, len(cmds)
    j, args, problem, ref, dut, history = found
    upto = steps if j is None else j + 1
    where = "seed %d, %s" % (seed, "state after %d steps" % steps if j is None else "step %d" % upto)
    replay = ("/usr/bin/python3 tests/differential/difftest.py --no-cases --seed %d --pipeline %d "
              "--steps %d" % (seed, pipeline, upto))
    return Difference(where, args, problem, ref, dut, history[-HISTORY_SHOWN:], replay), len(cmds)


def shrink(pair, seed, steps, pipeline=1):
    """The shortest sequence found (by removing chunks, then single commands) that still shows
    a difference, as a case line for cases.py; None if the prefix does not fail."""
    def fails(cmds):
        found = run_sequence(pair, cmds, pipeline)
        if found is None:
            return None
        j = found[0]
        return cmds if j is None else [c for c in cmds if c[0] <= j]

    cmds = fails(sequence(pair, seed, steps))
    if cmds is None:
        return None
    chunk = max(1, len(cmds) // 2)
    while True:
        start, removed = 0, False
        while start < len(cmds):
            trial = fails(cmds[:start] + cmds[start + chunk:]) if len(cmds) > 1 else None
            if trial is not None:
                cmds, removed = trial, True
            else:
                start += chunk
        if chunk == 1 and not removed:
            break
        chunk = max(1, chunk // 2)
    return " | ".join(" ".join(shlex.quote(a) for a in args) for _i, args in cmds)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--seed", type=int, default=None, help="first seed (default: from the clock)")
    p.add_argument("--steps", type=int, default=300, help="commands per random sequence")
    p.add_argument("--seconds", type=float, default=0,
                   help="run seeds seed, seed+1, ... for this long (default: one seed)")
    p.add_argument("--pipeline", type=int, default=None,
                   help="pipeline depth for the random sequences (default: 1 and 16 by turns)")
    p.add_argument("--shrink", action="store_true",
                   help="on a random difference, print the shortest failing sequence found")
    p.add_argument("--no-cases", action="store_true", help="skip the scripted cases")
    p.add_argument("--no-random", action="store_true", help="skip the random sequences")
    p.add_argument("--case", action="append", help="run only these commands' cases")
    p.add_argument("--mnemo-bin", default=None, help="Mnemo binary (default build/mnemo)")
    p.add_argument("--against-redis", action="store_true",
                   help="self-check: compare two redis-servers (shows the tester's own noise)")
    a = p.parse_args(argv)
    seed = a.seed if a.seed is not None else int(time.time() * 1000) % 1000000007
    print("difftest: seed %d, %d steps per sequence" % (seed, a.steps), flush=True)
    pair = Pair(a.mnemo_bin, a.against_redis)
    failed = False
    try:
        if not a.no_cases:
            diffs, ran, not_run = run_cases(pair, a.case)
            print("scripted: %d cases run, %d differences" % (ran, len(diffs)))
            if not_run:
                print("not run (%s lacks the command): %s" % (pair.dut_name, ", ".join(
                    "%s (%d)" % kv for kv in sorted(not_run.items()))))
            failed |= bool(diffs)
        if not a.no_random:
            start, n, total = time.time(), 0, 0
            while True:
                depth = a.pipeline or pipeline_for(n)
                diff, sent = run_random(pair, seed + n, a.steps, depth)
                n, total = n + 1, total + sent
                if diff:
                    print(diff)
                    failed = True
                    if a.shrink:
                        print("  shortest: %s" % shrink(pair, seed + n - 1, a.steps, depth))
                if not a.seconds or time.time() - start >= a.seconds:
                    break
            print("random: %d seeds from %d, %d commands sent" % (n, seed, total))
    finally:
        code = pair.stop()
    if code not in (None, 0):
        print("mnemo exited with code %r" % code)
        failed = True
    print("difftest: %s (seed %d)" % ("FAILED" if failed else "ok", seed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
