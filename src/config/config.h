// Config: the single table of every Mnemo configuration key.
//
// One row per key (ConfigSpec) is the only source for: parsing the config file, CONFIG GET/SET,
// CONFIG REWRITE and the generated user manual docs/config.md (`mnemo --config-doc`). A key is
// added by adding one row in config.cc; nothing else lists keys.
//
// Values live in typed public fields so the hot path reads them without locks: numbers and
// booleans are atomics (relaxed reads are fine: a value is a self-contained setting), strings are
// copied out under a mutex by their accessors.
//
// Thread-safety: every method may be called from any thread. Set() may run on a worker thread
// while other threads read fields; a reader sees either the old or the new value of a key, never a
// torn one. Change callbacks run on the thread that called Set(), after the new value is visible,
// outside any Config lock, so they may read the Config freely. Two racing Set() calls of one key
// may run their callbacks in either order; a callback should read the current value from the
// Config it is given rather than assume an order.
//
// Ownership: the server owns one Config for its whole lifetime; modules keep a const reference.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "common/status.h"

namespace mnemo {

enum class ConfigType { kBool, kInt, kMemory, kString, kEnum, kRatio };

// Limits of one client class from `client-output-buffer-limit` (bytes; seconds). 0 = no limit.
struct OutputBufferLimits {
  int64_t hard = 0;
  int64_t soft = 0;
  int64_t soft_seconds = 0;
};

// The classes of client-output-buffer-limit (Redis's); indexes arrays, keep the values.
enum class ClientClass : uint8_t { kNormal = 0, kReplica = 1, kPubSub = 2 };

// The TLS keys' text values, read together when the server builds its TLS context.
struct TlsSettings {
  std::string cert_file, key_file, ca_cert_file;
  std::string auth_clients;  // "yes", "no" or "optional"
  std::string protocols;     // validated words ("TLSv1.2 TLSv1.3"), "" = the default
};

// One row of the config table; the single source for parsing, CONFIG GET/SET and the docs.
struct ConfigSpec {
  const char* name;  // lower case, as written in the file and in CONFIG GET/SET
  ConfigType type;
  const char* default_value;  // text, parsed like a file value ("512mb", "yes", "notice")
  bool runtime_mutable;       // CONFIG SET allowed while running
  int64_t min, max;           // inclusive bounds for kInt/kMemory; kRatio: in millionths
  const char* unit;           // "bytes", "seconds", "count", "" ...
  const char* enum_values;    // "debug|verbose|notice|warning" for kEnum, else nullptr
  const char* doc;            // what it means, what it includes/excludes, the trade-off
  // The value names a filesystem path the server writes or reads: a protected config (Redis 7's
  // PROTECTED_CONFIG), which CONFIG SET changes only as `enable-protected-configs` allows.
  // Every key whose value is a path sets it (config_test checks the *dir and *-file names).
  bool path = false;
  // Another name for the key (Redis's older name), accepted wherever the name is and listed
  // by CONFIG GET beside it; nullptr = none.
  const char* alias = nullptr;
};

// Who asks Config::Set for a change: the config file and command line at startup, or a client's
// CONFIG SET from a loopback peer (127.0.0.0/8, ::1) or from any other peer. `enable-protected-
// configs local` tells the two kinds of client apart.
enum class SetSource { kStartup, kLocalClient, kRemoteClient };

class Config {
 public:
  // All keys at their defaults; no config file.
  Config();
  Config(const Config&) = delete;
  Config& operator=(const Config&) = delete;

  // The table, in documentation order. Static, immutable, safe to read from any thread.
  static const std::vector<ConfigSpec>& Specs();

  // Loads `key value` lines: '#' starts a comment line, blank lines are skipped, a value may be
  // quoted ("a b" with \" \\ \n \r \t \xHH escapes, or 'a b' taken literally), keys are
  // case-insensitive, the last line of a key wins. Immutable keys are allowed (this is startup).
  // Returns InvalidArgument("line N: ...") for an unknown key, a missing or extra argument, or a
  // bad value; in that case nothing from the text is applied (all-or-nothing). No callbacks run.
  // LoadFile returns IOError if the file can't be read, and on success remembers the file's
  // absolute path for Rewrite().
  Status LoadFile(const std::string& path);
  Status LoadString(std::string_view text);

