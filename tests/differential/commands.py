"""Per-command facts for the differential tester: how each command's replies are compared, the
known differences from Redis (each with its reason), and the commands deliberately left out.

A command not in MODES is compared exactly. A new family adds its rows here (see the extension
guide in difftest.py).
"""
import re

from helpers import RespError
from compare import DbSize, Exact, Pairs, RandomKey, Sample, ScanAll, Tolerance, Unordered

# Seconds and milliseconds of slack for TTL-like replies: the two servers see each command some
# milliseconds apart, and a loaded machine may stall one of them for seconds. Still below the
# 100 s step between the TTLs the generators set (generators.py) and far below the TTLs
# themselves (>= 1000 s), so a unit, sign or off-by-one-step error shows.
TTL_TOLERANCE_S = 30

MODES = {
    # Keys: Redis returns them in hash-table order, Mnemo in key order.
    "keys": Unordered(),
    # The set of keys over a whole iteration from cursor 0 (cursors are each server's own).
    "scan": ScanAll(cursor_index=1),
    "ttl": Tolerance(TTL_TOLERANCE_S),
    "pttl": Tolerance(TTL_TOLERANCE_S * 1000),
    "expiretime": Tolerance(TTL_TOLERANCE_S),
    "pexpiretime": Tolerance(TTL_TOLERANCE_S * 1000),
    "randomkey": RandomKey(),
    "dbsize": DbSize(),
    # Hashes and sets: order unspecified, random members compared by their properties.
    "hgetall": Pairs(),
    "hkeys": Unordered(),
    "hvals": Unordered(),
    "hscan": ScanAll(cursor_index=2, pairs=True),
    "hrandfield": Sample("HGETALL", flat_pairs=True),
    "smembers": Unordered(),
    "sinter": Unordered(),
    "sunion": Unordered(),
    "sdiff": Unordered(),
    "sscan": ScanAll(cursor_index=2),
    "srandmember": Sample("SMEMBERS"),
    "spop": Sample("SMEMBERS", restore="SADD", remove="SREM"),
}


def mode_of(command):
    return MODES.get(command.lower(), DEFAULT_MODE)


DEFAULT_MODE = Exact()

# Known differences: (command line regex, Mnemo's reply, reason). Where Mnemo's reply to a
# command matching the regex differs from Redis's, it must be exactly the reply given here, so
# the difference stays asserted. Only for a reason that holds up (a documented design choice);
# a plain wording slip is a bug to fix, not a row here.
KNOWN_DIFFERENCES = [
    (r"SCAN (-\d+|[1-9]\d*)( .*)?", RespError("ERR invalid cursor"),
     "Mnemo's cursors are its own tokens (docs/internals.md, SCAN cursors): one it never handed "
     "out is refused, where Redis resumes from that hash-table position (SCAN -1 is 2^64-1)"),
]


def known_difference(args, dut):
    """The reason when `dut` is Mnemo's documented reply to `args`, else None."""
    line = " ".join(a.decode(errors="replace") if isinstance(a, bytes) else str(a) for a in args)
    for pattern, reply, reason in KNOWN_DIFFERENCES:
        if re.fullmatch(pattern, line, re.IGNORECASE) and dut == reply:
            return reason
    return None


# Commands of the data families that the tester leaves out, and why. A command of those families
# that Mnemo serves must be either exercised (a generator or a scripted case) or listed here;
# test_differential.py checks it.
NOT_COVERED = {
    "zrandmember": "sampled; compared by its properties against redis-server in test_zsets.py",
    "zscan": "compared over full iterations against redis-server in test_zsets.py",
    "zlexcount": "a lex range is specified only over members of equal score (Redis walks its "
                 "skiplist by score and stops where the order breaks); compared over equal "
                 "scores in test_zsets.py",
    "zrangebylex": "see zlexcount",
    "zrevrangebylex": "see zlexcount",
    "zremrangebylex": "see zlexcount",
    "flushall": "admin command; FLUSHDB is covered, and the tester runs FLUSHALL between cases",
    "dump": "the payload is each server's own serialization (Mnemo's is documented as its own)",
    "restore": "takes a DUMP payload, see dump",
    "object": "OBJECT's answers describe a disk store (docs/commands.md); compared in "
              "test_compat_commands.py",
    "sort": "SORT of strings only answers WRONGTYPE or an empty list until lists and sets exist; "
            "its errors are compared in test_compat_commands.py",
    "sort_ro": "see sort",
    "move": "needs a second database; Mnemo serves DB 0 only",
    "migrate": "needs a second server",
    "wait": "replication",
    "waitaof": "replication",
    "swapdb": "needs a second database",
    "select": "needs a second database",
}

# The command groups (COMMAND DOCS "group") whose every command the tester must account for.
FAMILIES = ("string", "generic", "hash", "set", "list", "sorted-set", "bitmap", "hyperloglog")
