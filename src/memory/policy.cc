#include "memory/policy.h"

#include <algorithm>
#include <cctype>
#include <cstring>

#include "common/string_util.h"
#include "memory/history.h"
#include "memory/snapshot.h"

namespace mnemo {
namespace {

enum class Kind { kBytes, kBytesOrPercent, kRatio, kDuration };

struct FieldDef {
  const char* name;
  Kind kind;
};

constexpr FieldDef kFields[] = {
    {"used", Kind::kBytesOrPercent}, {"rss", Kind::kBytesOrPercent},
    {"fragmentation", Kind::kRatio}, {"unaccounted", Kind::kBytes},
    {"block_cache", Kind::kBytes},   {"memtables", Kind::kBytes},
    {"table_readers", Kind::kBytes}, {"key_cache", Kind::kBytes},
    {"clients", Kind::kBytes},       {"profiler", Kind::kBytes},
    {"growth_1m", Kind::kBytes},     {"growth_10m", Kind::kBytes},
    {"growth_1h", Kind::kBytes},     {"eta", Kind::kDuration},
};

constexpr const char* kActionNames[] = {"purge", "dump", "disable-profiling", "log"};

const FieldDef* FindField(std::string_view name) {
  for (const FieldDef& f : kFields) {
    if (name == f.name) return &f;
  }
  return nullptr;
}

struct Token {
  std::string_view text;
  size_t offset;
};

std::vector<Token> Tokenize(std::string_view s) {
  std::vector<Token> out;
  size_t i = 0;
  while (i < s.size()) {
    if (isspace(static_cast<unsigned char>(s[i]))) {
      i++;
      continue;
    }
    size_t start = i;
    while (i < s.size() && !isspace(static_cast<unsigned char>(s[i]))) i++;
    out.push_back({s.substr(start, i - start), start});
  }
  return out;
}

// "90s", "30m", "2h", "1d", "500ms" -> milliseconds.
std::optional<int64_t> ParseDuration(std::string_view s) {
  struct Unit {
    const char* suffix;
    int64_t ms;
  };
  static const Unit kUnits[] = {
      {"ms", 1}, {"s", 1000}, {"m", 60'000}, {"h", 3'600'000}, {"d", 86'400'000}};
  for (const Unit& u : kUnits) {
    size_t n = strlen(u.suffix);
    if (s.size() > n && s.substr(s.size() - n) == u.suffix) {
      auto v = ParseInt64(s.substr(0, s.size() - n));
      if (!v || *v < 0 || *v > INT64_MAX / u.ms) return std::nullopt;
      return *v * u.ms;
    }
  }
  return std::nullopt;
}

Status At(const Token& t, const std::string& what) {
  return Status::InvalidArgument("at offset " + std::to_string(t.offset) + " ('" +
                                 std::string(t.text) + "'): " + what);
}

Status ParseValue(const Token& t, const FieldDef& f, PolicyRule* r) {
  std::string_view v = t.text;
  switch (f.kind) {
    case Kind::kBytesOrPercent:
      if (v.size() > 1 && v.back() == '%') {
        auto p = ParseDouble(v.substr(0, v.size() - 1));
        if (!p || *p < 0 || *p > 1000) return At(t, "expected a percentage such as 90%");
        r->threshold = *p;
        r->percent_of_limit = true;
        return Status::OK();
      }
      [[fallthrough]];
    case Kind::kBytes: {
      auto b = ParseMemorySize(v);
      if (!b) {
        return At(t, std::string("expected a size such as 512mb") +
                         (f.kind == Kind::kBytesOrPercent ? " or a percentage of the limit" : "") +
                         " for '" + f.name + "'");
      }
      r->threshold = static_cast<double>(*b);
      return Status::OK();
    }
    case Kind::kRatio: {
      auto d = ParseDouble(v);
      if (!d || *d < 0) return At(t, std::string("expected a number for '") + f.name + "'");
      r->threshold = *d;
      return Status::OK();
    }
    case Kind::kDuration: {
      auto ms = ParseDuration(v);
      if (!ms) return At(t, std::string("expected a duration such as 30m for '") + f.name + "'");
      r->threshold = static_cast<double>(*ms) / 1000.0;
      return Status::OK();
    }
  }
  return Status::OK();
}

std::string FieldList() {
  std::string out;
  for (const FieldDef& f : kFields) {
    if (!out.empty()) out += ", ";
    out += f.name;
  }
  return out;
}

bool Holds(PolicyRule::Op op, double v, double t) {
  switch (op) {
    case PolicyRule::Op::kGt:
      return v > t;
    case PolicyRule::Op::kGe:
      return v >= t;
    case PolicyRule::Op::kLt:
      return v < t;
    case PolicyRule::Op::kLe:
      return v <= t;
  }
  return false;
}

std::optional<double> Grown(const GrowthWindow& w) {
  if (!w.bytes_per_second) return std::nullopt;
  return *w.bytes_per_second * w.seconds;
}

}  // namespace

const char* PolicyActionName(PolicyAction a) { return kActionNames[static_cast<int>(a)]; }

StatusOr<PolicyRule> ParsePolicyRule(std::string_view name, std::string_view text) {
  if (name.empty() || name.size() > 64 || !std::all_of(name.begin(), name.end(), [](char c) {
        return isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-';
      })) {
    return Status::InvalidArgument("a policy name is 1 to 64 letters, digits, '_' or '-'");
  }
  if (text.size() > 512) return Status::InvalidArgument("a policy rule is at most 512 bytes");
  std::vector<Token> t = Tokenize(text);
  PolicyRule r;
  r.name = std::string(name);
  r.text = std::string(text);
  size_t i = 0;
  auto next = [&](const char* expected) -> StatusOr<Token> {
    if (i >= t.size()) {
      return Status::InvalidArgument("at offset " + std::to_string(text.size()) +
                                     " (end of rule): expected " + expected);
    }
    return t[i++];
  };
  auto field = next("a field");
  if (!field.ok()) return field.status();
  const FieldDef* f = FindField(field->text);
  if (f == nullptr) return At(*field, "unknown field; fields: " + FieldList());
  r.field = std::string(f->name);
  auto op = next("an operator (> >= < <=)");
  if (!op.ok()) return op.status();
  if (op->text == ">") {
    r.op = PolicyRule::Op::kGt;
  } else if (op->text == ">=") {
    r.op = PolicyRule::Op::kGe;
  } else if (op->text == "<") {
    r.op = PolicyRule::Op::kLt;
  } else if (op->text == "<=") {
    r.op = PolicyRule::Op::kLe;
  } else {
    return At(*op, "expected an operator (> >= < <=)");
  }
  auto value = next("a value");
  if (!value.ok()) return value.status();
  if (Status s = ParseValue(*value, *f, &r); !s.ok()) return s;
  auto arrow = next("'for <duration>' or '-> <action>'");
  if (!arrow.ok()) return arrow.status();
  if (arrow->text == "for") {
    auto d = next("a duration such as 60s");
    if (!d.ok()) return d.status();
    auto ms = ParseDuration(d->text);
    if (!ms) return At(*d, "expected a duration such as 60s");
    r.for_ms = *ms;
    arrow = next("'-> <action>'");
    if (!arrow.ok()) return arrow.status();
  }
  if (arrow->text != "->") return At(*arrow, "expected '->' before the action");
  auto action = next("an action (purge, dump, disable-profiling, log)");
  if (!action.ok()) return action.status();
  bool known = false;
  for (int a = 0; a < 4; a++) {
    if (action->text == kActionNames[a]) {
      r.action = static_cast<PolicyAction>(a);
      known = true;
    }
  }
  if (!known) return At(*action, "unknown action; actions: purge, dump, disable-profiling, log");
  if (i < t.size()) {
    if (t[i].text != "cooldown") return At(t[i], "expected 'cooldown <duration>' or the end");
    i++;
    auto d = next("a duration such as 10m");
    if (!d.ok()) return d.status();
    auto ms = ParseDuration(d->text);
    if (!ms) return At(*d, "expected a duration such as 10m");
    r.cooldown_ms = *ms;
  }
  if (i < t.size()) return At(t[i], "unexpected text after the rule");
  return r;
}

std::optional<double> PolicyFieldValue(const PolicyRule& r, const MemorySnapshot& s,
                                       const MemoryForecast& f, uint64_t used) {
  auto bytes = [](uint64_t v) { return std::optional<double>(static_cast<double>(v)); };
  std::optional<double> v;
  const std::string& n = r.field;
  if (n == "used") {
    v = bytes(used);
  } else if (n == "rss") {
    v = bytes(s.rss);
  } else if (n == "fragmentation") {
    if (s.allocator.allocated == 0) return std::nullopt;
    v = static_cast<double>(s.rss) / static_cast<double>(s.allocator.allocated);
  } else if (n == "unaccounted") {
    v = bytes(s.unaccounted);
  } else if (n == "block_cache") {
    v = bytes(s.in.block_cache_usage);
  } else if (n == "memtables") {
    v = bytes(s.in.memtables_all);
  } else if (n == "table_readers") {
    v = bytes(s.in.table_readers);
  } else if (n == "key_cache") {
    v = bytes(s.in.key_cache_usage);
  } else if (n == "clients") {
    v = bytes(s.clients_normal);
  } else if (n == "profiler") {
    v = bytes(s.in.profiler_bytes);
  } else if (n == "growth_1m") {
    v = Grown(f.w1m);
  } else if (n == "growth_10m") {
    v = Grown(f.w10m);
  } else if (n == "growth_1h") {
    v = Grown(f.w1h);
  } else if (n == "eta") {
    v = f.eta_seconds;
  }
  if (v && r.percent_of_limit) {
    if (f.limit == 0) return std::nullopt;
    v = *v * 100.0 / static_cast<double>(f.limit);
  }
  return v;
}

bool MemoryPolicies::Add(PolicyRule rule) {
  std::lock_guard<std::mutex> lock(mu_);
  for (PolicyState& p : rules_) {
    if (p.rule.name == rule.name) {
      p = PolicyState{};
      p.rule = std::move(rule);
      return true;
    }
  }
  if (rules_.size() >= kMaxPolicies) return false;
  rules_.emplace_back();
  rules_.back().rule = std::move(rule);
  return true;
}

bool MemoryPolicies::Del(std::string_view name) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = std::find_if(rules_.begin(), rules_.end(),
                         [&](const PolicyState& p) { return p.rule.name == name; });
  if (it == rules_.end()) return false;
  rules_.erase(it);
  return true;
}

std::vector<PolicyState> MemoryPolicies::List() const {
  std::lock_guard<std::mutex> lock(mu_);
  return rules_;
}

void MemoryPolicies::Reset(std::vector<PolicyRule> rules) {
  std::lock_guard<std::mutex> lock(mu_);
  rules_.clear();
  for (PolicyRule& r : rules) {
    rules_.emplace_back();
    rules_.back().rule = std::move(r);
  }
}

size_t MemoryPolicies::size() const {
  std::lock_guard<std::mutex> lock(mu_);
  return rules_.size();
}

uint64_t MemoryPolicies::total_fired() const {
  std::lock_guard<std::mutex> lock(mu_);
  return total_fired_;
}

std::vector<PolicyRule> MemoryPolicies::Evaluate(const MemorySnapshot& s, const MemoryForecast& f,
                                                 uint64_t used, int64_t now_ms) {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<PolicyRule> fire;
  for (PolicyState& p : rules_) {
    p.last_value = PolicyFieldValue(p.rule, s, f, used);
    if (!p.last_value || !Holds(p.rule.op, *p.last_value, p.rule.threshold)) {
      p.holding_since_ms = 0;
      continue;
    }
    if (p.holding_since_ms == 0) p.holding_since_ms = now_ms;
    if (now_ms - p.holding_since_ms < p.rule.for_ms) continue;
    if (p.fired > 0 && now_ms - p.last_fired_ms < p.rule.cooldown_ms) continue;
    p.fired++;
    p.last_fired_ms = now_ms;
    total_fired_++;
    fire.push_back(p.rule);
  }
  return fire;
}

}  // namespace mnemo