  // Validates and applies one value. Key names are case-insensitive. Errors (InvalidArgument,
  // message in Redis 7 wording, without the leading "ERR " that Status::ToString adds):
  //   unknown key:    "Unknown option or number of arguments for CONFIG SET - 'foo'"
  //   bad value:      "CONFIG SET failed (possibly related to argument 'maxclients') - <reason>"
  //   immutable key from a client:
  //                   "CONFIG SET failed (possibly related to argument 'port') - can't set
  //                    immutable config"
  //   path key (ConfigSpec::path) from a client that enable-protected-configs does not allow
  //   (`no`: none; `local`: only kLocalClient; `yes`: all):
  //                   "CONFIG SET failed (possibly related to argument 'profiling-dir') - can't
  //                    set protected config"
  // On failure the old value stays. After a successful Set from a client, the callbacks
  // registered for the key run (even if the value did not change).
  Status Set(std::string_view name, std::string_view value, SetSource source);
  // at_startup ? kStartup : kRemoteClient (the strictest client).
  Status Set(std::string_view name, std::string_view value, bool at_startup = false) {
    return Set(name, value, at_startup ? SetSource::kStartup : SetSource::kRemoteClient);
  }
  // The checks of Set, with the same errors, without applying anything: CONFIG SET checks every
  // pair before it applies any.
  Status Check(std::string_view name, std::string_view value, SetSource source) const;

  // (name, value-as-text) of every key matching the Redis glob (case-insensitive), in table
  // order. Booleans are "yes"/"no", memory sizes plain byte counts, as CONFIG GET shows them.
  std::vector<std::pair<std::string, std::string>> Get(std::string_view glob) const;
  // Current value of one key as text; "" if the key is unknown.
  std::string GetText(std::string_view name) const;

  // Rewrites the config file (the one given to LoadFile or set_config_file) to hold the current
  // values: comment lines, blank lines and lines of unchanged keys are kept byte for byte; the
  // effective (last) line of a key whose value differs from the file's is replaced; keys absent
  // from the file whose value differs from the default are appended after a
  // "# Generated by CONFIG REWRITE" line. The file is replaced atomically (temp file, fsync,
  // rename) and keeps its permissions. A missing file is created.
  // Errors: InvalidArgument("The server is running without a config file") if there is no file;
  // IOError if reading or writing fails.
  Status Rewrite() const;
  void set_config_file(std::string path);
  std::string config_file() const;

  // The Markdown reference of every key (docs/config.md), generated from Specs() and defaults
  // only, so it does not depend on the current values.
  std::string RenderMarkdown() const;

  using Callback = std::function<void(const Config&)>;
  // Registers `cb` to run after each successful runtime Set of `name` (case-insensitive).
  // REQUIRES: `name` is a key of the table.
  void OnChange(std::string_view name, Callback cb);

  // Typed values, read lock-free on the hot path (memory sizes in bytes, times in seconds).
  std::atomic<int64_t> port, workers, worker_spin_us, maxclients, timeout, proto_max_bulk_len,
      client_query_buffer_limit, proto_max_multibulk_len, maxmemory, block_cache_size,
      key_cache_size, write_buffer_size, max_write_buffer_number, max_open_files, min_blob_size,
      delayed_write_rate, profiling_max_dumps, profiling_auto_dump_growth,
      profiling_auto_dump_interval, profiling_sample_bytes, tls_port, tls_handshake_timeout,
      debug_used_memory, busy_reply_threshold, lua_memory_limit, lua_write_limit,
      namespace_quota_backoff;
  // Ratios are kept in millionths (kRatio keys); ratio() turns one into a double.
  std::atomic<int64_t> maxmemory_cgroup_ratio, maxmemory_soft_ratio, maxmemory_hard_ratio,
      maxmemory_hysteresis, write_buffer_budget;
  static double ratio(const std::atomic<int64_t>& millionths) {
    return static_cast<double>(millionths.load(std::memory_order_relaxed)) / 1e6;
  }
  std::atomic<bool> sync_writes, protected_mode;
  // Slow log, latency tracking and the HTTP endpoint.
  std::atomic<int64_t> slowlog_log_slower_than, slowlog_max_len, http_port;
  std::atomic<bool> latency_tracking, http_metrics_auth;

