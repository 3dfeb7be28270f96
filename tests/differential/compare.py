"""How the replies of one command are compared between redis-server (the reference) and Mnemo.

A *mode* runs one command on both servers and returns None when the replies agree, or a sentence
saying how they differ. Replies are raw RESP as `helpers.RawClient` reads them: a simple string
is `str`, a bulk string `bytes`, an error a `RespError` (compared by its full text), an integer
`int`, an array a `list`, a null `None`. So `+OK` and `$2 OK` differ, as they do for a client.

Modes for what Redis leaves unspecified (each documented where it is defined):
- `Exact` (the default): equal replies, errors by their whole text.
- `Unordered`: a top-level array compared as a multiset (KEYS; later SMEMBERS, HKEYS, HVALS).
- `Pairs`: a flat array of field/value pairs compared as a multiset of pairs (HGETALL).
- `Tolerance(t)`: a non-negative integer within t of the reference (TTL, PTTL, EXPIRETIME,
  PEXPIRETIME: the two servers see each command some milliseconds apart); -1 and -2 exactly.
- `ScanAll(cursor_index)`: a call with cursor 0 is run from there until the cursor comes back to 0 on
  each server; the elements collected are compared as sets (SCAN; later HSCAN/SSCAN with
  `pairs=True` for HSCAN). Cursor values are the server's own business and are not compared; an
  error on the first call is compared exactly, and so is a call with any other cursor.
- `DbSize`: Mnemo's DBSIZE comes down to the number of keys KEYS * lists on Redis once its
  active expiry has removed keys whose time passed (see `DbSize`).
- `RandomKey`: both null (empty database) or both a key that EXISTS on its own server.
- `Sample(...)`: SRANDMEMBER/HRANDFIELD/SPOP: reply count as Redis's rules say, every element a
  member of the collection, distinct for a non-negative count; a pop then makes Mnemo's state
  equal to Redis's again (see `Sample`).
"""
import time

from helpers import RespError


def show(reply, limit=200):
    s = repr(reply)
    return s if len(s) <= limit else s[:limit] + "..."


def is_error(reply):
    return isinstance(reply, RespError)


class Mode:
    """Exact comparison; subclasses override `compare` or `run`. A mode that compares one reply
    of each server (no extra calls) is `pipelinable`: its commands may be sent pipelined."""

    pipelinable = True

    def run(self, pair, args):
        ref = pair.ref.call(*args)
        dut = pair.dut.call(*args)
        return self.check(ref, dut), ref, dut

    def check(self, ref, dut):
        if is_error(ref) or is_error(dut):
            return compare_errors(ref, dut)
        return self.compare(ref, dut)

    def compare(self, ref, dut):
        return None if ref == dut else "replies differ"


Exact = Mode


def compare_errors(ref, dut):
    """Error against error, with the same text."""
    if not (is_error(ref) and is_error(dut)):
        return "one reply is an error, the other is not"
    return None if ref.text == dut.text else "error texts differ"


def _sort_key(x):
    return repr(x)


class Unordered(Mode):
    def compare(self, ref, dut):
        if isinstance(ref, list) and isinstance(dut, list):
            if sorted(ref, key=_sort_key) == sorted(dut, key=_sort_key):
                return None
            return "arrays differ as multisets"
        return Mode.compare(self, ref, dut)


def pairs_of(flat):
    return sorted(zip(flat[0::2], flat[1::2]), key=_sort_key)


class Pairs(Mode):
    def compare(self, ref, dut):
        if isinstance(ref, list) and isinstance(dut, list):
            if len(ref) % 2 or len(dut) % 2:
                return "an array of pairs has an odd length"
            return None if pairs_of(ref) == pairs_of(dut) else "field/value pairs differ"
        return Mode.compare(self, ref, dut)


class Tolerance(Mode):
    def __init__(self, tolerance):
        self.tolerance = tolerance

    def compare(self, ref, dut):
        if not (isinstance(ref, int) and isinstance(dut, int)):
            return Mode.compare(self, ref, dut)
        if ref < 0 or dut < 0:
            return None if ref == dut else "replies differ"
        if abs(ref - dut) <= self.tolerance:
            return None
        return "differ by more than %d" % self.tolerance


class ScanAll(Mode):
    """A full iteration from cursor 0. A bound on the number of calls keeps a cursor that never
    returns to 0 from looping forever (at COUNT 1, each element needs at most a few calls)."""

    pipelinable = False

    MAX_CALLS = 2000

    def __init__(self, cursor_index, pairs=False):
        self.cursor_index = cursor_index
        self.pairs = pairs

    def _iterate(self, client, args):
        args = list(args)
        args[self.cursor_index] = "0"
        seen = []
        first = None
        for _ in range(self.MAX_CALLS):
            reply = client.call(*args)
            if first is None:
                first = reply
            if is_error(reply):
                return reply, None if reply is first else "error mid-iteration: %s" % show(reply)
            if not (isinstance(reply, list) and len(reply) == 2 and isinstance(reply[0], bytes)
                    and isinstance(reply[1], list)):
                return reply, "not a [cursor, elements] reply: %s" % show(reply)
            seen.extend(reply[1])
            if reply[0] == b"0":
                elems = pairs_of(seen) if self.pairs else sorted(set(seen), key=_sort_key)
                return elems, None
            args[self.cursor_index] = reply[0]
        return None, "cursor did not return to 0 after %d calls" % self.MAX_CALLS

    def run(self, pair, args):
        if len(args) <= self.cursor_index or args[self.cursor_index] != "0":
            # Wrong arity, or a cursor given by a case (a bad one): the reply itself is compared.
            return Mode.run(self, pair, args)
        ref, ref_problem = self._iterate(pair.ref, args)
        dut, dut_problem = self._iterate(pair.dut, args)
        if ref_problem:
            raise RuntimeError("reference server: " + ref_problem)
        if dut_problem:
            return dut_problem, ref, dut
        return self.check(ref, dut), ref, dut

    def compare(self, ref, dut):
        return None if ref == dut else "elements collected over the iteration differ"


