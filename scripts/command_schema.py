#!/usr/bin/python3
"""Prints the CommandDoc initializer of a command (and its subcommands) in Mnemo's table notation
(docs/internals.md, "Command metadata"), read from a running Redis 7 server's COMMAND DOCS and
COMMAND INFO. A helper for adding rows to src/commands/cmd_*.cc; the compat test
(tests/integration/test_command_docs.py) checks the rows against the server afterwards.

usage: scripts/command_schema.py PORT command [command|subcommand ...]
"""
import re
import socket
import sys


class Resp3:
    def __init__(self, port):
        self.sock = socket.create_connection(("127.0.0.1", port))
        self.f = self.sock.makefile("rb")
        self.call("HELLO", "3")

    def call(self, *args):
        out = b"*%d\r\n" % len(args)
        for a in args:
            a = a.encode()
            out += b"$%d\r\n%s\r\n" % (len(a), a)
        self.sock.sendall(out)
        return self.read()

    def read(self):
        line = self.f.readline()[:-2]
        t, v = line[:1], line[1:]
        if t == b"+":
            return v.decode()
        if t == b"-":
            raise RuntimeError(v.decode())
        if t == b":":
            return int(v)
        if t in (b"$", b"="):
            return self.f.read(int(v) + 2)[:-2].decode()
        if t == b"_":
            return None
        if t in (b"*", b"~"):
            return [self.read() for _ in range(int(v))]
        if t == b"%":
            d = {}
            for _ in range(int(v)):
                k = self.read()
                d[k] = self.read()
            return d
        raise RuntimeError("unexpected reply " + repr(line))


def quote_name(name):
    return name if re.fullmatch(r"[a-z0-9_-]+", name) else "'" + name + "'"


def token_text(tok):
    return tok if re.fullmatch(r"[A-Z][A-Z0-9_-]*", tok) else '"' + tok + '"'


def suffixes(a, auto_ksi):
    s = ""
    if "key_spec_index" in a and a["key_spec_index"] != auto_ksi:
        s += "#%d" % a["key_spec_index"]
    flags = a.get("flags", [])
    if "multiple" in flags:
        s += "..."
    if "multiple_token" in flags:
        s += "*"
    if "since" in a:
        s += "@" + a["since"]
    if "deprecated_since" in a:
        s += "!" + a["deprecated_since"]
    return s


class Render:
    def __init__(self):
        self.next_ksi = 0

    def item(self, a):
        t = a["type"]
        tok = a.get("token")
        auto = self.next_ksi if t == "key" else None
        if "key_spec_index" in a:
            self.next_ksi = max(self.next_ksi, a["key_spec_index"] + 1)
        if t == "pure-token":
            core = token_text(tok)
            if a["name"] != tok.lower():
                core = quote_name(a["name"]) + "=" + core
            core += suffixes(a, auto)
        elif t in ("oneof", "block"):
            sep = "|" if t == "oneof" else " "
            inner = sep.join(self.item(x) for x in a["arguments"])
            check_sequence(a["arguments"]) if t == "block" else None
            if t == "oneof" and len(a["arguments"]) == 1:
                raise RuntimeError("oneof of one argument: " + a["name"])
            core = quote_name(a["name"]) + "(" + inner + ")" + suffixes(a, auto)
            if tok is not None:
                core = token_text(tok) + " " + core
        else:
            core = quote_name(a["name"])
            if t != "string":
                core += ":" + t
            core += suffixes(a, auto)
            if tok is not None:
                core = token_text(tok) + " " + core
        if "optional" in a.get("flags", []):
            core = "[" + core + "]"
        return core


def check_sequence(args):
    """A bare pure-token followed by a value would read as that value's token."""
    for a, b in zip(args, args[1:]):
        bare = a["type"] == "pure-token" and not a.get("flags") and "since" not in a
        if bare and b["type"] != "pure-token" and "optional" not in b.get("flags", []):
            raise RuntimeError("ambiguous pure-token " + a["token"])


def key_specs(specs):
    out = []
    for ks in specs:
        words = []
        if "notes" in ks:
            words.append('"' + ks["notes"] + '"')
        words += ks["flags"]
        b = ks["begin_search"]
        if b["type"] == "index":
            words.append("index:%d" % b["spec"]["index"])
        elif b["type"] == "keyword":
            words.append("keyword:%s,%d" % (b["spec"]["keyword"], b["spec"]["startfrom"]))
        else:
            words.append("begin:unknown")
        f = ks["find_keys"]
        if f["type"] == "range":
            words.append("range:%d,%d,%d" % (f["spec"]["lastkey"], f["spec"]["keystep"],
                                            f["spec"]["limit"]))
        elif f["type"] == "keynum":
            words.append("keynum:%d,%d,%d" % (f["spec"]["keynumidx"], f["spec"]["firstkey"],
                                             f["spec"]["keystep"]))
        else:
            words.append("find:unknown")
        out.append(" ".join(words))
    return " ; ".join(out)


def cstr(s):
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def doc_init(doc, info):
    fields = [".since = " + cstr(doc["since"]), ".complexity = " + cstr(doc.get("complexity", ""))]
    if doc.get("arguments"):
        check_sequence(doc["arguments"])
        render = Render()
        fields.append(".args = " + cstr(" ".join(render.item(a) for a in doc["arguments"])))
    fields.append(".acl = " + cstr(" ".join(info[6])))
    if info[8]:
        fields.append(".keys = " + cstr(key_specs(info[8])))
    if info[7]:
        fields.append(".tips = " + cstr(" ".join(info[7])))
    return "{" + ", ".join(fields) + "}"


def main():
    r = Resp3(int(sys.argv[1]))
    for name in sys.argv[2:]:
        parent, _, sub = name.partition("|")
        docs = r.call("COMMAND", "DOCS", parent)[parent]
        info = r.call("COMMAND", "INFO", parent)[0]
        if sub:
            docs = docs["subcommands"][name]
            info = [i for i in info[9] if i[0] == name][0]
        print("%s (arity %d, group %s): %s" % (name, info[1], docs["group"], docs["summary"]))
        print("   ", doc_init(docs, info))


if __name__ == "__main__":
    main()
