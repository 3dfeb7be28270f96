#include "commands/command_doc.h"

#include <algorithm>
#include <cctype>

#include "commands/registry.h"
#include "common/string_util.h"

namespace mnemo {
namespace {

bool IsNameChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
         c == '-';
}

// Recursive descent over the notation of command_doc.h.
class SchemaParser {
 public:
  explicit SchemaParser(std::string_view text) : t_(text) {}

  StatusOr<std::vector<ArgSpec>> Parse() {
    std::vector<ArgSpec> out;
    Status s = Sequence(&out);
    if (!s.ok()) return s;
    if (pos_ != t_.size()) return Error("unexpected character");
    return out;
  }

 private:
  struct Word {
    std::string text;
    bool token = false;
  };

  char Peek(size_t ahead = 0) const { return pos_ + ahead < t_.size() ? t_[pos_ + ahead] : '\0'; }
  void SkipSpaces() {
    while (Peek() == ' ') pos_++;
  }
  Status Error(std::string_view what) const {
    return Status::InvalidArgument("argument schema: " + std::string(what) + " at offset " +
                                   std::to_string(pos_) + " of \"" + std::string(t_) + "\"");
  }

  // Items up to ')', '|', ']' or the end.
  Status Sequence(std::vector<ArgSpec>* out) {
    for (;;) {
      SkipSpaces();
      char c = Peek();
      if (c == '\0' || c == ')' || c == '|' || c == ']') return Status::OK();
      ArgSpec a;
      Status s = Item(&a);
      if (!s.ok()) return s;
      out->push_back(std::move(a));
    }
  }

  Status Item(ArgSpec* a) {
    bool optional = Peek() == '[';
    if (optional) pos_++;
    Status s = Entry(a);
    if (!s.ok()) return s;
    if (optional) {
      if (Peek() != ']') return Error("expected ']'");
      pos_++;
      a->flags |= ArgSpec::kOptional;
    }
    return Status::OK();
  }

  StatusOr<Word> ReadWord() {
    Word w;
    char quote = Peek();
    if (quote == '"' || quote == '\'') {
      size_t end = t_.find(quote, pos_ + 1);
      if (end == std::string_view::npos) return Error("unterminated quote");
      w.text = std::string(t_.substr(pos_ + 1, end - pos_ - 1));
      w.token = quote == '"';
      pos_ = end + 1;
      return w;
    }
    size_t start = pos_;
    while (IsNameChar(Peek())) pos_++;
    if (pos_ == start) return Error("expected a name or token");
    w.text = std::string(t_.substr(start, pos_ - start));
    w.token = isupper(static_cast<unsigned char>(w.text[0])) &&
              std::none_of(w.text.begin(), w.text.end(),
                           [](char c) { return islower(static_cast<unsigned char>(c)); });
    return w;
  }

  // A token followed by a name (or a quoted name) on the same level is that argument's token.
  bool TokenOfNext() const {
    if (Peek() != ' ') return false;
    size_t i = pos_;
    while (i < t_.size() && t_[i] == ' ') i++;
    return i < t_.size() && (islower(static_cast<unsigned char>(t_[i])) || t_[i] == '\'');
  }

  Status Entry(ArgSpec* a) {
    auto w = ReadWord();
    if (!w.ok()) return w.status();
    if (w->token && TokenOfNext()) {
      SkipSpaces();
      auto name = ReadWord();
      if (!name.ok()) return name.status();
      if (name->token) return Error("expected a name after a token");
      a->token = w->text;
      a->has_token = true;
      return Core(std::move(name->text), a);
    }
    if (w->token) {
      std::string name = ToLower(w->text);
      return PureToken(std::move(name), std::move(w->text), a);
    }
    if (Peek() == '=') {
      pos_++;
      auto tok = ReadWord();
      if (!tok.ok()) return tok.status();
      if (!tok->token) return Error("expected a token after '='");
      return PureToken(std::move(w->text), std::move(tok->text), a);
    }
    return Core(std::move(w->text), a);
  }

  Status PureToken(std::string name, std::string token, ArgSpec* a) {
    a->name = std::move(name);
    a->type = ArgSpec::Type::kPureToken;
    a->token = std::move(token);
    a->has_token = true;
    return Suffixes(a);
  }

