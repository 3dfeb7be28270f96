// HttpServer: the monitoring endpoint (`http-port`, docs/monitoring.md), on cpp-httplib.
//
//   GET /metrics             Prometheus text exposition (the text comes from Handlers::metrics)
//   GET /debug/memory        the memory snapshot as JSON, the document of MEMORY REPORT
//   GET /debug/pprof/heap    a fresh heap profile: pprof protobuf (gzipped) by default,
//                            ?format=jeprof the raw jemalloc dump, ?format=svg a flame graph,
//                            ?diff=<dump name> the growth since a stored dump (any format but
//                            jeprof)
//
// Access: a peer that protected mode refuses (Handlers::refuses) gets 403. With `requirepass`
// set, /debug/* need the password, as `Authorization: Bearer <password>` or HTTP Basic with any
// user name and the password (401 with a WWW-Authenticate challenge otherwise); /metrics needs
// it too when `http-metrics-auth` is yes. Unknown paths get 404, other methods than GET and
// HEAD on a known path 405 with an Allow header.
//
// Threads: the server runs on threads of its own (one acceptor, kHandlerThreads handlers), so a
// slow scraper never stalls a worker; its handlers only take snapshots through thread-safe
// calls. A client that sends or reads too slowly is dropped after kIoTimeoutSeconds. At most 64
// accepted connections wait for a handler; beyond that the acceptor serves one itself and the
// rest wait in the kernel's backlog, so a flood of connections cannot take the process's file
// descriptors. Requests are GETs: a body over 64 KiB is refused.
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

  const Config* config_;
  HeapProfiler* profiler_;
  Handlers handlers_;
  std::unique_ptr<httplib::Server> server_;
  std::thread thread_;
};

}  // namespace mnemo
