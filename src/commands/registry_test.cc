#include "commands/registry.h"

#include <gtest/gtest.h>

#include <fstream>
#include <set>
#include <sstream>

namespace mnemo {

TEST(CommandTable, RowsAreConsistent) {
  std::set<std::string> names;
  for (const CommandSpec* c : CommandTable::Instance().All()) {
    EXPECT_TRUE(names.insert(c->name).second) << "duplicate " << c->name;
    EXPECT_NE(c->handler, nullptr) << c->name;
    EXPECT_NE(c->arity, 0) << c->name;
    EXPECT_FALSE((c->flags & kCmdWrite) && (c->flags & kCmdReadOnly)) << c->name;
    EXPECT_FALSE((c->flags & kCmdBatchable) && !(c->flags & kCmdWrite)) << c->name;
    for (const char* p = c->name; *p; p++) EXPECT_FALSE(isupper(*p)) << c->name;
    if (c->first_key > 0) {
      EXPECT_TRUE(c->last_key < 0 || c->last_key >= c->first_key) << c->name;  // < 0: from the end
      EXPECT_GE(c->key_step, 1) << c->name;
    }
    EXPECT_STRNE(c->summary, "") << c->name;
  }
  EXPECT_GT(names.size(), 50u);
}

TEST(CommandTable, FindIsCaseInsensitive) {
  const CommandSpec* get = CommandTable::Instance().Find("GeT");
  ASSERT_NE(get, nullptr);
  EXPECT_STREQ(get->name, "get");
  EXPECT_EQ(CommandTable::Instance().Find("nosuchcommand"), nullptr);
  EXPECT_EQ(CommandTable::Instance().Find(std::string(100, 'a')), nullptr);
}

TEST(CommandTable, DocsMatchTheTable) {
  std::ifstream f(std::string(MNEMO_SOURCE_DIR) + "/docs/commands.md");
  std::stringstream ss;
  ss << f.rdbuf();
  EXPECT_EQ(ss.str(), CommandTable::Instance().RenderMarkdown())
      << "docs/commands.md is out of date. Regenerate it with: "
         "build/mnemo --commands-doc > docs/commands.md";
}

}  // namespace mnemo
