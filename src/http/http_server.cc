#include "http/http_server.h"

#include <httplib.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <atomic>
#include <chrono>

#include "common/log.h"
#include "common/string_util.h"
#include "config/config.h"
#include "http/dashboard_assets.h"
#include "http/pprof.h"
#include "memory/heap_profiler.h"

namespace mnemo {
namespace {

// The paths served besides the embedded dashboard files; `post`: the path takes POST only (the
// profiler's actions), else GET and HEAD.
struct Route {
  const char* path;
  bool post;
};
constexpr Route kRoutes[] = {
    {"/metrics", false},
    {"/debug/memory", false},
    {"/debug/pprof/heap", false},
    {"/debug/memory/history", false},
    {"/debug/memory/forecast", false},
    {"/debug/profiler", false},
    {"/debug/profiler/top", false},
    {"/debug/slowlog", false},
    {"/debug/profiler/enable", true},
    {"/debug/profiler/disable", true},
    {"/debug/profiler/dump", true},
};
constexpr size_t kMaxRequestBody = 64 << 10;
constexpr int64_t kMaxSlowlogCount = 1000;
constexpr size_t kTopSites = 10;

const Route* FindRoute(const std::string& path) {
  static constexpr Route kAsset{"", false};
  for (const Route& r : kRoutes)
    if (path == r.path) return &r;
  return FindDashboardAsset(path) != nullptr ? &kAsset : nullptr;
}

// A positive integer query parameter in [1, max], `fallback` when absent; nullopt when bad.
std::optional<int64_t> IntParam(const httplib::Request& req, const char* name, int64_t fallback,
                                int64_t max) {
  if (!req.has_param(name)) return fallback;
  auto v = ParseInt64(req.get_param_value(name));
  if (!v || *v < 1 || *v > max) return std::nullopt;
  return *v;
}

// The HTTP status for a failed profiler call (memory/heap_profiler.h's error codes).
int ProfilerErrorCode(const Status& s) {
  switch (s.code()) {
    case Status::Code::kNotSupported:
      return 501;
    case Status::Code::kInvalidArgument:
      return 409;
    case Status::Code::kBusy:
      return 503;
    default:
      return 500;
  }
}

void Text(httplib::Response& res, int status, const std::string& body) {
  res.status = status;
  res.set_content(body + "\n", "text/plain; charset=utf-8");
}

// Constant-time comparison of a presented password with the configured one.
bool SamePassword(std::string_view given, const std::string& want) {
  return given.size() == want.size() && CRYPTO_memcmp(given.data(), want.data(), want.size()) == 0;
}

// The password of an `Authorization: Basic <base64(user:password)>` value; "" when malformed.
std::string BasicPassword(std::string_view b64) {
  if (b64.empty() || b64.size() % 4 != 0 || b64.size() > 4096) return "";
  std::string out(b64.size() / 4 * 3, '\0');
  int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(b64.data()),
                          static_cast<int>(b64.size()));
  if (n < 0) return "";
  size_t pad = b64.ends_with("==") ? 2 : b64.ends_with("=") ? 1 : 0;
  out.resize(static_cast<size_t>(n) - pad);
  size_t colon = out.find(':');
  return colon == std::string::npos ? "" : out.substr(colon + 1);
}

int64_t NowNanos() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// httplib's thread pool with a bound on the connections waiting for a handler thread: past
// kMaxQueued the acceptor serves the connection itself (under the same timeouts), so it stops
// accepting meanwhile and further peers wait in the kernel's listen backlog instead of each
// holding a file descriptor of the process, which the Redis port needs too.
class BoundedPool : public httplib::TaskQueue {
 public:
  static constexpr int kMaxQueued = 64;
  explicit BoundedPool(int threads) : pool_(static_cast<size_t>(threads)) {}
  void enqueue(std::function<void()> fn) override {
    if (queued_.load(std::memory_order_relaxed) >= kMaxQueued) return fn();
    queued_.fetch_add(1, std::memory_order_relaxed);
    pool_.enqueue([this, fn = std::move(fn)] {
      queued_.fetch_sub(1, std::memory_order_relaxed);
      fn();
    });
  }
  void shutdown() override { pool_.shutdown(); }

 private:
  httplib::ThreadPool pool_;
  std::atomic<int> queued_{0};
};

}  // namespace

