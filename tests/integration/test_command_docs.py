"""COMMAND DOCS and COMMAND INFO compared with redis-server 7.0's for every command (and
subcommand) both servers have: the argument trees exactly, and the since, group, ACL categories,
tips and key specifications. Mnemo-only commands and subcommands are left out of the comparison."""
import pytest

from helpers import raw
from redis_reference import RedisServer

# What Mnemo has and Redis 7.0 lacks; compared with nothing.
MNEMO_ONLY = {"kprofile", "namespace", "memory|report", "memory|history", "memory|forecast",
              "memory|policy", "memory|top", "client|setinfo", "client|no-touch"}


@pytest.fixture(scope="module")
def ref():
    s = RedisServer()
    c = s.client(decode_responses=True)
    yield c
    c.close()
    s.stop()


def pairs(flat):
    return {flat[i]: flat[i + 1] for i in range(0, len(flat), 2)}


def arg_tree(args):
    out = []
    for a in args:
        d = pairs(a)
        if "arguments" in d:
            d["arguments"] = arg_tree(d["arguments"])
        out.append(d)
    return out


def doc_tree(flat):
    d = pairs(flat)
    d.pop("history", None)
    if "arguments" in d:
        d["arguments"] = arg_tree(d["arguments"])
    if "subcommands" in d:
        d["subcommands"] = {k: doc_tree(v) for k, v in pairs(d["subcommands"]).items()}
    return d


def key_specs(specs):
    out = []
    for ks in specs:
        d = pairs(ks)
        for part in ("begin_search", "find_keys"):
            d[part] = pairs(d[part])
            d[part]["spec"] = pairs(d[part]["spec"])
        out.append(d)
    return out


def info_entry(e):
    return {"name": e[0], "arity": e[1], "acl": e[6], "tips": e[7], "key_specs": key_specs(e[8]),
            "subcommands": {s[0]: info_entry(s) for s in e[9]}}


def compare_docs(name, mine, theirs):
    for field in ("since", "group"):
        assert mine[field] == theirs[field], (name, field)
    assert mine.get("arguments") == theirs.get("arguments"), name
    for sub, doc in mine.get("subcommands", {}).items():
        if sub in MNEMO_ONLY:
            continue
        assert sub in theirs.get("subcommands", {}), sub + " is not in Redis 7.0"
        compare_docs(sub, doc, theirs["subcommands"][sub])


def compare_info(name, mine, theirs, check_arity=True):
    for field in ("acl", "tips", "key_specs"):
        assert mine[field] == theirs[field], (name, field)
    for sub, e in mine["subcommands"].items():
        if sub not in MNEMO_ONLY:
            compare_info(sub, e, theirs["subcommands"][sub])


def mnemo_names(r):
    return sorted(n for n in raw(r, "COMMAND", "LIST") if n not in MNEMO_ONLY)


def test_docs_match_redis_for_every_command(sr, ref):
    names = mnemo_names(sr)
    assert len(names) > 50
    mine = {k: doc_tree(v) for k, v in pairs(raw(sr, "COMMAND", "DOCS", *names)).items()}
    theirs = {k: doc_tree(v) for k, v in pairs(raw(ref, "COMMAND", "DOCS", *names)).items()}
    missing = sorted(set(names) - set(theirs))
    assert not missing, "not in Redis 7.0 (add them to MNEMO_ONLY): %s" % missing
    for name in names:
        compare_docs(name, mine[name], theirs[name])
        assert mine[name]["summary"] and mine[name]["complexity"], name


def test_info_matches_redis_for_every_command(sr, ref):
    names = mnemo_names(sr)
    mine = {e[0]: info_entry(e) for e in raw(sr, "COMMAND", "INFO", *names)}
    theirs = {e[0]: info_entry(e) for e in raw(ref, "COMMAND", "INFO", *names)}
    for name in names:
        compare_info(name, mine[name], theirs[name])


def test_arities_match_redis(sr, ref):
    # Where Mnemo takes more than Redis 7.0 (an option of its own), the row says so in its notes.
    wider = {"client|list", "memory|malloc-stats"}
    names = mnemo_names(sr)
    mine = {e[0]: info_entry(e) for e in raw(sr, "COMMAND", "INFO", *names)}
    theirs = {e[0]: info_entry(e) for e in raw(ref, "COMMAND", "INFO", *names)}
    for name in names:
        assert mine[name]["arity"] == theirs[name]["arity"], name
        for sub, e in mine[name]["subcommands"].items():
            if sub not in MNEMO_ONLY and sub not in wider:
                assert e["arity"] == theirs[name]["subcommands"][sub]["arity"], sub


def test_docs_of_one_command_and_unknown_names(sr):
    d = pairs(raw(sr, "COMMAND", "DOCS", "set", "nosuchcommand"))
    assert list(d) == ["set"]
    doc = doc_tree(d["set"])
    assert doc["arguments"][0] == {"name": "key", "type": "key", "key_spec_index": 0}
    assert doc["arguments"][2]["name"] == "condition"
    assert [a["token"] for a in doc["arguments"][2]["arguments"]] == ["NX", "XX"]
    k = pairs(raw(sr, "COMMAND", "DOCS", "kprofile"))["kprofile"]
    assert doc_tree(k)["arguments"][0]["token"] == "MEMORY"


def test_command_list_filter_by_aclcat(sr):
    strings = raw(sr, "COMMAND", "LIST", "FILTERBY", "ACLCAT", "string")
    assert "get" in strings and "set" in strings and "del" not in strings
    assert raw(sr, "COMMAND", "LIST", "FILTERBY", "ACLCAT", "nosuchcat") == []
