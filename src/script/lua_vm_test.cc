#include "script/lua_vm.h"

#include <gtest/gtest.h>

#include <string>

#include "script/script_engine.h"

namespace mnemo {
namespace {

// Answers every command with a canned reply and records what it was asked.
class FakeHost : public ScriptHost {
 public:
  void Call(std::vector<std::string>& args, RespVersion, std::string* reply) override {
    calls++;
    last = args;
    reply->append(canned);
  }
  ScriptOutcome ShouldStop() override {
    return calls >= kill_after_calls || hooks++ >= kill_after_hooks ? ScriptOutcome::kKilled
                                                                    : ScriptOutcome::kOk;
  }
  std::string canned = "+PONG\r\n";
  std::vector<std::string> last;
  int calls = 0;
  int hooks = 0;
  int kill_after_calls = 1 << 30;
  int kill_after_hooks = 1 << 30;
};

class LuaVmTest : public ::testing::Test {
 protected:
  // Compiles and runs `body`; returns the reply bytes.
  std::string Run(const std::string& body, ScriptOutcome* outcome = nullptr,
                  std::vector<std::string> keys = {}, std::vector<std::string> args = {}) {
    std::string sha = Sha1Hex(body);
    Status s = vm.Compile(sha, body);
    if (!s.ok()) return "compile: " + s.ToString();
    std::string out;
    Reply r(&out);
    ScriptOutcome o = vm.Run(sha, keys, args, &host, r);
    if (outcome != nullptr) *outcome = o;
    return out;
  }
  LuaVm vm;
  FakeHost host;
};

TEST_F(LuaVmTest, CompileErrorsUseRedisWords) {
  EXPECT_EQ(Run("syntax error here"),
            "compile: ERR Error compiling script (new function): user_script:1: '=' expected "
            "near 'error'");
}

TEST_F(LuaVmTest, CallsReachTheHostWithRedisArgumentConversions) {
  EXPECT_EQ(Run("return redis.call('ping', 'a', 1.5, 7, 0.1)"), "+PONG\r\n");
  EXPECT_EQ(host.last, (std::vector<std::string>{"ping", "a", "1.5", "7", "0.10000000000000001"}));
  EXPECT_EQ(Run("return {KEYS[1], ARGV[1], #KEYS, #ARGV}", nullptr, {"k"}, {"a", "b"}),
            "*4\r\n$1\r\nk\r\n$1\r\na\r\n:1\r\n:2\r\n");
  host.canned = "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n";
  std::string sha = Sha1Hex("return redis.call('get','k')");
  EXPECT_EQ(Run("return redis.call('get','k')"),
            "-WRONGTYPE Operation against a key holding the wrong kind of value script: " + sha +
                ", on @user_script:1.\r\n");
  EXPECT_EQ(Run("return redis.pcall('get','k')"),
            "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n");
  std::string bad = "return redis.call('get', {})";
  EXPECT_EQ(Run(bad), "-ERR Lua redis lib command arguments must be strings or integers script: " +
                          Sha1Hex(bad) + ", on @user_script:1.\r\n");
}

TEST_F(LuaVmTest, HelpersAsRedis) {
  EXPECT_EQ(Run("return redis.error_reply('My Error')"), "-My Error\r\n");
  EXPECT_EQ(Run("return redis.error_reply('E1').err"), "$6\r\nERR E1\r\n");
  EXPECT_EQ(Run("return redis.status_reply('FINE')"), "+FINE\r\n");
  EXPECT_EQ(Run("return redis.sha1hex('')"), "$40\r\nda39a3ee5e6b4b0d3255bfef95601890afd80709\r\n");
  EXPECT_EQ(Run("return redis.REDIS_VERSION_NUM"), ":458752\r\n");
  std::string e = "error('boom')";
  EXPECT_EQ(Run(e), "-ERR user_script:1: boom script: " + Sha1Hex(e) + ", on @user_script:1.\r\n");
  e = "error({err='X custom'})";
  EXPECT_EQ(Run(e), "-X custom script: " + Sha1Hex(e) + ", on @user_script:1.\r\n");
}

TEST_F(LuaVmTest, GlobalsAreReadOnlyAndTheSandboxIsClosed) {
  std::string e = "a = 5";
  EXPECT_EQ(Run(e), "-ERR user_script:1: Attempt to modify a readonly table script: " + Sha1Hex(e) +
                        ", on @user_script:1.\r\n");
  for (const char* g : {"os", "io", "require", "loadfile", "dofile", "debug", "package", "getfenv",
                        "setfenv", "print", "newproxy", "module"}) {
    std::string body = std::string("return ") + g;
    EXPECT_EQ(Run(body), std::string("-ERR user_script:1: Script attempted to access nonexistent "
                                     "global variable '") +
                             g + "' script: " + Sha1Hex(body) + ", on @user_script:1.\r\n")
        << g;
  }
  for (const char* body : {"string.x = 1", "redis.call = nil", "rawset(_G, 'x', 1)",
                           "setmetatable(_G, nil)", "table.insert(_G, 1)", "math.pi = 3",
                           "getmetatable('').__index.upper = nil", "cjson.x = 1"}) {
    EXPECT_NE(Run(body).find("Attempt to modify a readonly table"), std::string::npos) << body;
  }
  // Nothing a script did is seen by the next one, and reading through the proxies still works.
  EXPECT_EQ(Run("return string.upper('a') .. type(rawget(_G, 'redis'))"), "$6\r\nAtable\r\n");
  EXPECT_EQ(Run("local n = 0 for k in pairs(_G) do n = n + 1 end return n > 20"), ":1\r\n");
  EXPECT_EQ(Run("return ('x'):rep(3)"), "$3\r\nxxx\r\n");
  EXPECT_EQ(Run("return cjson.encode({1,2})"), "$5\r\n[1,2]\r\n");
  EXPECT_EQ(Run("return bit.band(7, 3)"), ":3\r\n");
}

TEST_F(LuaVmTest, RandomIsRedisGenerator) {
  // The values redis-server 7.0 answers for the same scripts; the state goes on from script
  // to script, as in Redis 7.
  const char* body = "math.randomseed(0) return {math.random(), math.random(10), math.random(5,9)}";
  EXPECT_EQ(Run(body), "*3\r\n:0\r\n:8\r\n:5\r\n");  // 0.17..., 0.749..., 0.096...
  EXPECT_EQ(Run("math.randomseed(7) return math.random(1000)"), ":267\r\n");
  std::string next = Run("return math.random(1000)");
  EXPECT_EQ(next, Run("math.randomseed(7) math.random() return math.random(1000)"));
}

TEST_F(LuaVmTest, MemoryBombIsStoppedAndTheStateRecovers) {
  vm.set_limit(8 << 20);
  ScriptOutcome o;
  std::string r = Run("local t = {} for i = 1, 1e9 do t[i] = string.rep('x', 1000) end", &o);
  EXPECT_EQ(o, ScriptOutcome::kOutOfMemory);
  EXPECT_NE(r.find("lua-memory-limit"), std::string::npos) << r;
  EXPECT_LT(vm.memory(), 4u << 20);
  // pcall does not save it either.
  Run("while true do pcall(function() local t = {} for i = 1, 1e9 do t[i] = {} end end) end", &o);
  EXPECT_EQ(o, ScriptOutcome::kOutOfMemory);
  EXPECT_EQ(Run("return 1"), ":1\r\n");
}

TEST_F(LuaVmTest, KillStopsLoopsThatCatchErrors) {
  host.kill_after_hooks = 3;
  ScriptOutcome o;
  std::string body = "while true do pcall(function() while true do end end) end";
  std::string r = Run(body, &o);
  EXPECT_EQ(o, ScriptOutcome::kKilled);
  EXPECT_EQ(r, "-ERR Script killed by user with SCRIPT KILL... script: " + Sha1Hex(body) +
                   ", on @user_script:1.\r\n");
  host.hooks = 0;
  Run("local co = coroutine.create(function() while true do end end) "
      "while true do coroutine.resume(co) end",
      &o);
  EXPECT_EQ(o, ScriptOutcome::kKilled);
}

}  // namespace
}  // namespace mnemo