  // client-output-buffer-limit of one client class, parsed; lock-free.
  OutputBufferLimits output_limits(ClientClass cls = ClientClass::kNormal) const {
    const auto& a = cob_[static_cast<size_t>(cls)];
    return {a[0].load(std::memory_order_relaxed), a[1].load(std::memory_order_relaxed),
            a[2].load(std::memory_order_relaxed)};
  }
  // notify-keyspace-events as classes (common/keyspace_events.h), 0 when nothing is to be
  // published (neither K nor E); lock-free.
  uint32_t notify_flags() const { return notify_flags_.load(std::memory_order_relaxed); }

  // Strings are copied out under a mutex.
  std::string bind() const;
  std::string dir() const;
  std::string requirepass() const;
  std::string http_bind() const;  // "" = the first address of bind()
  // `namespace.<ns> <token>` lines of the config file (Kvrocks's form), in file order. Read once
  // at start (docs/namespaces.md); not changed by CONFIG SET.
  std::vector<std::pair<std::string, std::string>> namespace_tokens() const;
  // `memory-policy.<name> "<rule>"` lines (memory/policy.h, docs/monitoring.md), in file order.
  // Read at start and by MEMORY POLICY RESET; not changed by CONFIG SET.
  std::vector<std::pair<std::string, std::string>> memory_policies() const;
  // The directory for heap profile dumps: profiling-dir, or <dir>/heap-profiles when it is "".
  std::string profiling_dir() const;
  std::string loglevel() const;
  std::string logfile() const;
  std::string enable_protected_configs() const;  // "no", "yes" or "local"
  TlsSettings tls() const;

 private:
  struct Entry;  // a ConfigSpec plus the field it sets; defined in config.cc
  using Field = std::variant<std::atomic<int64_t> Config::*, std::atomic<bool> Config::*,
                             std::string Config::*>;
  // A value checked against its spec, ready to store.
  using Parsed = std::variant<int64_t, bool, std::string>;

  static const std::vector<Entry>& Table();
  static const Entry* Find(std::string_view name);
  // Checks `value` against the row; on failure returns the Redis reason ("argument must be ...").
  static StatusOr<Parsed> Parse(const Entry& e, std::string_view value);
  // Format, but in the key's own notation (ratios as decimals).
  static std::string FormatAs(const Entry& e, const Parsed& v);
  static std::string Format(const Parsed& v);  // as CONFIG GET shows it
  // Set's checks: the row and the parsed value, or Set's error.
  StatusOr<std::pair<const Entry*, Parsed>> Prepare(std::string_view name, std::string_view value,
                                                    SetSource source) const;

  void Store(const Entry& e, const Parsed& v);
  std::string Text(const Entry& e) const;

  mutable std::mutex mu_;          // guards the strings, config_file_ and callbacks_
  std::string save_, appendonly_;  // accepted for Redis tools, unused
  std::string bind_, dir_, requirepass_, profiling_dir_, loglevel_, logfile_,
      client_output_buffer_limit_, enable_protected_configs_, notify_keyspace_events_;
  std::string http_bind_;
  std::string tls_cert_file_, tls_key_file_, tls_ca_cert_file_, tls_auth_clients_, tls_protocols_;
  std::atomic<int64_t> cob_[3][3] = {};  // per ClientClass: hard, soft, soft seconds
  std::atomic<uint32_t> notify_flags_{0};
  // Merges the classes of a checked client-output-buffer-limit value into cob_ and keeps the
  // text of every class as CONFIG GET shows it.
  void StoreOutputLimits(const std::string& value);
  std::string config_file_;
  std::vector<std::pair<std::string, std::string>> namespace_tokens_;    // guarded by mu_
  std::vector<std::pair<std::string, std::string>> memory_policies_;     // guarded by mu_
  std::map<std::string, std::vector<Callback>, std::less<>> callbacks_;  // by lower-case name
  mutable std::mutex rewrite_mu_;  // one Rewrite at a time (they share the temp file name)
};

}  // namespace mnemo
