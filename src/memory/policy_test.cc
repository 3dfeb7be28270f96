#include "memory/policy.h"

#include <gtest/gtest.h>

#include "memory/history.h"
#include "memory/snapshot.h"

namespace mnemo {
namespace {

PolicyRule Parse(const char* text) {
  auto r = ParsePolicyRule("r", text);
  EXPECT_TRUE(r.ok()) << text << ": " << r.status().ToString();
  return r.ok() ? *r : PolicyRule{};
}

std::string Error(const char* text, const char* name = "r") {
  auto r = ParsePolicyRule(name, text);
  EXPECT_FALSE(r.ok()) << text;
  return r.ok() ? "" : r.status().message();
}

TEST(PolicyParse, TheIssuesExamples) {
  PolicyRule a = Parse("fragmentation > 1.5 for 60s -> purge");
  EXPECT_EQ(a.field, "fragmentation");
  EXPECT_EQ(a.op, PolicyRule::Op::kGt);
  EXPECT_DOUBLE_EQ(a.threshold, 1.5);
  EXPECT_EQ(a.for_ms, 60'000);
  EXPECT_EQ(a.action, PolicyAction::kPurge);
  EXPECT_EQ(a.cooldown_ms, 300'000);

  PolicyRule b = Parse("growth_10m > 100mb -> dump");
  EXPECT_DOUBLE_EQ(b.threshold, 100.0 * (1 << 20));
  EXPECT_EQ(b.action, PolicyAction::kDump);

  PolicyRule c = Parse("used >= 90% -> disable-profiling");
  EXPECT_TRUE(c.percent_of_limit);
  EXPECT_DOUBLE_EQ(c.threshold, 90);
  EXPECT_EQ(c.op, PolicyRule::Op::kGe);

  PolicyRule d = Parse("  eta <  30m ->   log cooldown 10m ");
  EXPECT_DOUBLE_EQ(d.threshold, 1800);
  EXPECT_EQ(d.op, PolicyRule::Op::kLt);
  EXPECT_EQ(d.cooldown_ms, 600'000);
  EXPECT_EQ(d.action, PolicyAction::kLog);
}

TEST(PolicyParse, ErrorsSayWhere) {
  EXPECT_EQ(Error("frag > 1 -> log").substr(0, 30), "at offset 0 ('frag'): unknown ");
  EXPECT_EQ(Error("used => 1mb -> log"), "at offset 5 ('=>'): expected an operator (> >= < <=)");
  EXPECT_EQ(Error("used > lots -> log").rfind("at offset 7 ('lots'): expected a size", 0), 0u);
  EXPECT_EQ(Error("eta < 30mb -> log"),
            "at offset 6 ('30mb'): expected a duration such as 30m for 'eta'");
  EXPECT_EQ(Error("unaccounted > 10% -> log").rfind("at offset 14 ('10%'): expected a size", 0),
            0u);  // a percentage only for used and rss
  EXPECT_EQ(Error("used > 1mb log"), "at offset 11 ('log'): expected '->' before the action");
  EXPECT_EQ(Error("used > 1mb -> reboot").rfind("at offset 14 ('reboot'): unknown action", 0), 0u);
  EXPECT_EQ(Error("used > 1mb ->"),
            "at offset 13 (end of rule): expected an action (purge, dump, disable-profiling, log)");
  EXPECT_EQ(Error("used > 1mb -> log extra"),
            "at offset 18 ('extra'): expected 'cooldown <duration>' or the end");
  EXPECT_EQ(Error("used > 1mb for soon -> log"),
            "at offset 15 ('soon'): expected a duration such as 60s");
  EXPECT_EQ(Error("", "r"), "at offset 0 (end of rule): expected a field");
  EXPECT_EQ(Error("used > 1 -> log", "bad name"),
            "a policy name is 1 to 64 letters, digits, '_' or '-'");
}

struct Inputs {
  MemorySnapshot s;
  MemoryForecast f;
};

TEST(PolicyEvaluate, ForDurationThenCooldown) {
  MemoryPolicies p;
  p.Add(Parse("used > 1000 for 3s -> log cooldown 10s"));
  Inputs in;
  int64_t t = 1'000'000;
  auto fires = [&](uint64_t used) { return p.Evaluate(in.s, in.f, used, t).size(); };
  EXPECT_EQ(fires(2000), 0u);  // begins to hold
  t += 2000;
  EXPECT_EQ(fires(2000), 0u);  // held 2 s
  t += 1000;
  EXPECT_EQ(fires(2000), 1u);  // held 3 s: fires
  t += 1000;
  EXPECT_EQ(fires(2000), 0u);  // cooldown
  t += 1000;
  EXPECT_EQ(fires(500), 0u);  // stops holding
  t += 9000;
  EXPECT_EQ(fires(2000), 0u);  // holds again, from now
  t += 3000;
  EXPECT_EQ(fires(2000), 1u);  // 3 s later and past the cooldown
  std::vector<PolicyState> list = p.List();
  ASSERT_EQ(list.size(), 1u);
  EXPECT_EQ(list[0].fired, 2u);
  EXPECT_EQ(list[0].last_fired_ms, t);
  EXPECT_EQ(p.total_fired(), 2u);
}

TEST(PolicyEvaluate, PercentNeedsALimitAndEtaNeedsGrowth) {
  Inputs in;
  PolicyRule pct = Parse("used > 90% -> log");
  EXPECT_FALSE(PolicyFieldValue(pct, in.s, in.f, 950));  // no limit
  in.f.limit = 1000;
  ASSERT_TRUE(PolicyFieldValue(pct, in.s, in.f, 950));
  EXPECT_DOUBLE_EQ(*PolicyFieldValue(pct, in.s, in.f, 950), 95.0);
  PolicyRule eta = Parse("eta < 30m -> log");
  EXPECT_FALSE(PolicyFieldValue(eta, in.s, in.f, 0));
  in.f.eta_seconds = 60;
  EXPECT_DOUBLE_EQ(*PolicyFieldValue(eta, in.s, in.f, 0), 60);
  PolicyRule grown = Parse("growth_1m > 1mb -> log");
  EXPECT_FALSE(PolicyFieldValue(grown, in.s, in.f, 0));
  in.f.w1m = {60, 30, 1000.0};
  EXPECT_DOUBLE_EQ(*PolicyFieldValue(grown, in.s, in.f, 0), 60'000.0);  // bytes over the minute
  PolicyRule frag = Parse("fragmentation > 1.5 -> purge");
  EXPECT_FALSE(PolicyFieldValue(frag, in.s, in.f, 0));  // no allocator figure
  in.s.allocator.allocated = 100;
  in.s.rss = 200;
  EXPECT_DOUBLE_EQ(*PolicyFieldValue(frag, in.s, in.f, 0), 2.0);
}

TEST(PolicyEvaluate, AddReplacesDelRemovesResetRestores) {
  MemoryPolicies p;
  p.Add(Parse("used > 1 -> log"));
  PolicyRule other = Parse("rss > 1 -> purge");
  other.name = "x";
  p.Add(other);
  EXPECT_EQ(p.size(), 2u);
  p.Add(Parse("used > 5 -> dump"));  // same name "r": replaced
  EXPECT_EQ(p.size(), 2u);
  EXPECT_EQ(p.List()[0].rule.action, PolicyAction::kDump);
  EXPECT_TRUE(p.Del("x"));
  EXPECT_FALSE(p.Del("x"));
  p.Reset({other});
  ASSERT_EQ(p.size(), 1u);
  EXPECT_EQ(p.List()[0].rule.name, "x");
  for (size_t i = p.size(); i < MemoryPolicies::kMaxPolicies; i++) {
    PolicyRule r = Parse("used > 1 -> log");
    r.name = "n" + std::to_string(i);
    EXPECT_TRUE(p.Add(r));
  }
  PolicyRule extra = Parse("used > 1 -> log");
  extra.name = "one-too-many";
  EXPECT_FALSE(p.Add(extra));  // full: refused
  EXPECT_EQ(p.size(), MemoryPolicies::kMaxPolicies);
  EXPECT_TRUE(p.Add(other));  // replacing one is still fine
}

}  // namespace
}  // namespace mnemo
