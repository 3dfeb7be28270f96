// COMMAND DOCS and COMMAND INFO replies from the parsed CommandDocs (command_doc.h), in Redis
// 7.0's field order.
#include "commands/command_doc.h"
#include "commands/registry.h"

namespace mnemo {

void ReplyWords(Reply& r, const std::vector<std::string>& words) {
  r.SetHeader(words.size());  // Redis's sets: an array in RESP2
  for (const auto& w : words) r.Simple(w);
}

// Redis 7.0's field order: name, type, key_spec_index, token, since, deprecated_since, flags,
// arguments.
void ReplyArgs(Reply& r, const std::vector<ArgSpec>& args) {
  r.ArrayHeader(args.size());
  for (const ArgSpec& a : args) {
    bool group = a.type == ArgSpec::Type::kOneOf || a.type == ArgSpec::Type::kBlock;
    size_t fields = 2 + (a.key_spec_index >= 0) + a.has_token + !a.since.empty() +
                    !a.deprecated_since.empty() + (a.flags != 0) + group;
    r.MapHeader(fields);
    r.Bulk("name");
    r.Bulk(a.name);
    r.Bulk("type");
    r.Bulk(ArgTypeName(a.type));
    if (a.key_spec_index >= 0) {
      r.Bulk("key_spec_index");
      r.Integer(a.key_spec_index);
    }
    if (a.has_token) {
      r.Bulk("token");
      r.Bulk(a.token);
    }
    if (!a.since.empty()) {
      r.Bulk("since");
      r.Bulk(a.since);
    }
    if (!a.deprecated_since.empty()) {
      r.Bulk("deprecated_since");
      r.Bulk(a.deprecated_since);
    }
    if (a.flags != 0) {
      std::vector<std::string> flags;
      if (a.flags & ArgSpec::kOptional) flags.push_back("optional");
      if (a.flags & ArgSpec::kMultiple) flags.push_back("multiple");
      if (a.flags & ArgSpec::kMultipleToken) flags.push_back("multiple_token");
      r.Bulk("flags");
      ReplyWords(r, flags);
    }
    if (group) {
      r.Bulk("arguments");
      ReplyArgs(r, a.args);
    }
  }
}

void ReplyKeySpecs(Reply& r, const std::vector<KeySpec>& specs) {
  r.ArrayHeader(specs.size());
  for (const KeySpec& ks : specs) {
    r.MapHeader(3 + !ks.notes.empty());
    if (!ks.notes.empty()) {
      r.Bulk("notes");
      r.Bulk(ks.notes);
    }
    r.Bulk("flags");
    ReplyWords(r, ks.flags);
    r.Bulk("begin_search");
    r.MapHeader(2);
    r.Bulk("type");
    switch (ks.begin) {
      case KeySpec::Begin::kIndex:
        r.Bulk("index");
        r.Bulk("spec");
        r.MapHeader(1);
        r.Bulk("index");
        r.Integer(ks.index);
        break;
      case KeySpec::Begin::kKeyword:
        r.Bulk("keyword");
        r.Bulk("spec");
        r.MapHeader(2);
        r.Bulk("keyword");
        r.Bulk(ks.keyword);
        r.Bulk("startfrom");
        r.Integer(ks.startfrom);
        break;
      case KeySpec::Begin::kUnknown:
        r.Bulk("unknown");
        r.Bulk("spec");
        r.MapHeader(0);
        break;
    }
    r.Bulk("find_keys");
    r.MapHeader(2);
    r.Bulk("type");
    static const char* const kRange[] = {"lastkey", "keystep", "limit"};
    static const char* const kKeynum[] = {"keynumidx", "firstkey", "keystep"};
    if (ks.find == KeySpec::Find::kUnknown) {
      r.Bulk("unknown");
      r.Bulk("spec");
      r.MapHeader(0);
      continue;
    }
    bool range = ks.find == KeySpec::Find::kRange;
    const char* const* names = range ? kRange : kKeynum;
    r.Bulk(range ? "range" : "keynum");
    r.Bulk("spec");
    r.MapHeader(3);
    int values[] = {ks.a, ks.b, ks.c};
    for (int i = 0; i < 3; i++) {
      r.Bulk(names[i]);
      r.Integer(values[i]);
    }
  }
}

namespace {

// Redis's flag words (COMMAND INFO), for the flags Mnemo's rows carry.
void ReplyFlags(Reply& r, uint32_t flags) {
  static const std::pair<uint32_t, const char*> kNames[] = {
      {kCmdWrite, "write"},         {kCmdReadOnly, "readonly"}, {kCmdDenyOOM, "denyoom"},
      {kCmdAdmin, "admin"},         {kCmdNoAuth, "no_auth"},    {kCmdFast, "fast"},
      {kCmdLoading, "loading"},     {kCmdNoMulti, "no_multi"},  {kCmdNoScript, "noscript"},
      {kCmdAllowBusy, "allow_busy"}};
  std::vector<std::string> names;
  for (auto& [bit, name] : kNames) {
    if (flags & bit) names.emplace_back(name);
  }
  ReplyWords(r, names);
}

std::string SubcommandName(const CommandSpec& spec, const Subcommand& sub) {
  return std::string(spec.name) + "|" + sub.name;
}

// The fields after arity, flags and key positions: ACL categories, tips, key specs.
void ReplyInfoTail(Reply& r, const ParsedDoc& p) {
  ReplyWords(r, p.acl);
  r.ArrayHeader(p.tips.size());
  for (const auto& t : p.tips) r.Bulk(t);
  ReplyKeySpecs(r, p.key_specs);
}

// The first key of a subcommand is its first key-spec index (Redis's legacy triple).
void ReplyLegacyKeys(Reply& r, const ParsedDoc& p) {
  bool range = !p.key_specs.empty() && p.key_specs[0].begin == KeySpec::Begin::kIndex &&
               p.key_specs[0].find == KeySpec::Find::kRange;
  int first = range ? p.key_specs[0].index : 0;
  int last = range ? (p.key_specs[0].a < 0 ? p.key_specs[0].a : first + p.key_specs[0].a) : 0;
  r.Integer(first);
  r.Integer(last);
  r.Integer(range ? p.key_specs[0].b : 0);
}

// summary, since, group, complexity, doc_flags, deprecated_since, replaced_by, arguments,
// subcommands: Redis 7.0's order. Mnemo keeps no history.
void ReplyDocMap(Reply& r, const CommandSpec& spec, const char* summary, const CommandDoc& doc) {
  const ParsedDoc& p = CommandTable::Instance().Parsed(doc);
  bool deprecated = *doc.deprecated_since != '\0';
  r.MapHeader(4 + 3 * deprecated + !p.args.empty() + !doc.subcommands.empty());
  r.Bulk("summary");
  r.Bulk(summary);
  r.Bulk("since");
  r.Bulk(doc.since);
  r.Bulk("group");
  r.Bulk(spec.group);
  r.Bulk("complexity");
  r.Bulk(doc.complexity);
  if (deprecated) {
    r.Bulk("doc_flags");
    ReplyWords(r, {"deprecated"});
    r.Bulk("deprecated_since");
    r.Bulk(doc.deprecated_since);
    r.Bulk("replaced_by");
    r.Bulk(doc.replaced_by);
  }
  if (!p.args.empty()) {
    r.Bulk("arguments");
    ReplyArgs(r, p.args);
  }
  if (!doc.subcommands.empty()) {
    r.Bulk("subcommands");
    r.MapHeader(doc.subcommands.size());
    for (const Subcommand& sub : doc.subcommands) {
      r.Bulk(SubcommandName(spec, sub));
      ReplyDocMap(r, spec, sub.summary, sub.doc);
    }
  }
}

}  // namespace

void ReplyCommandDocs(Reply& r, const CommandSpec& spec) {
  r.Bulk(spec.name);
  ReplyDocMap(r, spec, spec.summary, spec.doc);
}

void ReplyCommandInfo(Reply& r, const CommandSpec& spec) {
  r.ArrayHeader(10);
  r.Bulk(spec.name);
  r.Integer(spec.arity);
  ReplyFlags(r, spec.flags);
  r.Integer(spec.first_key);
  r.Integer(spec.last_key);
  r.Integer(spec.key_step);
  ReplyInfoTail(r, CommandTable::Instance().Parsed(spec.doc));
  r.ArrayHeader(spec.doc.subcommands.size());
  for (const Subcommand& sub : spec.doc.subcommands) {
    const ParsedDoc& p = CommandTable::Instance().Parsed(sub.doc);
    r.ArrayHeader(10);
    r.Bulk(SubcommandName(spec, sub));
    r.Integer(sub.arity);
    ReplyFlags(r, spec.flags);
    ReplyLegacyKeys(r, p);
    ReplyInfoTail(r, p);
    r.ArrayHeader(0);
  }
}

}  // namespace mnemo
