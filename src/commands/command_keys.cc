#include "commands/command_keys.h"

#include <algorithm>
#include <string_view>

#include "common/string_util.h"

namespace mnemo {
namespace {

Status InvalidKeyArgs() {
  return Status::InvalidArgument("Invalid arguments specified for command");
}

// A command whose keys follow a count: [dest] numkeys key [key ...], as Redis's
// genericGetKeys. `dest` is the position of a destination key before the count (0: none).
struct NumkeysForm {
  std::string_view name;
  size_t numkeys;     // position of the count
  size_t dest;        // position of a destination key, 0 when none
  bool zero_allowed;  // EVAL's numkeys may be 0; the others need one key at least
};

constexpr NumkeysForm kNumkeysForms[] = {
    {"zunion", 1, 0, false},      {"zinter", 1, 0, false},      {"zdiff", 1, 0, false},
    {"zintercard", 1, 0, false},  {"sintercard", 1, 0, false},  {"lmpop", 1, 0, false},
    {"zmpop", 1, 0, false},       {"blmpop", 2, 0, false},      {"bzmpop", 2, 0, false},
    {"zunionstore", 2, 1, false}, {"zinterstore", 2, 1, false}, {"zdiffstore", 2, 1, false},
    {"eval", 2, 0, true},         {"evalsha", 2, 0, true},      {"eval_ro", 2, 0, true},
    {"evalsha_ro", 2, 0, true},   {"fcall", 2, 0, true},        {"fcall_ro", 2, 0, true},
};

const NumkeysForm* FindNumkeysForm(std::string_view name) {
  for (const auto& f : kNumkeysForms) {
    if (f.name == name) return &f;
  }
  return nullptr;
}

StatusOr<std::vector<size_t>> NumkeysKeys(const NumkeysForm& f, std::span<const std::string> line) {
  if (f.numkeys >= line.size()) return InvalidKeyArgs();
  auto n = ParseInt64(line[f.numkeys]);
  size_t first = f.numkeys + 1;
  if (!n || *n < (f.zero_allowed ? 0 : 1) || static_cast<size_t>(*n) > line.size() - first) {
    return InvalidKeyArgs();
  }
  std::vector<size_t> keys;
  if (f.dest != 0) keys.push_back(f.dest);
  for (size_t i = 0; i < static_cast<size_t>(*n); i++) keys.push_back(first + i);
  return keys;
}

// SORT key [BY pattern] [LIMIT offset count] [GET pattern ...] [ASC|DESC] [ALPHA] [STORE dest]:
// the key, and the last STORE's destination (Redis's sortGetKeys skips the patterns and LIMIT's
// numbers, so a pattern spelled "store" is not taken for the option).
std::vector<size_t> SortKeys(std::span<const std::string> line) {
  std::vector<size_t> keys{1};
  size_t store = 0;
  for (size_t i = 2; i < line.size(); i++) {
    if (EqualsIgnoreCase(line[i], "limit")) {
      i += 2;
    } else if (EqualsIgnoreCase(line[i], "get") || EqualsIgnoreCase(line[i], "by")) {
      i += 1;
    } else if (EqualsIgnoreCase(line[i], "store") && i + 1 < line.size()) {
      store = ++i;
    }
  }
  if (store != 0) keys.push_back(store);
  return keys;
}

}  // namespace

bool CommandHasKeys(const CommandSpec& spec) {
  return spec.first_key != 0 || FindNumkeysForm(spec.name) != nullptr;
}

StatusOr<std::vector<size_t>> CommandKeyPositions(const CommandSpec& spec,
                                                  std::span<const std::string> line) {
  std::string_view name = spec.name;
  if (const NumkeysForm* f = FindNumkeysForm(name)) return NumkeysKeys(*f, line);
  if (name == "sort") return SortKeys(line);
  std::vector<size_t> keys;
  if (spec.first_key <= 0) return keys;
  auto argc = static_cast<int>(line.size());
  // A negative last key counts from the end (-1: the last argument), as Redis's legacy range.
  int last = spec.last_key < 0 ? argc + spec.last_key : spec.last_key;
  int step = std::max(spec.key_step, 1);
  for (int i = spec.first_key; i <= last && i < argc; i += step) {
    keys.push_back(static_cast<size_t>(i));
  }
  return keys;
}

}  // namespace mnemo
