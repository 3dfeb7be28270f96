#include "http/dashboard.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "http/dashboard_assets.h"

namespace mnemo {
namespace {

TEST(DashboardJson, HistoryIsColumnsOldestFirst) {
  std::vector<HistorySample> samples(2);
  samples[0].ms = 1000;
  samples[0].set(HistoryField::kUsed, 10);
  samples[0].set(HistoryField::kBlockCache, 4);
  samples[1].ms = 2000;
  samples[1].set(HistoryField::kUsed, 12);
  std::string json = HistoryJson(samples, 60);
  EXPECT_NE(json.find("\"seconds\":60"), std::string::npos) << json;
  EXPECT_NE(json.find("\"time_ms\":[1000,2000]"), std::string::npos) << json;
  EXPECT_NE(json.find("\"used_memory\":[10,12]"), std::string::npos) << json;
  EXPECT_NE(json.find("\"mem_block_cache\":[4,0]"), std::string::npos) << json;
  EXPECT_NE(HistoryJson({}, 5).find("\"used_memory\":[]"), std::string::npos);
}

TEST(DashboardJson, ForecastHasNullsWhereTheCommandHasNil) {
  MemoryForecast f;
  f.used = 100;
  std::string none = ForecastJson(f, MemoryLevel::kNormal);
  EXPECT_NE(none.find("\"headroom_bytes\":null"), std::string::npos) << none;
  EXPECT_NE(none.find("\"limit_eta_seconds\":null"), std::string::npos) << none;
  EXPECT_NE(none.find("\"level\":\"normal\",\"level_code\":0"), std::string::npos) << none;
  f.limit = 300;
  f.w10m.bytes_per_second = 2.5;
  f.rate = 2.5;
  f.eta_seconds = 80;
  std::string some = ForecastJson(f, MemoryLevel::kHard);
  EXPECT_NE(some.find("\"headroom_bytes\":200"), std::string::npos) << some;
  EXPECT_NE(some.find("\"growth_10m_bytes_per_second\":2.5"), std::string::npos) << some;
  EXPECT_NE(some.find("\"rate_bytes_per_second\":2.5"), std::string::npos) << some;
  EXPECT_NE(some.find("\"limit_eta_seconds\":80"), std::string::npos) << some;
  EXPECT_NE(some.find("\"level\":\"hard\",\"level_code\":2"), std::string::npos) << some;
}

TEST(DashboardJson, SlowlogEscapesArguments) {
  SlowCommand c{7,           1700000000, 12345, {"SET", "k\"ey", std::string("\xff\x01", 2)},
                "1.2.3.4:5", ""};
  std::string json = SlowlogJson(3, {c});
  EXPECT_NE(json.find("\"len\":3"), std::string::npos) << json;
  EXPECT_NE(json.find("\"args\":[\"SET\",\"k\\\"ey\",\"\\ufffd\\u0001\"]"), std::string::npos)
      << json;
}

TEST(DashboardJson, TopWithoutADump) {
  EXPECT_EQ(TopJson(nullptr, {}), "{\"dump\":null,\"mtime_ms\":0,\"sites\":[]}");
  HeapProfiler::DumpFile d{"jeprof.1.0.heap", "/x/jeprof.1.0.heap", 10, 5};
  HeapSite s{100, 2, 50.0, {"f (a.cc:1)"}};
  EXPECT_EQ(TopJson(&d, {s}),
            "{\"dump\":\"jeprof.1.0.heap\",\"mtime_ms\":5,\"sites\":[{\"bytes\":100,"
            "\"objects\":2,\"percent\":50,\"stack\":[\"f (a.cc:1)\"]}]}");
}

// The embedded files are the repository's files, byte for byte.
TEST(DashboardAssets, EmbeddedAsShipped) {
  const DashboardAsset* js = FindDashboardAsset("/dashboard/uplot.min.js");
  ASSERT_NE(js, nullptr);
  std::ifstream in(std::string(MNEMO_SOURCE_DIR) + "/third_party/uplot/uPlot.iife.min.js",
                   std::ios::binary);
  std::stringstream file;
  file << in.rdbuf();
  EXPECT_EQ(js->body, file.str());
  ASSERT_NE(FindDashboardAsset("/dashboard"), nullptr);
  EXPECT_NE(FindDashboardAsset("/dashboard")->body.find("<title>Mnemo dashboard</title>"),
            std::string::npos);
  EXPECT_EQ(FindDashboardAsset("/dashboard/nothing.js"), nullptr);
  EXPECT_STREQ(DashboardContentType("/dashboard/dashboard.js"), "text/javascript; charset=utf-8");
  EXPECT_STREQ(DashboardContentType("/dashboard"), "text/html; charset=utf-8");
}

}  // namespace
}  // namespace mnemo