HttpServer::HttpServer(const Config* config, HeapProfiler* profiler, Handlers handlers)
    : config_(config),
      profiler_(profiler),
      handlers_(std::move(handlers)),
      server_(std::make_unique<httplib::Server>()) {
  httplib::Server& s = *server_;
  s.new_task_queue = [] { return new BoundedPool(kHandlerThreads); };
  s.set_read_timeout(kIoTimeoutSeconds);
  s.set_write_timeout(kIoTimeoutSeconds);
  s.set_keep_alive_timeout(kIoTimeoutSeconds);
  s.set_payload_max_length(kMaxRequestBody);
  s.set_pre_routing_handler([this](const httplib::Request& req, httplib::Response& res) {
    return Screen(req, res) ? httplib::Server::HandlerResponse::Handled
                            : httplib::Server::HandlerResponse::Unhandled;
  });
  s.Get("/metrics", [this](const httplib::Request&, httplib::Response& res) {
    res.set_content(handlers_.metrics(), "text/plain; version=0.0.4; charset=utf-8");
  });
  s.Get("/debug/memory", [this](const httplib::Request&, httplib::Response& res) {
    auto json = handlers_.memory_json();
    if (!json.ok()) return Text(res, 500, json.status().message());
    res.set_content(*json, "application/json");
  });
  s.Get("/debug/pprof/heap",
        [this](const httplib::Request& req, httplib::Response& res) { ServeHeap(req, res); });
  RouteDashboard();
}

void HttpServer::RouteDashboard() {
  httplib::Server& s = *server_;
  for (const DashboardAsset& a : DashboardAssets()) {
    s.Get(a.path, [&a](const httplib::Request&, httplib::Response& res) {
      res.set_header("Cache-Control", "no-cache");
      res.set_content(a.body.data(), a.body.size(), DashboardContentType(a.path));
    });
  }
  s.Get("/debug/memory/history",
        [this](const httplib::Request& req, httplib::Response& res) { ServeHistory(req, res); });
  s.Get("/debug/memory/forecast", [this](const httplib::Request&, httplib::Response& res) {
    res.set_content(ForecastJson(handlers_.forecast(), handlers_.level()), "application/json");
  });
  s.Get("/debug/profiler", [this](const httplib::Request&, httplib::Response& res) {
    res.set_content(ProfilerJson(profiler_->GetInfo()), "application/json");
  });
  s.Get("/debug/profiler/top",
        [this](const httplib::Request&, httplib::Response& res) { ServeTop(res); });
  s.Get("/debug/slowlog",
        [this](const httplib::Request& req, httplib::Response& res) { ServeSlowlog(req, res); });
  for (const char* action : {"enable", "disable", "dump"}) {
    s.Post(std::string("/debug/profiler/") + action,
           [this, action](const httplib::Request&, httplib::Response& res) {
             ServeProfilerAction(action, res);
           });
  }
}

HttpServer::~HttpServer() { Stop(); }

Status HttpServer::Bind(const std::string& host, int port) {
  if (!server_->bind_to_port(host, port)) {
    return Status::IOError("cannot listen for HTTP on " + host + ":" + std::to_string(port) +
                           " (http-port): address in use or not available");
  }
  return Status::OK();
}

void HttpServer::Start() {
  thread_ = std::thread([this] { server_->listen_after_bind(); });
  // httplib's stop() does nothing until the listen loop runs, so a Stop() right after Start()
  // would leave the thread serving forever: wait for the loop (it starts at once).
  for (int i = 0; i < 5000 && !server_->is_running(); i++)
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
}

void HttpServer::Stop() {
  if (!thread_.joinable()) return;
  server_->stop();
  thread_.join();
}

bool HttpServer::Authorized(const httplib::Request& req) const {
  std::string pass = config_->requirepass();
  if (pass.empty()) return true;
  std::string auth = req.get_header_value("Authorization");
  std::string_view v = auth;
  if (v.starts_with("Bearer ")) return SamePassword(v.substr(7), pass);
  if (v.starts_with("Basic ")) return SamePassword(BasicPassword(v.substr(6)), pass);
  return false;
}

bool HttpServer::Screen(const httplib::Request& req, httplib::Response& res) {
  if (handlers_.refuses && handlers_.refuses(req.remote_addr)) {
    Text(res, 403,
         "protected mode: this server listens on a non-loopback address without requirepass, "
         "so only loopback clients are served; set requirepass or protected-mode no");
    return true;
  }
  bool needs_auth = req.path.starts_with("/debug/") || req.path.starts_with("/dashboard") ||
                    (req.path == "/metrics" && config_->http_metrics_auth.load());
  if (needs_auth && !Authorized(req)) {
    res.set_header("WWW-Authenticate", "Basic realm=\"mnemo\", charset=\"UTF-8\"");
    Text(res, 401,
         "authentication required: send the requirepass password as 'Authorization: Bearer "
         "<password>' or HTTP Basic (any user name)");
    return true;
  }
  const Route* route = FindRoute(req.path);
  if (route == nullptr) {
    Text(res, 404, "not found: " + req.path + " (try /metrics, /dashboard, /debug/memory)");
    return true;
  }
  bool allowed = route->post ? req.method == "POST" : req.method == "GET" || req.method == "HEAD";
  if (!allowed) {
    res.set_header("Allow", route->post ? "POST" : "GET, HEAD");
    Text(res, 405,
         "method not allowed: " + req.method +
             (route->post ? " (only POST)" : " (only GET and HEAD)"));
    return true;
  }
  if (route->post && req.has_header("Origin") &&
      req.get_header_value("Origin") != "http://" + req.get_header_value("Host")) {
    Text(res, 403, "cross-site request refused: the Origin is not this server");
    return true;
  }
  return false;
}

