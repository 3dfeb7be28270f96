// HttpServer: the monitoring endpoint (`http-port`, docs/monitoring.md), on cpp-httplib.
//
//   GET /metrics             Prometheus text exposition (the text comes from Handlers::metrics)
//   GET /debug/memory        the memory snapshot as JSON, the document of MEMORY REPORT
//   GET /debug/pprof/heap    a fresh heap profile: pprof protobuf (gzipped) by default,
//                            ?format=jeprof the raw jemalloc dump, ?format=svg a flame graph,
//                            ?diff=<dump name> the growth since a stored dump (any format but
//                            jeprof)
//   GET /dashboard           the dashboard page (http/dashboard/), its script, style and uPlot
//   GET /debug/memory/history, /debug/memory/forecast, /debug/profiler, /debug/profiler/top,
//       /debug/slowlog       the page's JSON documents (http/dashboard.h)
//   POST /debug/profiler/enable|disable|dump
//                            KPROFILE MEMORY ENABLE / DISABLE / DUMP (into profiling-dir only)
//
// Access: a peer that protected mode refuses (Handlers::refuses) gets 403. With `requirepass`
// set, /debug/* and /dashboard* need the password, as `Authorization: Bearer <password>` or HTTP
// Basic with any user name and the password (401 with a WWW-Authenticate challenge otherwise);
// /metrics needs it too when `http-metrics-auth` is yes. Unknown paths get 404, a method the path
// does not take 405 with an Allow header (GET and HEAD, or POST for the profiler's actions). A POST
// whose Origin header is not this server's own (http://<Host>) gets 403, so another site's page in
// the operator's browser cannot switch the profiler (a browser always sends Origin there).
//
// Threads: the server runs on threads of its own (one acceptor, kHandlerThreads handlers), so a
// slow scraper never stalls a worker; its handlers only take snapshots through thread-safe
// calls; a profiler action or a TOP report runs on the HTTP thread that asked for it. A client
// that sends or reads too slowly is dropped after kIoTimeoutSeconds. At most 64
// accepted connections wait for a handler; beyond that the acceptor serves one itself and the
// rest wait in the kernel's backlog, so a flood of connections cannot take the process's file
// descriptors. A request body over 64 KiB is refused (no endpoint reads one).
//
// Thread-safety: Bind, Start and Stop are called by the owner's thread; handlers run on the
// server's threads. Ownership: it borrows the Config and the HeapProfiler, which must outlive it.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <thread>

#include "common/status.h"
#include "http/dashboard.h"

namespace httplib {
class Server;
struct Request;
struct Response;
}  // namespace httplib

namespace mnemo {

class Config;
class HeapProfiler;

class HttpServer {
 public:
  static constexpr int kHandlerThreads = 4;
  static constexpr int kIoTimeoutSeconds = 10;

  struct Handlers {
    std::function<std::string()> metrics;                   // the /metrics text
    std::function<StatusOr<std::string>()> memory_json;     // the /debug/memory document
    std::function<bool(std::string_view peer_ip)> refuses;  // protected mode's verdict
    // The dashboard's figures (thread-safe reads of the server's state).
    std::function<std::vector<HistorySample>(int64_t seconds)> history;  // MEMORY HISTORY
    std::function<MemoryForecast()> forecast;                            // MEMORY FORECAST
    std::function<MemoryLevel()> level;                                  // the governor's level
    // SLOWLOG LEN and up to `count` entries of SLOWLOG GET, newest first.
    std::function<std::pair<size_t, std::vector<SlowCommand>>(size_t count)> slowlog;
  };

  HttpServer(const Config* config, HeapProfiler* profiler, Handlers handlers);
  ~HttpServer();  // Stop()
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Listens on host:port (port > 0). IOError("cannot listen for HTTP on <host>:<port>...").
  Status Bind(const std::string& host, int port);
  // Starts serving on its own threads. REQUIRES: Bind succeeded.
  void Start();
  // Stops accepting and joins the threads; idempotent.
  void Stop();

 private:
  // Protected mode, authentication and method checks before routing; true when it answered.
  bool Screen(const httplib::Request& req, httplib::Response& res);
  bool Authorized(const httplib::Request& req) const;
  void ServeHeap(const httplib::Request& req, httplib::Response& res);
  void RouteDashboard();
  void ServeHistory(const httplib::Request& req, httplib::Response& res);
  void ServeSlowlog(const httplib::Request& req, httplib::Response& res);
  void ServeTop(httplib::Response& res);
  void ServeProfilerAction(std::string_view action, httplib::Response& res);

  const Config* config_;
  HeapProfiler* profiler_;
  Handlers handlers_;
  std::unique_ptr<httplib::Server> server_;
  std::thread thread_;
};

}  // namespace mnemo
