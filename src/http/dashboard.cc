#include "http/dashboard.h"

#include "http/dashboard_assets.h"
#include "memory/json_writer.h"

namespace mnemo {
namespace {

void OptionalDouble(JsonWriter& w, std::string_view key, const std::optional<double>& v) {
  w.Key(key);
  if (v) {
    w.Double(*v);
  } else {
    w.Null();
  }
}

}  // namespace

const DashboardAsset* FindDashboardAsset(std::string_view path) {
  for (const DashboardAsset& a : DashboardAssets())
    if (path == a.path) return &a;
  return nullptr;
}

const char* DashboardContentType(std::string_view path) {
  if (path.ends_with(".js")) return "text/javascript; charset=utf-8";
  if (path.ends_with(".css")) return "text/css; charset=utf-8";
  if (path.ends_with(".txt")) return "text/plain; charset=utf-8";
  return "text/html; charset=utf-8";
}

std::string HistoryJson(const std::vector<HistorySample>& samples, int64_t seconds) {
  JsonWriter w;
  w.BeginObject().Member("seconds", seconds).Key("fields").BeginArray();
  for (int i = 0; i < kHistoryFieldCount; i++) w.String(HistoryFieldName(HistoryField(i)));
  w.EndArray().Key("time_ms").BeginArray();
  for (const HistorySample& s : samples) w.Int(s.ms);
  w.EndArray().Key("series").BeginObject();
  for (int i = 0; i < kHistoryFieldCount; i++) {
    w.Key(HistoryFieldName(HistoryField(i))).BeginArray();
    for (const HistorySample& s : samples) w.Uint(s.v[i]);
    w.EndArray();
  }
  w.EndObject().EndObject();
  return w.Take();
}

std::string ForecastJson(const MemoryForecast& f, MemoryLevel level) {
  JsonWriter w;
  w.BeginObject().Member("used_memory", f.used).Member("limit", f.limit).Key("headroom_bytes");
  if (f.limit == 0) {
    w.Null();
  } else {
    w.Uint(f.used >= f.limit ? 0 : f.limit - f.used);
  }
  for (const GrowthWindow* g : {&f.w1m, &f.w10m, &f.w1h}) {
    std::string name = g == &f.w1m ? "1m" : g == &f.w10m ? "10m" : "1h";
    OptionalDouble(w, "growth_" + name + "_bytes_per_second", g->bytes_per_second);
    w.Member("samples_" + name, uint64_t{g->samples});
  }
  OptionalDouble(w, "limit_eta_seconds", f.eta_seconds);
  w.Member("peak_24h", f.peak_24h).Member("recommended_maxmemory", f.recommended);
  OptionalDouble(w, "rate_bytes_per_second", f.rate);
  w.Member("level", MemoryLevelName(level)).Member("level_code", static_cast<int64_t>(level));
  w.EndObject();
  return w.Take();
}

std::string ProfilerJson(const HeapProfiler::Info& info) {
  JsonWriter w;
  w.BeginObject()
      .Member("armed", info.armed)
      .Member("active", info.active)
      .Member("since_ms", info.since_ms)
      .Member("sample_bytes", info.sample_bytes)
      .Member("auto_off_at_ms", info.auto_off_at_ms)
      .Member("dumps_taken", info.dumps_taken)
      .Member("last_dump", std::string_view(info.last_dump))
      .Member("dir", std::string_view(info.dir))
      .Member("profiler_bytes", info.profiler_bytes)
      .EndObject();
  return w.Take();
}

std::string TopJson(const HeapProfiler::DumpFile* dump, const std::vector<HeapSite>& sites) {
  JsonWriter w;
  w.BeginObject().Key("dump");
  if (dump == nullptr) {
    w.Null();
  } else {
    w.String(dump->name);
  }
  w.Member("mtime_ms", dump == nullptr ? int64_t{0} : dump->mtime_ms).Key("sites").BeginArray();
  for (const HeapSite& s : sites) {
    w.BeginObject().Member("bytes", s.bytes).Member("objects", s.objects);
    w.Member("percent", s.percent).Key("stack").BeginArray();
    for (const std::string& f : s.frames) w.String(f);
    w.EndArray().EndObject();
  }
  w.EndArray().EndObject();
  return w.Take();
}

std::string SlowlogJson(size_t len, const std::vector<SlowCommand>& entries) {
  JsonWriter w;
  w.BeginObject().Member("len", uint64_t{len}).Key("entries").BeginArray();
  for (const SlowCommand& e : entries) {
    w.BeginObject().Member("id", e.id).Member("time", e.unix_seconds).Member("usec", e.usec);
    w.Key("args").BeginArray();
    for (const std::string& a : e.args) w.String(a);
    w.EndArray();
    w.Member("addr", std::string_view(e.addr)).Member("name", std::string_view(e.name));
    w.EndObject();
  }
  w.EndArray().EndObject();
  return w.Take();
}

}  // namespace mnemo
