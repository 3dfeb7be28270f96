#include "commands/command_keys.h"

#include <gtest/gtest.h>

#include "commands/registry.h"

namespace mnemo {
namespace {

// The keys CommandKeyPositions finds in `line`, as strings; "<error>" when it fails.
std::vector<std::string> Keys(std::vector<std::string> line) {
  const CommandSpec* spec = CommandTable::Instance().Find(line[0]);
  EXPECT_NE(spec, nullptr) << line[0];
  if (spec == nullptr) return {"<no command>"};
  auto pos = CommandKeyPositions(*spec, line);
  if (!pos.ok()) return {"<error>"};
  std::vector<std::string> out;
  for (size_t i : *pos) out.push_back(line[i]);
  return out;
}

using V = std::vector<std::string>;

TEST(CommandKeys, FromKeyPositions) {
  EXPECT_EQ(Keys({"get", "a"}), V({"a"}));
  EXPECT_EQ(Keys({"del", "a", "b", "c"}), V({"a", "b", "c"}));
  EXPECT_EQ(Keys({"mset", "a", "1", "b", "2"}), V({"a", "b"}));
  EXPECT_EQ(Keys({"bitop", "and", "d", "a", "b"}), V({"d", "a", "b"}));
  EXPECT_EQ(Keys({"rename", "a", "b"}), V({"a", "b"}));
  EXPECT_EQ(Keys({"ping"}), V());
}

TEST(CommandKeys, NumkeysForms) {
  EXPECT_EQ(Keys({"zunionstore", "d", "2", "a", "b", "weights", "1", "2"}), V({"d", "a", "b"}));
  EXPECT_EQ(Keys({"zunionstore", "d", "1", "a", "b"}), V({"d", "a"}));
  EXPECT_EQ(Keys({"zinter", "2", "a", "b"}), V({"a", "b"}));
  EXPECT_EQ(Keys({"lmpop", "2", "a", "b", "left"}), V({"a", "b"}));
  EXPECT_EQ(Keys({"zmpop", "1", "a", "min"}), V({"a"}));
  EXPECT_EQ(Keys({"sintercard", "1", "a", "limit", "2"}), V({"a"}));
  // Redis's errors: a count of zero, beyond the line, or not a number.
  EXPECT_EQ(Keys({"zunionstore", "d", "0", "a"}), V({"<error>"}));
  EXPECT_EQ(Keys({"zunionstore", "d", "3", "a", "b"}), V({"<error>"}));
  EXPECT_EQ(Keys({"lmpop", "x", "a", "left"}), V({"<error>"}));
  EXPECT_EQ(Keys({"lmpop", "-1", "a", "left"}), V({"<error>"}));
}

TEST(CommandKeys, SortStore) {
  EXPECT_EQ(Keys({"sort", "a"}), V({"a"}));
  EXPECT_EQ(Keys({"sort", "a", "store", "b"}), V({"a", "b"}));
  EXPECT_EQ(Keys({"sort", "a", "limit", "0", "1", "store", "b", "get", "x"}), V({"a", "b"}));
  // A pattern spelled "store" is BY's argument, not the option.
  EXPECT_EQ(Keys({"sort", "a", "by", "store", "get", "store"}), V({"a"}));
  EXPECT_EQ(Keys({"sort", "a", "store", "b", "store", "c"}), V({"a", "c"}));
}

TEST(CommandKeys, HasKeys) {
  EXPECT_TRUE(CommandHasKeys(*CommandTable::Instance().Find("get")));
  EXPECT_TRUE(CommandHasKeys(*CommandTable::Instance().Find("lmpop")));
  EXPECT_FALSE(CommandHasKeys(*CommandTable::Instance().Find("ping")));
  EXPECT_FALSE(CommandHasKeys(*CommandTable::Instance().Find("flushdb")));
}

// Every write command whose keys are not in its row is one of the parsed forms, or keyless by
// design (FLUSHDB, FLUSHALL, SWAPDB): EXEC locks the keys this function names, so a write it
// missed would run outside the transaction's locks.
TEST(CommandKeys, EveryKeyedWriteIsKnown) {
  for (const CommandSpec* c : CommandTable::Instance().All()) {
    if (!(c->flags & kCmdWrite) || CommandHasKeys(*c)) continue;
    std::string name = c->name;
    EXPECT_TRUE(name == "flushdb" || name == "flushall" || name == "swapdb") << name;
  }
}

}  // namespace
}  // namespace mnemo
