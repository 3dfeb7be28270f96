#include "config/config.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <thread>

#include "common/keyspace_events.h"
#include "common/string_util.h"

namespace mnemo {
namespace {

namespace fs = std::filesystem;

std::string ReadAll(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

void WriteAll(const fs::path& p, const std::string& text) {
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  out << text;
}

// A fresh directory per test, removed afterwards.
class TempDir {
 public:
  TempDir() {
    path_ = fs::temp_directory_path() /
            ("mnemo_config_test_" + std::to_string(getpid()) + "_" +
             ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(path_);
    fs::create_directories(path_);
  }
  ~TempDir() { fs::remove_all(path_); }
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

TEST(ConfigTable, RowsAreWellFormed) {
  std::set<std::string> names;
  for (const ConfigSpec& s : Config::Specs()) {
    SCOPED_TRACE(s.name);
    EXPECT_TRUE(names.insert(s.name).second) << "duplicate key";
    EXPECT_EQ(ToLower(s.name), s.name) << "key names are lower case";
    EXPECT_GT(strlen(s.doc), 20u) << "every key is documented";
    EXPECT_EQ(s.type == ConfigType::kEnum, s.enum_values != nullptr);
    if (s.type == ConfigType::kInt || s.type == ConfigType::kMemory) {
      EXPECT_LE(s.min, s.max);
    }
    // Every default must be valid, even where asserts are compiled out.
    Config c;
    EXPECT_TRUE(c.Set(s.name, s.default_value, /*at_startup=*/true).ok());
  }
  size_t aliases = 0;
  for (const ConfigSpec& s : Config::Specs()) aliases += s.alias != nullptr;
  EXPECT_EQ(Config().Get("*").size(), Config::Specs().size() + aliases);
}

TEST(ConfigTable, AnAliasIsTheSameKey) {
  Config c;
  ASSERT_TRUE(c.Set("lua-time-limit", "250").ok());
  EXPECT_EQ(c.busy_reply_threshold.load(), 250);
  EXPECT_EQ(c.GetText("busy-reply-threshold"), "250");
  auto both = c.Get("*-time-limit");
  ASSERT_EQ(both.size(), 1u);
  EXPECT_EQ(both[0], (std::pair<std::string, std::string>{"lua-time-limit", "250"}));
}

TEST(Config, Defaults) {
  Config c;
  EXPECT_EQ(c.bind(), "127.0.0.1");
  EXPECT_EQ(c.port, 6666);
  EXPECT_EQ(c.dir(), "./mnemo-data");
  EXPECT_EQ(c.workers, 0);
  EXPECT_EQ(c.maxclients, 10000);
  EXPECT_EQ(c.timeout, 0);
  EXPECT_EQ(c.requirepass(), "");
  EXPECT_TRUE(c.protected_mode);
  EXPECT_EQ(c.enable_protected_configs(), "no");
  EXPECT_EQ(c.proto_max_bulk_len, 512LL << 20);
  EXPECT_EQ(c.client_query_buffer_limit, 1LL << 30);
  EXPECT_EQ(c.proto_max_multibulk_len, 1048576);
  EXPECT_FALSE(c.sync_writes);
  EXPECT_EQ(c.loglevel(), "notice");
  EXPECT_EQ(c.maxmemory, 0);
  EXPECT_EQ(c.block_cache_size, 256LL << 20);
  EXPECT_EQ(c.write_buffer_size, 1 << 20);
  EXPECT_EQ(c.max_write_buffer_number, 16);
  EXPECT_EQ(c.max_open_files, 4096);
  EXPECT_EQ(c.profiling_dir(), "./mnemo-data/heap-profiles");
  EXPECT_EQ(c.profiling_max_dumps, 32);
  EXPECT_EQ(c.profiling_sample_bytes, 524288);
  EXPECT_EQ(c.profiling_auto_dump_growth, 0);
  EXPECT_EQ(c.profiling_auto_dump_interval, 60);
  EXPECT_EQ(c.config_file(), "");
}

TEST(ConfigLoad, ParsesUnitsCaseAndComments) {
  Config c;
  Status s = c.LoadString(
      "# a comment\n"
      "\n"
      "   # an indented comment\n"
      "PORT 7000\n"
      "proto-max-bulk-len 2mb\r\n"
      "maxmemory 1GB\n"
      "profiling-sample-bytes 100k\n"
      "profiling-auto-dump-growth 4096\n"
      "sync-writes YES\n"
      "loglevel Warning\n"
      "rocksdb.max-open-files -1\n"
      "\tmaxclients\t50  \n"
      "maxclients 60\n");
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(c.port, 7000);
  EXPECT_EQ(c.proto_max_bulk_len, 2 * 1024 * 1024);
  EXPECT_EQ(c.maxmemory, 1LL << 30);
  EXPECT_EQ(c.profiling_sample_bytes, 100000);
  EXPECT_EQ(c.profiling_auto_dump_growth, 4096);
  EXPECT_TRUE(c.sync_writes);
  EXPECT_EQ(c.loglevel(), "warning");  // stored in its canonical spelling
  EXPECT_EQ(c.max_open_files, -1);
  EXPECT_EQ(c.maxclients, 60);  // the last line of a key wins
}

TEST(ConfigLoad, QuotedValues) {
  Config c;
  ASSERT_TRUE(c.LoadString("requirepass \"s3cret pass\"\n"
                           "dir \"a\\\"b\\\\c\\x41\\n\"\n"
                           "bind '1.2.3.4'\n")
                  .ok());
  EXPECT_EQ(c.requirepass(), "s3cret pass");
  EXPECT_EQ(c.dir(), "a\"b\\cA\n");
  EXPECT_EQ(c.bind(), "1.2.3.4");
  ASSERT_TRUE(c.LoadString("requirepass ''\nprofiling-dir 'it\\'s'").ok());
  EXPECT_EQ(c.requirepass(), "");
  EXPECT_EQ(c.profiling_dir(), "it's");
}

TEST(ConfigLoad, ErrorsNameTheLineAndApplyNothing) {
  Config c;
  struct Case {
    const char* text;
    const char* error;
  } cases[] = {
      {"port 7000\n# x\n\nfoo 1\n", "ERR line 4: unknown config key 'foo'"},
      {"port 7000\nport abc\n",
       "ERR line 2: bad value 'abc' for 'port': argument couldn't be parsed into an integer"},
      {"port 7000\nport 70000\n",
       "ERR line 2: bad value '70000' for 'port': argument must be between 0 and 65535 inclusive"},
      {"port 7000\nmaxmemory lots\n",
       "ERR line 2: bad value 'lots' for 'maxmemory': argument must be a memory value"},
      {"port 7000\nsync-writes maybe\n",
       "ERR line 2: bad value 'maybe' for 'sync-writes': argument must be 'yes' or 'no'"},
      {"port 7000\nloglevel loud\n",
       "ERR line 2: bad value 'loud' for 'loglevel': argument(s) must be one of the following: "
       "debug, verbose, notice, warning"},
      {"port 7000\nrequirepass\n", "ERR line 2: 'requirepass' takes exactly one value, got 0"},
      {"port 7000\nport 1 2\n", "ERR line 2: 'port' takes exactly one value, got 2"},
      {"port 7000\nrequirepass \"abc\n", "ERR line 2: unbalanced quotes"},
      {"port 7000\nrequirepass \"a\"b\n", "ERR line 2: closing quote must be followed by a space"},
  };
  for (const Case& t : cases) {
    Status s = c.LoadString(t.text);
    EXPECT_EQ(s.code(), Status::Code::kInvalidArgument) << t.text;
    EXPECT_EQ(s.ToString(), t.error);
    EXPECT_EQ(c.port, 6666) << "a bad file must not apply its good lines: " << t.text;
  }
}

TEST(ConfigLoad, FileRemembersItsPath) {
  TempDir tmp;
  Config c;
  Status missing = c.LoadFile((tmp.path() / "nope.conf").string());
  EXPECT_EQ(missing.code(), Status::Code::kIOError);
  EXPECT_EQ(c.config_file(), "");
  WriteAll(tmp.path() / "m.conf", "timeout 5\n");
  ASSERT_TRUE(c.LoadFile((tmp.path() / "m.conf").string()).ok());
  EXPECT_EQ(c.timeout, 5);
  EXPECT_EQ(c.config_file(), (tmp.path() / "m.conf").string());
}

TEST(ConfigSet, RuntimeAndImmutable) {
  Config c;
  EXPECT_TRUE(c.Set("maxclients", "20").ok());
  EXPECT_EQ(c.maxclients, 20);
  EXPECT_TRUE(c.Set("MaxMemory", "3mb").ok());
  EXPECT_EQ(c.maxmemory, 3 << 20);
  EXPECT_TRUE(c.Set("requirepass", "pw").ok());
  EXPECT_EQ(c.requirepass(), "pw");

  Status s = c.Set("port", "7000");
  EXPECT_EQ(s.code(), Status::Code::kInvalidArgument);
  EXPECT_EQ(s.ToString(),
            "ERR CONFIG SET failed (possibly related to argument 'port') - can't set immutable "
            "config");
  EXPECT_EQ(c.port, 6666);
  EXPECT_TRUE(c.Set("port", "7000", /*at_startup=*/true).ok());
  EXPECT_EQ(c.port, 7000);
}

TEST(ConfigSet, ErrorMessagesUseRedisWording) {
  Config c;
  const std::string p = "ERR CONFIG SET failed (possibly related to argument ";
  EXPECT_EQ(c.Set("maxclients", "many").ToString(),
            p + "'maxclients') - argument couldn't be parsed into an integer");
  EXPECT_EQ(c.Set("maxclients", "0").ToString(),
            p + "'maxclients') - argument must be between 1 and 1000000 inclusive");
  EXPECT_EQ(c.Set("proto-max-bulk-len", "1k").ToString(),
            p + "'proto-max-bulk-len') - argument must be between 1048576 and "
                "9223372036854775807 inclusive");
  EXPECT_EQ(c.Set("maxmemory", "-1").ToString(),
            p + "'maxmemory') - argument must be a memory value");
  EXPECT_EQ(c.Set("sync-writes", "1").ToString(),
            p + "'sync-writes') - argument must be 'yes' or 'no'");
  EXPECT_EQ(c.Set("LOGLEVEL", "x").ToString(),
            p + "'LOGLEVEL') - argument(s) must be one of the following: debug, verbose, notice, "
                "warning");
  EXPECT_EQ(c.Set("foo", "1").ToString(),
            "ERR Unknown option or number of arguments for CONFIG SET - 'foo'");
  EXPECT_EQ(c.maxclients, 10000);  // failures leave the old value
}

// Every key whose value is a filesystem path is a protected config: one named like a path key
// (dir, *-dir, *-file, *-path, *file) must carry ConfigSpec::path, so a key added later can't
// forget it. A key that is not a path does not carry it.
TEST(ConfigTable, PathKeysAreProtected) {
  std::set<std::string> paths;
  for (const ConfigSpec& s : Config::Specs()) {
    std::string name = s.name;
    bool path_name = name == "dir" || name.ends_with("-dir") || name.ends_with("-file") ||
                     name.ends_with("-path") || name.ends_with("file");
    EXPECT_EQ(s.path, path_name) << name << ": a path key is marked `kPath`, and only a path key";
    if (s.path) {
      paths.insert(name);
      EXPECT_EQ(s.type, ConfigType::kString) << name;
    }
  }
  EXPECT_TRUE(paths.count("dir") && paths.count("profiling-dir"));
}

TEST(ConfigSet, ProtectedConfigsFollowEnableProtectedConfigs) {
  const std::string refused =
      "ERR CONFIG SET failed (possibly related to argument 'profiling-dir') - can't set "
      "protected config";
  const SetSource kLocal = SetSource::kLocalClient, kRemote = SetSource::kRemoteClient;
  Config no;  // the default
  EXPECT_EQ(no.enable_protected_configs(), "no");
  EXPECT_EQ(no.Set("profiling-dir", "/etc", kRemote).ToString(), refused);
  EXPECT_EQ(no.Set("profiling-dir", "/etc", kLocal).ToString(), refused);
  EXPECT_EQ(no.Set("profiling-dir", "/etc").ToString(), refused);
  EXPECT_EQ(no.Check("profiling-dir", "/etc", kLocal).ToString(), refused);
  EXPECT_EQ(no.GetText("profiling-dir"), "");  // unchanged
  // The file and the command line set it regardless.
  EXPECT_TRUE(no.Set("profiling-dir", "/var/prof", SetSource::kStartup).ok());
  EXPECT_EQ(no.GetText("profiling-dir"), "/var/prof");
  // An immutable key says so first, as in Redis.
  EXPECT_EQ(no.Set("dir", "/tmp", kLocal).ToString(),
            "ERR CONFIG SET failed (possibly related to argument 'dir') - can't set immutable "
            "config");
  // Keys that are not paths are not affected.
  EXPECT_TRUE(no.Set("profiling-max-dumps", "5", kRemote).ok());

  Config local;
  ASSERT_TRUE(local.Set("enable-protected-configs", "LOCAL", SetSource::kStartup).ok());
  EXPECT_EQ(local.enable_protected_configs(), "local");
  EXPECT_EQ(local.Set("profiling-dir", "/etc", kRemote).ToString(), refused);
  EXPECT_EQ(local.Check("profiling-dir", "/etc", kRemote).ToString(), refused);
  EXPECT_TRUE(local.Check("profiling-dir", "/p", kLocal).ok());
  EXPECT_EQ(local.GetText("profiling-dir"), "");  // Check applies nothing
  EXPECT_TRUE(local.Set("profiling-dir", "/p", kLocal).ok());
  EXPECT_EQ(local.GetText("profiling-dir"), "/p");

  Config yes;
  ASSERT_TRUE(yes.Set("enable-protected-configs", "yes", SetSource::kStartup).ok());
  EXPECT_TRUE(yes.Set("profiling-dir", "/a", kRemote).ok());
  EXPECT_TRUE(yes.Set("profiling-dir", "/b", kLocal).ok());
  EXPECT_EQ(yes.GetText("profiling-dir"), "/b");
  // enable-protected-configs takes Redis's three values.
  Config bad;
  EXPECT_EQ(bad.Set("enable-protected-configs", "maybe", SetSource::kStartup).ToString(),
            "ERR CONFIG SET failed (possibly related to argument 'enable-protected-configs') - "
            "argument(s) must be one of the following: no, yes, local");
}

TEST(ConfigSet, EnableProtectedConfigsIsNotChangeableAtRunTime) {
  Config c;
  for (SetSource source : {SetSource::kLocalClient, SetSource::kRemoteClient}) {
    EXPECT_EQ(c.Set("enable-protected-configs", "yes", source).ToString(),
              "ERR CONFIG SET failed (possibly related to argument 'enable-protected-configs') - "
              "can't set immutable config");
  }
  EXPECT_EQ(c.enable_protected_configs(), "no");
  EXPECT_TRUE(c.protected_mode);  // protected-mode yes by default, changeable at run time
  EXPECT_TRUE(c.Set("protected-mode", "no", SetSource::kRemoteClient).ok());
  EXPECT_FALSE(c.protected_mode);
}

TEST(ConfigGet, GlobInTableOrderWithCanonicalText) {
  Config c;
  using Pairs = std::vector<std::pair<std::string, std::string>>;
  EXPECT_EQ(c.Get("proto-*"),
            (Pairs{{"proto-max-bulk-len", "536870912"}, {"proto-max-multibulk-len", "1048576"}}));
  EXPECT_EQ(c.Get("MAXCLIENTS"), (Pairs{{"maxclients", "10000"}}));
  EXPECT_EQ(c.Get("sync-writes"), (Pairs{{"sync-writes", "no"}}));
  EXPECT_EQ(c.Get("rocksdb.*").size(), 7u);
  EXPECT_EQ(c.Get("maxmemory-soft-ratio"), (Pairs{{"maxmemory-soft-ratio", "0.85"}}));
  EXPECT_TRUE(c.Get("nothing*").empty());
  EXPECT_EQ(c.GetText("requirepass"), "");
  EXPECT_EQ(c.GetText("profiling-dir"), "");  // the raw value; profiling_dir() resolves it
  EXPECT_EQ(c.GetText("no-such-key"), "");
  ASSERT_TRUE(c.Set("sync-writes", "yes").ok());
  EXPECT_EQ(c.GetText("SYNC-WRITES"), "yes");
}

TEST(ConfigSet, CallbacksRunAfterRuntimeSetOnly) {
  Config c;
  int calls = 0;
  int64_t seen = 0;
  c.OnChange("MAXCLIENTS", [&](const Config& cfg) {
    calls++;
    seen = cfg.maxclients;
  });
  ASSERT_TRUE(c.Set("maxclients", "77").ok());
  EXPECT_EQ(calls, 1);
  EXPECT_EQ(seen, 77);
  EXPECT_FALSE(c.Set("maxclients", "bad").ok());
  ASSERT_TRUE(c.Set("maxclients", "78", /*at_startup=*/true).ok());
  ASSERT_TRUE(c.Set("timeout", "3").ok());
  EXPECT_EQ(calls, 1);
}

TEST(ConfigRewrite, WithoutFileIsAnError) {
  Config c;
  EXPECT_EQ(c.Rewrite().ToString(), "ERR The server is running without a config file");
}

TEST(ConfigRewrite, RoundTripKeepsCommentsAndSpelling) {
  TempDir tmp;
  fs::path file = tmp.path() / "mnemo.conf";
  WriteAll(file,
           "# Mnemo test config\n"
           "port 7000\n"
           "\n"
           "proto-max-bulk-len 2mb\n"
           "maxclients 100\n"
           "maxclients 200\n"
           "# trailing comment\n");
  chmod(file.c_str(), 0600);
  Config c;
  ASSERT_TRUE(c.LoadFile(file.string()).ok());
  ASSERT_TRUE(c.Set("maxclients", "300").ok());
  ASSERT_TRUE(c.Set("timeout", "30").ok());
  ASSERT_TRUE(c.Set("loglevel", "warning").ok());
  ASSERT_TRUE(c.Set("requirepass", "a b\"c").ok());
  ASSERT_TRUE(c.Rewrite().ok());

  EXPECT_EQ(ReadAll(file),
            "# Mnemo test config\n"
            "port 7000\n"
            "\n"
            "proto-max-bulk-len 2mb\n"
            "maxclients 100\n"
            "maxclients 300\n"
            "# trailing comment\n"
            "# Generated by CONFIG REWRITE\n"
            "timeout 30\n"
            "requirepass \"a b\\\"c\"\n"
            "loglevel warning\n");
  struct stat st;
  ASSERT_EQ(stat(file.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u) << "rewrite keeps the file's permissions";

  Config reloaded;
  ASSERT_TRUE(reloaded.LoadFile(file.string()).ok());
  EXPECT_EQ(reloaded.Get("*"), c.Get("*"));

  // Rewriting again without changes leaves the file as is; a value set back to the default
  // replaces its line instead of dropping it.
  std::string before = ReadAll(file);
  ASSERT_TRUE(reloaded.Rewrite().ok());
  EXPECT_EQ(ReadAll(file), before);
  ASSERT_TRUE(reloaded.Set("timeout", "0").ok());
  ASSERT_TRUE(reloaded.Rewrite().ok());
  EXPECT_NE(ReadAll(file).find("\ntimeout 0\n"), std::string::npos);
  EXPECT_EQ(fs::exists(file.string() + ".rewrite-tmp"), false);
}

TEST(ConfigRewrite, CreatesAMissingFile) {
  TempDir tmp;
  Config c;
  c.set_config_file((tmp.path() / "new.conf").string());
  ASSERT_TRUE(c.Set("maxmemory", "1mb").ok());
  ASSERT_TRUE(c.Rewrite().ok());
  EXPECT_EQ(ReadAll(tmp.path() / "new.conf"), "# Generated by CONFIG REWRITE\nmaxmemory 1mb\n");
}

TEST(Config, ConcurrentSetAndRead) {
  Config c;
  std::atomic<bool> stop{false};
  std::thread reader([&] {
    while (!stop) {
      std::string pw = c.requirepass();
      EXPECT_TRUE(pw.empty() || pw == "abc" || pw == "defgh");
      int64_t m = c.maxclients;
      EXPECT_GE(m, 1);
      (void)c.Get("*");
    }
  });
  for (int i = 0; i < 2000; i++) {
    ASSERT_TRUE(c.Set("requirepass", i % 2 ? "abc" : "defgh").ok());
    ASSERT_TRUE(c.Set("maxclients", std::to_string(i + 1)).ok());
  }
  stop = true;
  reader.join();
}

// docs/config.md is generated from the table; this keeps the two from drifting apart.
TEST(ConfigDoc, DocsMatchTheTable) {
  fs::path doc = fs::path(MNEMO_SOURCE_DIR) / "docs" / "config.md";
  std::string expected = Config().RenderMarkdown();
  std::string actual = ReadAll(doc);
  EXPECT_TRUE(actual == expected)
      << doc.string() << " is out of date with the config table in src/config/config.cc.\n"
      << "Regenerate it with:  build/mnemo --config-doc > docs/config.md";
}

}  // namespace
}  // namespace mnemo

namespace mnemo {

TEST(ConfigRatio, ParsesValidatesAndShowsDecimals) {
  Config c;
  EXPECT_DOUBLE_EQ(Config::ratio(c.maxmemory_soft_ratio), 0.85);
  ASSERT_TRUE(c.Set("maxmemory-soft-ratio", "0.8").ok());
  EXPECT_DOUBLE_EQ(Config::ratio(c.maxmemory_soft_ratio), 0.8);
  EXPECT_EQ(c.GetText("maxmemory-soft-ratio"), "0.8");
  EXPECT_EQ(c.Set("maxmemory-soft-ratio", "1.5").ToString(),
            "ERR CONFIG SET failed (possibly related to argument 'maxmemory-soft-ratio') - "
            "argument must be a number between 0.1 and 1");
  EXPECT_FALSE(c.Set("maxmemory-hysteresis", "abc").ok());
  EXPECT_DOUBLE_EQ(Config::ratio(c.maxmemory_soft_ratio), 0.8);
}

TEST(ConfigOutputLimit, ParsedIntoLimits) {
  Config c;
  EXPECT_EQ(c.output_limits().hard, 0);
  ASSERT_TRUE(c.Set("client-output-buffer-limit", "normal 32mb 8mb 10").ok());
  OutputBufferLimits l = c.output_limits();
  EXPECT_EQ(l.hard, 32 << 20);
  EXPECT_EQ(l.soft, 8 << 20);
  EXPECT_EQ(l.soft_seconds, 10);
  for (const char* bad :
       {"normal 1 2", "other 1 2 3", "normal x 2 3", "normal 1 2 -3", "normal 1 2 3 pubsub 1"}) {
    EXPECT_FALSE(c.Set("client-output-buffer-limit", bad).ok()) << bad;
  }
  EXPECT_EQ(c.output_limits().hard, 32 << 20);  // failures keep the old value
}

TEST(ConfigOutputLimit, ClassesMergeAndShowInBytes) {
  Config c;
  EXPECT_EQ(c.Get("client-output-buffer-limit")[0].second,
            "normal 0 0 0 slave 268435456 67108864 60 pubsub 33554432 8388608 60");
  EXPECT_EQ(c.output_limits(ClientClass::kPubSub).hard, 32 << 20);
  ASSERT_TRUE(c.Set("client-output-buffer-limit", "pubsub 1mb 512kb 5").ok());
  OutputBufferLimits p = c.output_limits(ClientClass::kPubSub);
  EXPECT_EQ(p.hard, 1 << 20);
  EXPECT_EQ(p.soft, 512 << 10);
  EXPECT_EQ(p.soft_seconds, 5);
  EXPECT_EQ(c.output_limits().hard, 0);  // the class not named keeps its value
  EXPECT_EQ(c.Get("client-output-buffer-limit")[0].second,
            "normal 0 0 0 slave 268435456 67108864 60 pubsub 1048576 524288 5");
}

TEST(ConfigKeyspaceEvents, CanonicalAndEffective) {
  Config c;
  EXPECT_EQ(c.notify_flags(), 0u);
  ASSERT_TRUE(c.Set("notify-keyspace-events", "KEA").ok());
  EXPECT_EQ(c.Get("notify-keyspace-events")[0].second, "AKE");
  EXPECT_NE(c.notify_flags() & kNotifyHash, 0u);
  ASSERT_TRUE(c.Set("notify-keyspace-events", "g").ok());  // neither K nor E: nothing sent
  EXPECT_EQ(c.notify_flags(), 0u);
  EXPECT_FALSE(c.Set("notify-keyspace-events", "KEQ").ok());
  EXPECT_EQ(c.Get("notify-keyspace-events")[0].second, "g");
}

TEST(ConfigTls, ProtocolsAndSettings) {
  Config c;
  TlsSettings d = c.tls();
  EXPECT_EQ(d.auth_clients, "yes");  // Redis's default
  EXPECT_EQ(d.protocols, "");
  EXPECT_EQ(c.tls_port, 0);
  for (const char* ok : {"TLSv1.2 TLSv1.3", "tlsv1.3", "TLSv1 TLSv1.1", "  TLSv1.2  ", ""}) {
    EXPECT_TRUE(c.Set("tls-protocols", ok, /*at_startup=*/true).ok()) << ok;
  }
  for (const char* bad : {"TLSv1.4", "SSLv3", "TLSv1.2,TLSv1.3", "TLSv1.2 x"}) {
    EXPECT_EQ(c.Set("tls-protocols", bad, /*at_startup=*/true).ToString(),
              "ERR CONFIG SET failed (possibly related to argument 'tls-protocols') - Invalid "
              "tls-protocols specified. Use a combination of 'TLSv1', 'TLSv1.1', 'TLSv1.2' and "
              "'TLSv1.3'.")
        << bad;
  }
  EXPECT_FALSE(c.Set("tls-auth-clients", "maybe", /*at_startup=*/true).ok());
  ASSERT_TRUE(c.Set("tls-auth-clients", "Optional", /*at_startup=*/true).ok());
  ASSERT_TRUE(c.Set("tls-cert-file", "/etc/mnemo/server.crt", /*at_startup=*/true).ok());
  TlsSettings s = c.tls();
  EXPECT_EQ(s.auth_clients, "optional");
  EXPECT_EQ(s.cert_file, "/etc/mnemo/server.crt");
  EXPECT_EQ(s.protocols, "");  // the last good value; the bad ones were not stored
  // Paths are read once at startup: not changeable by a client.
  EXPECT_FALSE(c.Set("tls-cert-file", "/tmp/evil.crt").ok());
  EXPECT_EQ(c.tls().cert_file, "/etc/mnemo/server.crt");
}

}  // namespace mnemo
