// mnemo: a Redis-protocol key-value server on RocksDB that knows where its memory goes.
//
//   mnemo [--config FILE] [--port N] [--bind ADDR] [--dir PATH] [--<any-config-key> VALUE]
//   mnemo --config-doc      prints docs/config.md, generated from the config table
//   mnemo --commands-doc    prints docs/commands.md, generated from the command tables
#include <signal.h>
#include <sys/stat.h>

#include <cstdio>
#include <cstring>
#include <filesystem>
#include <string>

#include "commands/registry.h"
#include "common/log.h"
#include "config/config.h"
#include "memory/allocator.h"
#include "server/server.h"

#ifndef MNEMO_SANITIZE
// jemalloc reads this at start: heap profiling is armed (compiled in and ready) but inactive, so
// KPROFILE MEMORY ENABLE works without any environment variable and costs nothing until used.
// prof_stats lets the profiler report the exact memory its samples cost. Freed pages go back
// to the system after 1 s instead of jemalloc's 10 s (the background thread does it, not the
// workers), so RSS follows the allocated bytes the memory limit is enforced on: under a hostile
// load at maxmemory 128mb this took peak RSS from 1.26x to 1.05x the limit (test_maxmemory).
// Allocations of 256 KB and more (large values, their query and reply buffers, memtable
// blocks) come from jemalloc's arena for oversized allocations, which returns their pages as
// soon as they are freed: with 256 KB-1 MB values written at the limit, the 1 s decay still
// left 50-87 MB of freed pages resident and RSS at 1.03-1.13x the limit; with this, 3-6 MB and
// 0.78-0.82x (docs/memory.md, "The memory limit"). A MALLOC_CONF in the environment is applied
// after this string and so still overrides it.
extern "C" {
const char* malloc_conf =
    "prof:true,prof_active:false,prof_stats:true,background_thread:true,"
    "dirty_decay_ms:1000,muzzy_decay_ms:0,oversize_threshold:262144";
}
#endif

namespace {

void Usage() {
  fprintf(stderr,
          "usage: mnemo [--config FILE] [--port N] [--bind ADDR] [--dir PATH] [--KEY VALUE]...\n"
          "       mnemo --config-doc | --commands-doc\n");
}

// Applies argv to `config`: the file first, then every --key value on top of it.
bool ApplyArgs(int argc, char** argv, mnemo::Config* config) {
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--config") == 0 && i + 1 < argc) {
      mnemo::Status s = config->LoadFile(argv[++i]);
      if (!s.ok()) {
        mnemo::Log(mnemo::LogLevel::kWarning, "config file %s: %s", argv[i], s.message().c_str());
        return false;
      }
    }
  }
  for (int i = 1; i < argc; i++) {
    std::string a = argv[i];
    if (a == "--config") {
      i++;
      continue;
    }
    if (a.rfind("--", 0) != 0 || i + 1 >= argc) {
      Usage();
      return false;
    }
    mnemo::Status s = config->Set(a.substr(2), argv[++i], /*at_startup=*/true);
    if (!s.ok()) {
      mnemo::Log(mnemo::LogLevel::kWarning, "%s: %s", a.c_str(), s.message().c_str());
      return false;
    }
  }
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc == 2 && strcmp(argv[1], "--config-doc") == 0) {
    mnemo::Config c;
    fputs(c.RenderMarkdown().c_str(), stdout);
    return 0;
  }
  if (argc == 2 && strcmp(argv[1], "--commands-doc") == 0) {
    fputs(mnemo::CommandTable::Instance().RenderMarkdown().c_str(), stdout);
    return 0;
  }
  if (argc == 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
    Usage();
    return 0;
  }
  mnemo::Config config;
  if (!ApplyArgs(argc, argv, &config)) return 1;
  // `loglevel` is an enum of the config table, so it always parses.
  auto apply_loglevel = [](const mnemo::Config& c) {
    mnemo::SetLogLevel(mnemo::ParseLogLevel(c.loglevel()).value_or(mnemo::LogLevel::kNotice));
  };
  apply_loglevel(config);
  config.OnChange("loglevel", apply_loglevel);
  if (mnemo::Status s = mnemo::SetLogFile(config.logfile()); !s.ok()) {
    mnemo::Log(mnemo::LogLevel::kWarning, "%s", s.message().c_str());
    return 1;
  }

  // Signals: SIGPIPE ignored (a closed socket is an error return); SIGTERM/SIGINT/SIGUSR2 blocked
  // in every thread and taken synchronously by the server's signal waiter.
  signal(SIGPIPE, SIG_IGN);
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGUSR2);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);

  std::error_code ec;
  std::filesystem::create_directories(config.dir(), ec);
  if (ec) {
    mnemo::Log(mnemo::LogLevel::kWarning, "cannot create data directory '%s': %s",
               config.dir().c_str(), ec.message().c_str());
    return 1;
  }
  mnemo::Server server(&config);
  mnemo::Status s = server.Start();
  if (!s.ok()) {
    mnemo::Log(mnemo::LogLevel::kWarning, "%s", s.message().c_str());
    return 1;
  }
  mnemo::Log(mnemo::LogLevel::kNotice, "ready on %s:%d (data in %s, allocator %s)",
             config.bind().c_str(), server.port(), config.dir().c_str(),
             mnemo::allocator::Name().c_str());
  server.Run();
  mnemo::Log(mnemo::LogLevel::kNotice, "bye");
  return 0;
}
