// libFuzzer target for the command layer: random command sequences against a whole server running
// in this process over a temporary RocksDB directory. The input is decoded into commands (names
// from the command table, arguments from a small dictionary or from the input itself), sent as
// one pipeline over a loopback connection, and every reply is read back. It must hold that:
//   - every command gets exactly one well-formed reply, in order, within a generous deadline
//     (a missing reply or a stalled connection aborts);
//   - every error reply starts with an upper-case code word ("ERR", "WRONGTYPE", "OOM", ...);
//   - the server survives: the sentinel ECHO sent after the sequence comes back unchanged.
// ASan/UBSan (in the fuzz build) catch memory errors meanwhile. Each input starts with FLUSHALL,
// so a crash reproduces from its input alone.
//
// Input layout: repeated [command byte][argc byte][args...]; an argument is one byte b:
//   b < 0xC0: dictionary word b % size (keys, numbers, options such as EX, NX, GET, MATCH);
//   0xC0..0xFD: a literal of (b - 0xC0) bytes taken from the input;
//   0xFE: two bytes n (big endian) then one byte c: c repeated n * 4 times (up to 256 KiB, so
//         the 64 KiB request limits and large values are reachable with short inputs);
//   0xFF: two bytes n (big endian): a literal of n bytes from the input.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cctype>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "commands/registry.h"
#include "config/config.h"
#include "server/server.h"

namespace mnemo {
namespace {

#define FUZZ_CHECK(cond, detail)                                                         \
  do {                                                                                   \
    if (!(cond)) {                                                                       \
      fprintf(stderr, "%s:%d: invariant violated: %s (%s)\n", __FILE__, __LINE__, #cond, \
              std::string(detail).c_str());                                              \
      abort();                                                                           \
    }                                                                                    \
  } while (0)

constexpr int kReplyTimeoutMs = 60000;  // generous: a slow sanitizer build on a busy machine
constexpr size_t kMaxCommands = 64;

// Commands that end the connection or the server, block, change where the server writes, or
// switch the protocol: sending them would stop the check rather than test anything.
bool Excluded(std::string_view name) {
  static const char* const kNames[] = {
      "shutdown",   "quit",       "hello",      "reset",    "monitor",  "sync",   "psync",
      "subscribe",  "psubscribe", "ssubscribe", "wait",     "waitaof",  "blpop",  "brpop",
      "brpoplpush", "blmove",     "blmpop",     "bzpopmin", "bzpopmax", "bzmpop", "xread",
      "xreadgroup", "debug",      "replicaof",  "slaveof",  "failover", "auth",   "multi",
      "exec",       "discard",    "watch",      "client",   "config"};
  for (const char* n : kNames) {
    if (name == n) return true;
  }
  // (P|S)UNSUBSCRIBE answer once per name (or once with none), not once per command.
  return name == "unsubscribe" || name == "punsubscribe" || name == "sunsubscribe";
}

// A command to send: its name (with a subcommand, space-separated) and its arity (Redis's
// convention, counting the words of the name; 0 = unknown).
struct Name {
  std::string words;
  int arity;
};

const std::vector<Name>& CommandNames() {
  static const std::vector<Name> names = [] {
    std::vector<Name> v;
    for (const CommandSpec* spec : CommandTable::Instance().All()) {
      if (!Excluded(spec->name)) v.push_back({spec->name, spec->arity});
    }
    // A few subcommand forms worth reaching directly, the safe ones of the excluded families.
    for (const char* s : {"client id", "client getname", "client setname", "client list",
                          "client info", "config get", "config resetstat"}) {
      v.push_back({s, 0});
    }
    return v;
  }();
  return names;
}

const char* const kWords[] = {"k1",
                              "k2",
                              "k3",
                              "{t}a",
                              "{t}b",
                              "",
                              "v",
                              "value",
                              "0",
                              "1",
                              "-1",
                              "2",
                              "10",
                              "100",
                              "1000",
                              "-100",
                              "3.5",
                              "1e3",
                              "nan",
                              "inf",
                              "-inf",
                              "9223372036854775807",
                              "-9223372036854775808",
                              "9223372036854775808",
                              "18446744073709551615",
                              "65536",
                              "65535",
                              "4294967296",
                              "EX",
                              "PX",
                              "EXAT",
                              "PXAT",
                              "NX",
                              "XX",
                              "GT",
                              "LT",
                              "GET",
                              "KEEPTTL",
                              "PERSIST",
                              "MATCH",
                              "COUNT",
                              "TYPE",
                              "string",
                              "*",
                              "k*",
                              "[a-",
                              "\\",
                              "ID",
                              "SKIPME",
                              "SAMPLES",
                              "memory",
                              "stats",
                              "keyspace",
                              "all",
                              "everything",
                              "MEMORY",
                              "USAGE",
                              "STATS",
                              "DOCTOR",
                              "MALLOC-STATS",
                              "PURGE",
                              "STATUS",
                              "INFO",
                              "LIST",
                              "TOP",
                              "DIFF",
                              "DUMP",
                              "ENABLE",
                              "DISABLE",
                              "FOR",
                              "SAMPLE",
                              "maxmemory",
                              "timeout",
                              "get",
                              "set",
                              "GETKEYS",
                              "DOCS",
                              "HELP",
                              "\r\n",
                              "a b",
                              "\"q\"",
                              "\x00\xff",
                              "-0",
                              "+1",
                              " 1",
                              "01"};

class Input {
 public:
  Input(const uint8_t* data, size_t size) : p_(data), end_(data + size) {}
  bool empty() const { return p_ == end_; }
  uint8_t Byte() { return p_ < end_ ? *p_++ : 0; }
  std::string Take(size_t n) {
    n = std::min(n, static_cast<size_t>(end_ - p_));
    std::string s(reinterpret_cast<const char*>(p_), n);
    p_ += n;
    return s;
  }