  Status Core(std::string name, ArgSpec* a) {
    a->name = std::move(name);
    if (Peek() == ':') {
      pos_++;
      size_t start = pos_;
      while (IsNameChar(Peek())) pos_++;
      std::string_view type = t_.substr(start, pos_ - start);
      static const std::pair<std::string_view, ArgSpec::Type> kTypes[] = {
          {"string", ArgSpec::Type::kString},   {"integer", ArgSpec::Type::kInteger},
          {"double", ArgSpec::Type::kDouble},   {"key", ArgSpec::Type::kKey},
          {"pattern", ArgSpec::Type::kPattern}, {"unix-time", ArgSpec::Type::kUnixTime}};
      auto it = std::find_if(std::begin(kTypes), std::end(kTypes),
                             [&](const auto& t) { return t.first == type; });
      if (it == std::end(kTypes)) return Error("unknown type");
      a->type = it->second;
    } else if (Peek() == '(') {
      pos_++;
      Status s = Group(a);
      if (!s.ok()) return s;
    }
    return Suffixes(a);
  }

  Status Group(ArgSpec* a) {
    std::vector<std::vector<ArgSpec>> alts(1);
    for (;;) {
      Status s = Sequence(&alts.back());
      if (!s.ok()) return s;
      if (alts.back().empty()) return Error("empty group");
      char c = Peek();
      pos_++;
      if (c == ')') break;
      if (c != '|') return Error("expected '|' or ')'");
      alts.emplace_back();
    }
    if (alts.size() == 1) {
      a->type = ArgSpec::Type::kBlock;
      a->args = std::move(alts[0]);
      return Status::OK();
    }
    a->type = ArgSpec::Type::kOneOf;
    for (auto& alt : alts) {
      if (alt.size() != 1) return Error("an alternative of a oneof is one argument");
      a->args.push_back(std::move(alt[0]));
    }
    return Status::OK();
  }

  std::string Version() {
    size_t start = pos_;
    while (isdigit(static_cast<unsigned char>(Peek())) || Peek() == '.') pos_++;
    return std::string(t_.substr(start, pos_ - start));
  }

  Status Suffixes(ArgSpec* a) {
    if (Peek() == '#') {
      pos_++;
      size_t start = pos_;
      while (isdigit(static_cast<unsigned char>(Peek()))) pos_++;
      if (pos_ == start) return Error("expected a key spec index");
      a->key_spec_index = std::stoi(std::string(t_.substr(start, pos_ - start)));
    } else if (a->type == ArgSpec::Type::kKey) {
      a->key_spec_index = next_key_spec_;
    }
    if (a->key_spec_index >= 0) next_key_spec_ = std::max(next_key_spec_, a->key_spec_index + 1);
    if (t_.substr(pos_, 3) == "...") {
      pos_ += 3;
      a->flags |= ArgSpec::kMultiple;
    }
    if (Peek() == '*') {
      pos_++;
      a->flags |= ArgSpec::kMultipleToken;
    }
    if (Peek() == '@') {
      pos_++;
      a->since = Version();
    }
    if (Peek() == '!') {
      pos_++;
      a->deprecated_since = Version();
    }
    char c = Peek();
    if (c != '\0' && c != ' ' && c != ')' && c != '|' && c != ']') {
      return Error("unexpected character after an argument");
    }
    return Status::OK();
  }

  std::string_view t_;
  size_t pos_ = 0;
  int next_key_spec_ = 0;
};

std::vector<std::string> Split(std::string_view s, char sep) {
  std::vector<std::string> out;
  size_t start = 0;
  for (size_t i = 0; i <= s.size(); i++) {
    if (i == s.size() || s[i] == sep) {
      out.emplace_back(s.substr(start, i - start));
      start = i + 1;
    }
  }
  return out;
}

// "a,b,c" -> three integers.
bool ParseTriple(std::string_view s, int* a, int* b, int* c) {
  std::vector<std::string> parts = Split(s, ',');
  if (parts.size() != 3) return false;
  auto x = ParseInt64(parts[0]), y = ParseInt64(parts[1]), z = ParseInt64(parts[2]);
  if (!x || !y || !z) return false;
  *a = static_cast<int>(*x);
  *b = static_cast<int>(*y);
  *c = static_cast<int>(*z);
  return true;
}

Status KeySpecWord(std::string_view word, KeySpec* ks) {
  size_t colon = word.find(':');
  if (colon == std::string_view::npos) {
    ks->flags.emplace_back(word);
    return Status::OK();
  }
  std::string_view kind = word.substr(0, colon), value = word.substr(colon + 1);
  bool ok = true;
  if (kind == "index") {
    ks->begin = KeySpec::Begin::kIndex;
    auto v = ParseInt64(value);
    ok = v.has_value();
    ks->index = ok ? static_cast<int>(*v) : 0;
  } else if (kind == "keyword") {
    ks->begin = KeySpec::Begin::kKeyword;
    size_t comma = value.find(',');
    auto v = comma == std::string_view::npos ? std::nullopt : ParseInt64(value.substr(comma + 1));
    ok = v.has_value();
    ks->keyword = std::string(value.substr(0, comma));
    ks->startfrom = ok ? static_cast<int>(*v) : 0;
  } else if (kind == "range" || kind == "keynum") {
    ks->find = kind == "range" ? KeySpec::Find::kRange : KeySpec::Find::kKeynum;
    ok = ParseTriple(value, &ks->a, &ks->b, &ks->c);
  } else {
    ok = (kind == "begin" || kind == "find") && value == "unknown";
  }
  if (!ok) return Status::InvalidArgument("key spec: bad word '" + std::string(word) + "'");
  return Status::OK();
}

}  // namespace

