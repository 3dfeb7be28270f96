#include "commands/command_doc.h"

#include <gtest/gtest.h>

#include "commands/registry.h"

namespace mnemo {
namespace {

std::vector<ArgSpec> MustParse(std::string_view text) {
  auto r = ParseArgSchema(text);
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  return r.ok() ? *r : std::vector<ArgSpec>{};
}

TEST(ArgSchema, TypesKeysAndTokens) {
  auto a = MustParse("key:key value [EX seconds:integer@2.6.12] [GET@6.2.0] newkey:key");
  ASSERT_EQ(a.size(), 5u);
  EXPECT_EQ(a[0].name, "key");
  EXPECT_EQ(a[0].type, ArgSpec::Type::kKey);
  EXPECT_EQ(a[0].key_spec_index, 0);
  EXPECT_EQ(a[1].type, ArgSpec::Type::kString);
  EXPECT_EQ(a[1].key_spec_index, -1);
  EXPECT_EQ(a[2].name, "seconds");
  EXPECT_EQ(a[2].type, ArgSpec::Type::kInteger);
  EXPECT_EQ(a[2].token, "EX");
  EXPECT_EQ(a[2].since, "2.6.12");
  EXPECT_EQ(a[2].flags, ArgSpec::kOptional);
  EXPECT_EQ(a[3].type, ArgSpec::Type::kPureToken);
  EXPECT_EQ(a[3].name, "get");
  EXPECT_EQ(a[3].token, "GET");
  EXPECT_EQ(a[3].since, "6.2.0");
  EXPECT_EQ(a[4].key_spec_index, 1);  // keys count up
}

TEST(ArgSchema, GroupsAndSuffixes) {
  auto a = MustParse(
      "key:key [BY pattern:pattern#1] [LIMIT offset_count(offset:integer count:integer)] "
      "[GET pattern:pattern#1...*] [order(ASC|DESC)] [sorting=ALPHA] [STORE destination:key]");
  ASSERT_EQ(a.size(), 7u);
  EXPECT_EQ(a[1].key_spec_index, 1);
  EXPECT_EQ(a[1].type, ArgSpec::Type::kPattern);
  EXPECT_EQ(a[2].type, ArgSpec::Type::kBlock);
  EXPECT_EQ(a[2].token, "LIMIT");
  ASSERT_EQ(a[2].args.size(), 2u);
  EXPECT_EQ(a[2].args[1].name, "count");
  EXPECT_EQ(a[3].flags, ArgSpec::kOptional | ArgSpec::kMultiple | ArgSpec::kMultipleToken);
  EXPECT_EQ(a[4].type, ArgSpec::Type::kOneOf);
  ASSERT_EQ(a[4].args.size(), 2u);
  EXPECT_EQ(a[4].args[1].token, "DESC");
  EXPECT_EQ(a[5].name, "sorting");
  EXPECT_EQ(a[5].token, "ALPHA");
  EXPECT_EQ(a[6].key_spec_index, 2);  // one more than the highest so far
  EXPECT_EQ(RenderUsage(a),
            "key [BY pattern] [LIMIT offset count] [GET pattern [GET pattern ...]] [ASC | DESC] "
            "[ALPHA] [STORE destination]");
}

TEST(ArgSchema, QuotedNamesAndTokensDeprecation) {
  auto a = MustParse("filter('ip:port'!2.8.12|new([ID id:integer]|[SKIPME 'yes/no'])...) \"~\"");
  ASSERT_EQ(a.size(), 2u);
  EXPECT_EQ(a[0].args[0].name, "ip:port");
  EXPECT_EQ(a[0].args[0].deprecated_since, "2.8.12");
  EXPECT_EQ(a[0].args[1].flags, ArgSpec::kMultiple);
  EXPECT_EQ(a[0].args[1].args[1].name, "yes/no");
  EXPECT_EQ(a[1].type, ArgSpec::Type::kPureToken);
  EXPECT_EQ(a[1].token, "~");
  EXPECT_EQ(RenderUsage(a),
            "<ip:port | <[ID id] | [SKIPME yes/no]> [<[ID id] | [SKIPME yes/no]> ...]> ~");
}

TEST(ArgSchema, ErrorsNameThePlace) {
  for (const char* bad :
       {"[key", "a(b", "a(b c|d)", "x:nosuchtype", "key:key$", "()", "A=b", "'open"}) {
    auto r = ParseArgSchema(bad);
    EXPECT_FALSE(r.ok()) << bad;
  }
  EXPECT_TRUE(ParseArgSchema("").ok());
}

TEST(KeySpecs, Parse) {
  auto r = ParseKeySpecs(
      "\"a note; with words\" RW access index:1 range:0,1,0 ; OW update keyword:STORE,-1 "
      "keynum:0,1,1 ; RO begin:unknown find:unknown");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ(r->size(), 3u);
  EXPECT_EQ((*r)[0].notes, "a note; with words");
  EXPECT_EQ((*r)[0].flags, (std::vector<std::string>{"RW", "access"}));
  EXPECT_EQ((*r)[0].begin, KeySpec::Begin::kIndex);
  EXPECT_EQ((*r)[0].index, 1);
  EXPECT_EQ((*r)[1].keyword, "STORE");
  EXPECT_EQ((*r)[1].startfrom, -1);
  EXPECT_EQ((*r)[1].find, KeySpec::Find::kKeynum);
  EXPECT_EQ((*r)[2].begin, KeySpec::Begin::kUnknown);
  EXPECT_FALSE(ParseKeySpecs("RO index:x range:0,1,0").ok());
  EXPECT_FALSE(ParseKeySpecs("RO index:1 range:0,1").ok());
}

TEST(CommandDocs, EveryRowParsesAndKeysAgree) {
  for (const CommandSpec* c : CommandTable::Instance().All()) {
    auto p = ParseDoc(c->doc);
    ASSERT_TRUE(p.ok()) << c->name << ": " << p.status().ToString();
    EXPECT_STRNE(c->doc.since, "") << c->name;
    EXPECT_STRNE(c->doc.acl, "") << c->name;
    // A command with key positions has a key spec whose first index is its first key.
    if (c->first_key > 0 && !p->key_specs.empty() &&
        p->key_specs[0].begin == KeySpec::Begin::kIndex) {
      EXPECT_EQ(p->key_specs[0].index, c->first_key) << c->name;
    }
    for (const Subcommand& sub : c->doc.subcommands) {
      auto q = ParseDoc(sub.doc);
      ASSERT_TRUE(q.ok()) << c->name << "|" << sub.name << ": " << q.status().ToString();
      EXPECT_STRNE(sub.summary, "") << c->name << "|" << sub.name;
    }
  }
}

}  // namespace
}  // namespace mnemo
