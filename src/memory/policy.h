// Memory policies: user-defined rules that act on the memory snapshot and its forecast.
//
// A rule is text in a small typed language, parsed once into a PolicyRule and never evaluated
// as code:
//
//   <field> <op> <value> [for <duration>] -> <action> [cooldown <duration>]
//
//   fragmentation > 1.5 for 60s -> purge
//   growth_10m > 100mb -> dump
//   used > 90% -> disable-profiling
//   eta < 30m -> log cooldown 10m
//
// Fields have a kind, and a value must be of that kind: bytes (`used`, `rss`, the components,
// `growth_1m|10m|1h` = bytes grown over that window at the current rate) take a size (`512`,
// `100kb`, `2gb`: integers with the config's suffixes, kb/mb/gb 1024-based, k/m/g 1000-based) or,
// for `used` and `rss`, a percentage of the effective limit (`90%`); ratios (`fragmentation`) take
// a plain number; `eta` takes a duration
// (`90s`, `30m`, `2h`). Ops: > >= < <=. Actions: purge (return dirty pages to the OS), dump (a
// heap profile dump, only while profiling is active), disable-profiling, log. A rule fires when
// its condition has held for its duration (default: at once), then not again before its
// cooldown (default 5 minutes) has passed. A condition on a figure that does not exist at the
// moment (a percentage without a limit, the ETA when memory is not growing) does not hold.
//
// Thread-safety: MemoryPolicies is guarded by one mutex; Parse and Evaluate's pure parts are
// functions of their arguments. Evaluate is called once a second by the server cron.
#pragma once

#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace mnemo {

struct MemorySnapshot;
struct MemoryForecast;

enum class PolicyAction { kPurge, kDump, kDisableProfiling, kLog };
const char* PolicyActionName(PolicyAction a);

struct PolicyRule {
  std::string name;
  std::string text;   // as given
  std::string field;  // "used", "fragmentation", ...
  enum class Op { kGt, kGe, kLt, kLe } op = Op::kGt;
  double threshold = 0;  // bytes, a ratio or seconds; a percentage when percent_of_limit
  bool percent_of_limit = false;
  int64_t for_ms = 0;
  PolicyAction action = PolicyAction::kLog;
  int64_t cooldown_ms = 5 * 60 * 1000;
};

// Parses one rule's text; the error says where ("at offset 14: expected an action ...").
StatusOr<PolicyRule> ParsePolicyRule(std::string_view name, std::string_view text);

// The value of the rule's field in this snapshot and forecast (in the threshold's units: a
// percentage of f.limit for a percent rule), or nothing when it does not exist now. `used` is
// the figure the limit is enforced on.
std::optional<double> PolicyFieldValue(const PolicyRule& rule, const MemorySnapshot& s,
                                       const MemoryForecast& f, uint64_t used);

// A rule with its state.
struct PolicyState {
  PolicyRule rule;
  int64_t holding_since_ms = 0;  // when the condition began to hold; 0 = does not hold
  int64_t last_fired_ms = 0;
  uint64_t fired = 0;
  std::optional<double> last_value;
};

class MemoryPolicies {
 public:
  // At most this many rules (each is evaluated every second).
  static constexpr size_t kMaxPolicies = 64;
  // Adds or replaces a rule (its state starts afresh). False, and nothing added, when the rule
  // is new and kMaxPolicies rules exist.
  bool Add(PolicyRule rule);
  bool Del(std::string_view name);
  std::vector<PolicyState> List() const;
  // Replaces every rule by `rules` (the config file's), states afresh.
  void Reset(std::vector<PolicyRule> rules);
  size_t size() const;
  uint64_t total_fired() const;
  // Advances every rule's state to `now_ms` and returns the rules that fire now.
  std::vector<PolicyRule> Evaluate(const MemorySnapshot& s, const MemoryForecast& f, uint64_t used,
                                   int64_t now_ms);

 private:
  mutable std::mutex mu_;
  std::vector<PolicyState> rules_;
  uint64_t total_fired_ = 0;
};

}  // namespace mnemo