StatusOr<std::vector<ArgSpec>> ParseArgSchema(std::string_view text) {
  return SchemaParser(text).Parse();
}

StatusOr<std::vector<KeySpec>> ParseKeySpecs(std::string_view text) {
  std::vector<KeySpec> out;
  size_t pos = 0;
  while (pos < text.size()) {
    KeySpec ks;
    while (pos < text.size()) {
      if (text[pos] == ' ') {
        pos++;
        continue;
      }
      if (text[pos] == ';') {
        pos++;
        break;
      }
      if (text[pos] == '"') {
        size_t end = text.find('"', pos + 1);
        if (end == std::string_view::npos) return Status::InvalidArgument("key spec: open quote");
        ks.notes = std::string(text.substr(pos + 1, end - pos - 1));
        pos = end + 1;
        continue;
      }
      size_t end = std::min(text.find(' ', pos), text.size());
      Status s = KeySpecWord(text.substr(pos, end - pos), &ks);
      if (!s.ok()) return s;
      pos = end;
    }
    out.push_back(std::move(ks));
  }
  return out;
}

StatusOr<ParsedDoc> ParseDoc(const CommandDoc& doc) {
  ParsedDoc p;
  auto args = ParseArgSchema(doc.args);
  if (!args.ok()) return args.status();
  p.args = std::move(*args);
  auto specs = ParseKeySpecs(doc.keys);
  if (!specs.ok()) return specs.status();
  p.key_specs = std::move(*specs);
  for (auto* words : {&p.acl, &p.tips}) {
    for (auto& w : Split(words == &p.acl ? doc.acl : doc.tips, ' ')) {
      if (!w.empty()) words->push_back(std::move(w));
    }
  }
  return p;
}

const char* ArgTypeName(ArgSpec::Type type) {
  switch (type) {
    case ArgSpec::Type::kString:
      return "string";
    case ArgSpec::Type::kInteger:
      return "integer";
    case ArgSpec::Type::kDouble:
      return "double";
    case ArgSpec::Type::kKey:
      return "key";
    case ArgSpec::Type::kPattern:
      return "pattern";
    case ArgSpec::Type::kUnixTime:
      return "unix-time";
    case ArgSpec::Type::kPureToken:
      return "pure-token";
    case ArgSpec::Type::kOneOf:
      return "oneof";
    case ArgSpec::Type::kBlock:
      return "block";
  }
  return "string";
}

namespace {

// As Redis's documentation: "key [key ...]", "GET pattern [GET pattern ...]", "<ASC | DESC>".
std::string UsageOf(const ArgSpec& a) {
  if (a.type == ArgSpec::Type::kPureToken) {
    return (a.flags & ArgSpec::kOptional) ? "[" + a.token + "]" : a.token;
  }
  std::string body;
  if (a.type == ArgSpec::Type::kOneOf || a.type == ArgSpec::Type::kBlock) {
    for (const ArgSpec& x : a.args) {
      if (!body.empty()) body += a.type == ArgSpec::Type::kOneOf ? " | " : " ";
      body += UsageOf(x);
    }
    if (a.type == ArgSpec::Type::kOneOf && !(a.flags & ArgSpec::kOptional)) {
      body = "<" + body + ">";
    }
  } else {
    body = a.name;
  }
  std::string token = a.has_token ? a.token + " " : "";
  std::string out;
  if (!(a.flags & ArgSpec::kMultiple)) {
    out = token + body;
  } else if (a.flags & ArgSpec::kMultipleToken) {
    out = token + body + " [" + token + body + " ...]";
  } else {
    out = token + body + " [" + body + " ...]";
  }
  return (a.flags & ArgSpec::kOptional) ? "[" + out + "]" : out;
}

}  // namespace

std::string RenderUsage(const std::vector<ArgSpec>& args) {
  std::string out;
  for (const ArgSpec& a : args) {
    if (!out.empty()) out += " ";
    out += UsageOf(a);
  }
  return out;
}

void ReplyWords(Reply& r, const std::vector<std::string>& words) {
  r.ArrayHeader(words.size());
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
      {kCmdWrite, "write"},    {kCmdReadOnly, "readonly"}, {kCmdDenyOOM, "denyoom"},
      {kCmdAdmin, "admin"},    {kCmdNoAuth, "no_auth"},    {kCmdFast, "fast"},
      {kCmdLoading, "loading"}};
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