 private:
  const uint8_t* p_;
  const uint8_t* end_;
};

std::string Arg(Input& in) {
  uint8_t b = in.Byte();
  if (b < 0xC0) return kWords[b % (sizeof(kWords) / sizeof(kWords[0]))];
  if (b < 0xFE) return in.Take(b - 0xC0);
  size_t n = static_cast<size_t>(in.Byte()) << 8;
  n |= in.Byte();
  if (b == 0xFF) return in.Take(n);
  return std::string(n * 4, static_cast<char>(in.Byte()));
}

std::vector<std::vector<std::string>> Decode(const uint8_t* data, size_t size) {
  const std::vector<Name>& names = CommandNames();
  Input in(data, size);
  std::vector<std::vector<std::string>> cmds;
  while (!in.empty() && cmds.size() < kMaxCommands) {
    std::vector<std::string> cmd;
    const Name& name = names[in.Byte() % names.size()];
    std::string_view words = name.words;
    for (size_t sp; (sp = words.find(' ')) != std::string_view::npos; words.remove_prefix(sp + 1)) {
      cmd.emplace_back(words.substr(0, sp));
    }
    cmd.emplace_back(words);
    // argc byte: below 0x80, as many arguments as the arity asks for (a few more when it is
    // variable), so most commands get past their arity check; otherwise 0..7 of them.
    const uint8_t b = in.Byte();
    int argc = b % 8;
    if (b < 0x80 && name.arity != 0) {
      argc = name.arity > 0 ? name.arity - 1 : -name.arity - 1 + (b % 4) * 2;
    }
    for (; argc > 0; argc--) cmd.push_back(Arg(in));
    cmds.push_back(std::move(cmd));
  }
  return cmds;
}

void AppendCommand(std::string* out, const std::vector<std::string>& args) {
  *out += "*" + std::to_string(args.size()) + "\r\n";
  for (const std::string& a : args) *out += "$" + std::to_string(a.size()) + "\r\n" + a + "\r\n";
}

// A blocking loopback connection that reads whole replies, RESP2 or RESP3.
class Client {
 public:
  explicit Client(int port) {
    fd_ = socket(AF_INET, SOCK_STREAM, 0);
    FUZZ_CHECK(fd_ >= 0, strerror(errno));
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(static_cast<uint16_t>(port));
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    FUZZ_CHECK(connect(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0, strerror(errno));
    int one = 1;
    setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  }
  ~Client() { close(fd_); }

  // Sends everything while reading replies as they come (so a long pipeline cannot deadlock on
  // full socket buffers), and returns when `want` replies have been read.
  std::vector<std::string> Exchange(const std::string& req, size_t want) {
    std::vector<std::string> replies;
    size_t sent = 0;
    while (replies.size() < want) {
      pollfd p{fd_, static_cast<short>(POLLIN | (sent < req.size() ? POLLOUT : 0)), 0};
      int n = poll(&p, 1, kReplyTimeoutMs);
      FUZZ_CHECK(n > 0, "no reply within the deadline after " + std::to_string(replies.size()) +
                            " of " + std::to_string(want) + " replies");
      if ((p.revents & POLLOUT) && sent < req.size()) {
        ssize_t w = send(fd_, req.data() + sent, req.size() - sent, MSG_NOSIGNAL);
        FUZZ_CHECK(w > 0, strerror(errno));
        sent += static_cast<size_t>(w);
      }
      if (p.revents & (POLLIN | POLLHUP | POLLERR)) {
        char buf[65536];
        ssize_t r = recv(fd_, buf, sizeof buf, 0);
        FUZZ_CHECK(r > 0, "connection closed after " + std::to_string(replies.size()) + " of " +
                              std::to_string(want) + " replies");
        in_.append(buf, static_cast<size_t>(r));
        for (size_t end; replies.size() < want && (end = ReplyEnd(0)) != 0;) {
          replies.push_back(in_.substr(0, end));
          in_.erase(0, end);
        }
      }
    }
    FUZZ_CHECK(in_.empty(), "bytes after the last reply: " + in_.substr(0, 80));
    return replies;
  }

 private:
  // The end offset of the complete reply starting at `pos`, or 0 if more bytes are needed.
  // Aborts on a malformed reply.
  size_t ReplyEnd(size_t pos) {
    size_t eol = in_.find("\r\n", pos);
    if (eol == std::string::npos) return 0;
    FUZZ_CHECK(eol > pos, "empty reply line");
    const char type = in_[pos];
    const std::string line = in_.substr(pos + 1, eol - pos - 1);
    const size_t next = eol + 2;
    switch (type) {
      case '+':
      case ':':
      case '_':
      case ',':
      case '#':
      case '(':
        return next;
      case '-':
        FUZZ_CHECK(!line.empty() && isupper(static_cast<unsigned char>(line[0])), line);
        return next;
      case '$':
      case '=':
      case '!': {
        long long n = ParseLength(line);
        if (n < 0) return next;
        if (in_.size() < next + static_cast<size_t>(n) + 2) return 0;
        FUZZ_CHECK(in_.compare(next + n, 2, "\r\n") == 0, "bulk not ended by CRLF");
        return next + static_cast<size_t>(n) + 2;
      }
      case '*':
      case '~':
      case '>':
      case '%':
      case '|': {
        long long n = ParseLength(line);
        if (type == '%' || type == '|') n *= 2;
        size_t at = next;
        for (long long i = 0; i < n; i++) {
          at = ReplyEnd(at);
          if (at == 0) return 0;
        }
        return at;
      }
      default:
        FUZZ_CHECK(false, "unknown reply type byte " + std::to_string(type));
    }
    return 0;
  }

  static long long ParseLength(const std::string& s) {
    char* end = nullptr;
    long long n = strtoll(s.c_str(), &end, 10);
    FUZZ_CHECK(!s.empty() && *end == '\0' && n >= -1, "bad length " + s);
    return n;
  }

  int fd_ = -1;
  std::string in_;
};

Server* g_server = nullptr;
Client* g_client = nullptr;

void StartServer() {
  std::string dir =
      std::filesystem::temp_directory_path() / ("mnemo-command-fuzz-" + std::to_string(getpid()));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  auto* config = new Config;
  for (auto [k, v] : {std::pair<const char*, std::string>{"port", "0"},
                      {"bind", "127.0.0.1"},
                      {"dir", dir},
                      {"workers", "2"},
                      {"loglevel", "warning"}}) {
    Status s = config->Set(k, v, /*at_startup=*/true);
    FUZZ_CHECK(s.ok(), std::string(k) + ": " + s.message());
  }
  signal(SIGPIPE, SIG_IGN);
  g_server = new Server(config);  // never deleted: it serves until the process exits
  Status s = g_server->Start();
  FUZZ_CHECK(s.ok(), s.message());
  // Server::Run waits for SIGTERM/SIGINT with sigwait; block them in its threads only, so the
  // fuzzer's own handlers still get them.
  std::thread([] {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGUSR2);
    pthread_sigmask(SIG_BLOCK, &set, nullptr);
    g_server->Run();
  }).detach();
  g_client = new Client(g_server->port());
  static std::string dir_to_remove = dir;
  atexit([] {
    std::error_code ec;
    std::filesystem::remove_all(dir_to_remove, ec);
  });
}

// MNEMO_FUZZ_VERBOSE=1 prints every command and its reply (to read what a crashing input does).
void Print(const std::vector<std::vector<std::string>>& cmds,
           const std::vector<std::string>& replies) {
  for (size_t i = 0; i < cmds.size(); i++) {
    std::string line;
    for (const std::string& a : cmds[i]) line += (line.empty() ? "" : " ") + a.substr(0, 40);
    std::string reply = replies[i + 1].substr(0, 120);
    for (char& ch : reply) {
      if (ch == '\r' || ch == '\n') ch = ' ';
    }
    fprintf(stderr, "> %s\n< %s\n", line.c_str(), reply.c_str());
  }
}

}  // namespace
}  // namespace mnemo

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  mnemo::StartServer();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::vector<std::vector<std::string>> cmds = mnemo::Decode(data, size);
  static const std::string kSentinel = "fuzz-sentinel";
  std::string req;
  mnemo::AppendCommand(&req, {"FLUSHALL"});
  for (const auto& c : cmds) mnemo::AppendCommand(&req, c);
  mnemo::AppendCommand(&req, {"ECHO", kSentinel});
  const std::vector<std::string> replies = mnemo::g_client->Exchange(req, cmds.size() + 2);
  static const bool verbose = getenv("MNEMO_FUZZ_VERBOSE") != nullptr;
  if (verbose) mnemo::Print(cmds, replies);
  FUZZ_CHECK(replies.front() == "+OK\r\n", replies.front());
  FUZZ_CHECK(replies.back() == "$" + std::to_string(kSentinel.size()) + "\r\n" + kSentinel + "\r\n",
             replies.back());
  return 0;
}