class RandomKey(Mode):
    pipelinable = False
    def run(self, pair, args):
        ref = pair.ref.call(*args)
        dut = pair.dut.call(*args)
        if is_error(ref) or is_error(dut) or ref is None or dut is None:
            return Mode.check(self, ref, dut), ref, dut
        if pair.ref.call("EXISTS", ref) != 1:
            raise RuntimeError("reference RANDOMKEY returned a missing key %r" % ref)
        if not isinstance(dut, bytes) or pair.dut.call("EXISTS", dut) != 1:
            return "RANDOMKEY returned a key that does not exist", ref, dut
        return None, ref, dut


class DbSize(Mode):
    """Both servers count a key whose time has passed until their active expiry removes it
    (right after `SET k v EXAT <past>`, say): Redis within its expire cycle, Mnemo within about
    100 ms (docs/internals.md, Expiry). So the number that must agree is the live keys: Mnemo's
    DBSIZE must come down to the number of keys KEYS * lists on Redis within SETTLE_S (nothing
    else is sent meanwhile), and never be below it. Redis's own DBSIZE must be at least that."""

    pipelinable = False
    SETTLE_S = 15.0  # generous: a loaded machine; the documented bound is about 100 ms

    def run(self, pair, args):
        if len(args) != 1:
            return Mode.run(self, pair, args)
        live = len(pair.ref.call("KEYS", "*"))
        ref = pair.ref.call(*args)
        if not isinstance(ref, int) or ref < live:
            raise RuntimeError("reference DBSIZE %r below its %d live keys" % (ref, live))
        deadline = time.time() + self.SETTLE_S
        dut = pair.dut.call(*args)
        while isinstance(dut, int) and dut > live and time.time() < deadline:
            time.sleep(0.02)  # polling a condition (the active expiry has run), bounded
            dut = pair.dut.call(*args)
        if dut == live:
            return None, ref, dut
        return "not the %d live keys Redis lists (waited up to %.0f s for active expiry)" % (
            live, self.SETTLE_S), ref, dut


class Sample(Mode):
    """Random elements of a collection: SRANDMEMBER key [count], HRANDFIELD key [count
    [WITHVALUES]], SPOP key [count].

    `members` is the command that lists the collection (e.g. "SMEMBERS"), `flat_pairs` says its
    reply is field/value pairs (HGETALL). Rules checked on each server against that server's own
    collection (read before the command, so a pop can be checked too): without a count, one
    element or null; with count n >= 0, min(n, size) distinct elements; with n < 0 (not for a
    pop), exactly |n| elements, repeats allowed. WITHVALUES replies alternate field and its value.
    `restore` (for a pop) is the command that re-adds members (e.g. "SADD"), and the removal
    command ("SREM"): after a pop, Mnemo gets back what it popped and loses what Redis popped,
    so the two states agree again for the next step."""

    pipelinable = False

    def __init__(self, members, flat_pairs=False, restore=None, remove=None):
        self.members = members
        self.flat_pairs = flat_pairs
        self.restore = restore
        self.remove = remove

    def _collection(self, client, key):
        reply = client.call(self.members, key)
        if is_error(reply):
            return reply
        return dict(zip(reply[0::2], reply[1::2])) if self.flat_pairs else {m: None for m in reply}

    def _check_one(self, coll, args, reply):
        count = int(args[2]) if len(args) > 2 else None
        withvalues = len(args) > 3 and args[3].upper() == "WITHVALUES"
        if count is None:
            if not coll:
                return None if reply is None else "expected null for an empty collection"
            return None if reply in coll else "element %s not in the collection" % show(reply)
        if not isinstance(reply, list):
            return "expected an array"
        if withvalues:
            if len(reply) % 2:
                return "WITHVALUES reply has an odd length"
            fields = reply[0::2]
            if any(coll.get(f) != v for f, v in zip(fields, reply[1::2])):
                return "a field's value is not the collection's"
        else:
            fields = reply
        if any(f not in coll for f in fields):
            return "an element is not in the collection"
        want = min(count, len(coll)) if count >= 0 else (-count if coll else 0)
        if len(fields) != want:
            return "expected %d elements, got %d" % (want, len(fields))
        if count >= 0 and len(set(fields)) != len(fields):
            return "repeated elements for a non-negative count"
        return None

    def run(self, pair, args):
        if len(args) < 2:
            return Mode.run(self, pair, args)
        key = args[1]
        ref_coll = self._collection(pair.ref, key)
        dut_coll = self._collection(pair.dut, key)
        ref = pair.ref.call(*args)
        dut = pair.dut.call(*args)
        if is_error(ref) or is_error(dut) or is_error(ref_coll):
            return Mode.check(self, ref, dut), ref, dut
        if ref_coll != dut_coll:
            return "collections differ before the command", ref_coll, dut_coll
        problem = self._check_one(ref_coll, args, ref)
        if problem:
            raise RuntimeError("reference %s broke the rule: %s" % (args[0], problem))
        problem = self._check_one(dut_coll, args, dut)
        if problem is None and self.restore:
            self._resync(pair.dut, key, ref, dut)
        return problem, ref, dut

    def _resync(self, dut, key, ref, popped):
        ref = [] if ref is None else (ref if isinstance(ref, list) else [ref])
        popped = [] if popped is None else (popped if isinstance(popped, list) else [popped])
        if popped:
            dut.call(self.restore, key, *popped)
        if ref:
            dut.call(self.remove, key, *ref)