void HttpServer::ServeHeap(const httplib::Request& req, httplib::Response& res) {
  std::string format = req.has_param("format") ? req.get_param_value("format") : "pprof";
  std::string diff = req.has_param("diff") ? req.get_param_value("diff") : "";
  if (format != "pprof" && format != "jeprof" && format != "svg")
    return Text(res, 400, "unknown format '" + format + "': use pprof (default), jeprof or svg");
  if (format == "jeprof" && !diff.empty())
    return Text(res, 400, "diff works with format=pprof or format=svg, not jeprof");
  if (Status s = profiler_->CheckArmed(); !s.ok())
    return Text(res, 501, "heap profiling is not available: " + s.message());
  if (!profiler_->GetInfo().active) {
    return Text(res, 409,
                "heap profiling is off: enable it with KPROFILE MEMORY ENABLE (for example "
                "redis-cli KPROFILE MEMORY ENABLE), then fetch this again");
  }
  std::optional<HeapProfiler::Profile> base;
  if (!diff.empty()) {
    auto b = profiler_->ReadDump(diff);
    if (!b.ok()) return Text(res, 404, b.status().message() + " (see KPROFILE MEMORY LIST)");
    base = std::move(*b);
  }
  auto fresh = profiler_->FreshProfile();
  if (!fresh.ok()) {
    if (fresh.status().code() == Status::Code::kBusy) {
      res.set_header("Retry-After", "1");
      return Text(res, 503, fresh.status().message() + ", retry");
    }
    int code = fresh.status().code() == Status::Code::kInvalidArgument ? 409 : 500;
    return Text(res, code, fresh.status().message());
  }
  if (format == "jeprof") return res.set_content(fresh->text, "text/plain; charset=utf-8");
  Symbolizer& sym = profiler_->symbolizer();
  if (format == "svg") {
    std::vector<HeapSite> sites = SummarizeSites(fresh->parsed, sym);
    std::string title = "Mnemo live heap";
    if (base) {
      sites = DiffSites(SummarizeSites(base->parsed, sym), sites, 0);
      title = "Mnemo heap growth since " + diff;
    }
    return res.set_content(RenderFlameGraphSvg(sites, title), "image/svg+xml");
  }
  auto gz = Gzip(EncodeHeapPprof(fresh->parsed, base ? &base->parsed : nullptr, sym, NowNanos()));
  if (!gz.ok()) return Text(res, 500, gz.status().message());
  res.set_header("Content-Disposition", "attachment; filename=\"heap.pb.gz\"");
  res.set_content(*gz, "application/octet-stream");
}

void HttpServer::ServeHistory(const httplib::Request& req, httplib::Response& res) {
  auto seconds = IntParam(req, "seconds", kFineSamples, 86400);
  if (!seconds) return Text(res, 400, "seconds must be an integer between 1 and 86400");
  res.set_content(HistoryJson(handlers_.history(*seconds), *seconds), "application/json");
}

void HttpServer::ServeSlowlog(const httplib::Request& req, httplib::Response& res) {
  auto count = IntParam(req, "count", 10, kMaxSlowlogCount);
  if (!count) return Text(res, 400, "count must be an integer between 1 and 1000");
  auto [len, entries] = handlers_.slowlog(static_cast<size_t>(*count));
  res.set_content(SlowlogJson(len, entries), "application/json");
}

// The TOP report of the newest dump in profiling-dir (KPROFILE MEMORY TOP 10 <newest>): reading
// a stored dump needs no active profiler and takes no new dump.
void HttpServer::ServeTop(httplib::Response& res) {
  if (Status s = profiler_->CheckArmed(); !s.ok())
    return Text(res, 501, "heap profiling is not available: " + s.message());
  auto files = profiler_->List();
  if (!files.ok()) return Text(res, 500, files.status().message());
  if (files->empty()) return res.set_content(TopJson(nullptr, {}), "application/json");
  const HeapProfiler::DumpFile& newest = files->front();
  auto sites = profiler_->Top(kTopSites, newest.name);
  if (!sites.ok()) return Text(res, ProfilerErrorCode(sites.status()), sites.status().message());
  res.set_content(TopJson(&newest, *sites), "application/json");
}

// What KPROFILE MEMORY ENABLE, DISABLE and DUMP (without a directory) run, with the same
// HeapProfiler calls and their errors; the answer is the profiler's state afterwards.
void HttpServer::ServeProfilerAction(std::string_view action, httplib::Response& res) {
  Status s;
  if (action == "enable") {
    s = profiler_->Enable(std::nullopt, std::nullopt);
  } else if (action == "disable") {
    s = profiler_->Disable();
  } else {
    s = profiler_->Dump("").status();  // "" = profiling-dir itself
  }
  if (!s.ok()) {
    if (s.code() == Status::Code::kBusy) res.set_header("Retry-After", "1");
    return Text(res, ProfilerErrorCode(s), s.message());
  }
  res.set_content(ProfilerJson(profiler_->GetInfo()), "application/json");
}

}  // namespace mnemo
