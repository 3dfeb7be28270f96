#include "commands/command_doc.h"

#include <algorithm>
#include <cctype>

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

}  // namespace mnemo
