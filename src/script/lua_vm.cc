#include "script/lua_vm.h"

#include <cstdlib>
#include <cstring>

#include "script/lua.h"
#include "script/lua_convert.h"

namespace mnemo {
namespace {

// Room given to the state past its limit once a script is being stopped for memory, so that
// the error can be raised and handled (the handler adds fields to it) before the state unwinds.
constexpr uint64_t kStopSlackBytes = 1 << 20;

// Pushes registry[key].
void PushRegistry(lua_State* L, const char* key) { lua_getfield(L, LUA_REGISTRYINDEX, key); }

}  // namespace

LuaVm::LuaVm() {
  L_ = lua_newstate(&LuaVm::Alloc, this);
  lua_pushlightuserdata(L_, this);
  lua_setfield(L_, LUA_REGISTRYINDEX, kRegistryVm);
  lua_newtable(L_);
  lua_setfield(L_, LUA_REGISTRYINDEX, kRegistryScripts);
  SetUpSandbox(L_);
  lua_sethook(L_, &LuaVm::Hook, LUA_MASKCOUNT, kHookInstructions);
  lua_gc(L_, LUA_GCCOLLECT, 0);
}

LuaVm::~LuaVm() { lua_close(L_); }

LuaVm* LuaVm::From(lua_State* L) {
  PushRegistry(L, kRegistryVm);
  auto* vm = static_cast<LuaVm*>(lua_touserdata(L, -1));
  lua_pop(L, 1);
  return vm;
}

void* LuaVm::Alloc(void* ud, void* ptr, size_t osize, size_t nsize) {
  auto* vm = static_cast<LuaVm*>(ud);
  uint64_t held = vm->bytes_.load(std::memory_order_relaxed);
  if (nsize == 0) {
    free(ptr);
    vm->bytes_.store(held - osize, std::memory_order_relaxed);
    return nullptr;
  }
  if (nsize > osize && vm->limited_) {
    uint64_t limit = vm->limit_;
    if (vm->stop_ == Outcome::kOutOfMemory) limit += kStopSlackBytes;
    if (held + (nsize - osize) > limit) {
      // Lua raises "not enough memory"; Stop makes sure no pcall keeps the script going.
      if (vm->stop_ == Outcome::kOk) vm->Stop(Outcome::kOutOfMemory);
      return nullptr;
    }
  }
  void* p = realloc(ptr, nsize);
  if (p == nullptr) return nullptr;
  vm->bytes_.store(held - osize + nsize, std::memory_order_relaxed);
  return p;
}

void LuaVm::Stop(Outcome why) {
  stop_ = why;
  // From now on the hook fires at every instruction of the main thread and raises again.
  lua_sethook(L_, &LuaVm::Hook, LUA_MASKCOUNT, 1);
}

int LuaVm::RaiseStop(lua_State* L) {
  lua_newtable(L);
  lua_pushstring(L, stop_ == Outcome::kKilled ? "ERR Script killed by user with SCRIPT KILL..."
                    : stop_ == Outcome::kOutOfMemory ? "ERR not enough memory"
                                                     : "ERR the script was stopped");
  lua_setfield(L, -2, "err");
  return lua_error(L);
}

void LuaVm::Hook(lua_State* L, lua_Debug*) {
  LuaVm* vm = From(L);
  if (vm->stop_ == Outcome::kOk && vm->host_ != nullptr) {
    Outcome why = vm->host_->ShouldStop();
    if (why != Outcome::kOk) vm->Stop(why);
  }
  if (vm->stop_ != Outcome::kOk) vm->RaiseStop(L);
}

Status LuaVm::Compile(const std::string& sha, std::string_view body) {
  limited_ = true;
  stop_ = Outcome::kOk;
  int rc = luaL_loadbuffer(L_, body.data(), body.size(), "@user_script");
  limited_ = false;
  if (rc != 0) {
    std::string msg = lua_tostring(L_, -1) != nullptr ? lua_tostring(L_, -1) : "error";
    lua_pop(L_, 1);
    stop_ = Outcome::kOk;
    lua_sethook(L_, &LuaVm::Hook, LUA_MASKCOUNT, kHookInstructions);
    lua_gc(L_, LUA_GCCOLLECT, 0);
    return Status::InvalidArgument("Error compiling script (new function): " + msg);
  }
  PushRegistry(L_, kRegistryScripts);
  lua_pushlstring(L_, sha.data(), sha.size());
  lua_pushvalue(L_, -3);
  lua_rawset(L_, -3);
  lua_pop(L_, 2);
  return Status::OK();
}

bool LuaVm::Has(const std::string& sha) {
  PushRegistry(L_, kRegistryScripts);
  lua_pushlstring(L_, sha.data(), sha.size());
  lua_rawget(L_, -2);
  bool found = lua_isfunction(L_, -1);
  lua_pop(L_, 2);
  return found;
}

void LuaVm::Drop(const std::string& sha) {
  PushRegistry(L_, kRegistryScripts);
  lua_pushlstring(L_, sha.data(), sha.size());
  lua_pushnil(L_);
  lua_rawset(L_, -3);
  lua_pop(L_, 1);
}

void LuaVm::DropAll() {
  lua_newtable(L_);
  lua_setfield(L_, LUA_REGISTRYINDEX, kRegistryScripts);
  lua_gc(L_, LUA_GCCOLLECT, 0);
}

void LuaVm::SetArray(const char* name, const std::vector<std::string>& items) {
  PushRegistry(L_, kRegistryGlobals);
  lua_createtable(L_, static_cast<int>(items.size()), 0);
  for (size_t i = 0; i < items.size(); i++) {
    lua_pushlstring(L_, items[i].data(), items[i].size());
    lua_rawseti(L_, -2, static_cast<int>(i + 1));
  }
  lua_setfield(L_, -2, name);  // the real globals table has no __newindex
  lua_pop(L_, 1);
}

namespace {

struct ConvertArgs {
  Reply* reply;
  RespVersion script_resp;
  size_t max_bytes;
  bool fits;
};

// Converts its first argument; the second is the ConvertArgs (a light userdata).
int ConvertProtected(lua_State* L) {
  auto* a = static_cast<ConvertArgs*>(lua_touserdata(L, 2));
  lua_pop(L, 1);
  a->fits = WriteLuaReply(L, *a->reply, a->script_resp, a->max_bytes);
  return 0;
}

}  // namespace

LuaVm::Outcome LuaVm::Run(const std::string& sha, const std::vector<std::string>& keys,
                          const std::vector<std::string>& args, ScriptHost* host, Reply& reply) {
  SetArray("KEYS", keys);
  SetArray("ARGV", args);
  script_resp_ = RespVersion::kResp2;
  host_ = host;
  stop_ = Outcome::kOk;
  lua_settop(L_, 0);
  PushRegistry(L_, kRegistryErrorHandler);
  PushRegistry(L_, kRegistryScripts);
  lua_pushlstring(L_, sha.data(), sha.size());
  lua_rawget(L_, -2);
  lua_remove(L_, -2);
  limited_ = true;
  int rc = lua_pcall(L_, 0, 1, 1);
  limited_ = false;
  Outcome outcome = stop_ != Outcome::kOk ? stop_ : rc == 0 ? Outcome::kOk : Outcome::kError;
  size_t start = reply.size();
  if (outcome == Outcome::kWriteLimit || outcome == Outcome::kRetry) {
    // the engine answers
  } else if (outcome == Outcome::kOutOfMemory) {
    reply.Error(
        "ERR the script exceeded 'lua-memory-limit' and was stopped; none of its writes were "
        "applied");
  } else if (rc != 0) {
    ReplyRunError(sha, reply);
  } else {
    // The result converts inside a protected call: the conversion allocates Lua strings.
    ConvertArgs a{&reply, script_resp_, static_cast<size_t>(limit_), true};
    lua_pushcfunction(L_, &ConvertProtected);
    lua_insert(L_, -2);
    lua_pushlightuserdata(L_, &a);
    if (lua_pcall(L_, 2, 0, 0) != 0 || !a.fits) {
      reply.buffer()->resize(start);
      reply.Error(
          "ERR the script's reply exceeded 'lua-memory-limit'; none of its writes were applied");
      outcome = Outcome::kReplyTooLarge;
    }
  }
  host_ = nullptr;
  stop_ = Outcome::kOk;
  lua_sethook(L_, &LuaVm::Hook, LUA_MASKCOUNT, kHookInstructions);
  lua_settop(L_, 0);
  SetArray("KEYS", {});
  SetArray("ARGV", {});
  if (outcome != Outcome::kOk && outcome != Outcome::kError) lua_gc(L_, LUA_GCCOLLECT, 0);
  return outcome;
}

void LuaVm::ReplyRunError(const std::string& sha, Reply& reply) {
  // The handler (lua_sandbox.cc) turned the error into {err=, source=, line=}, as Redis's
  // __redis__err__handler does; a memory error skips the handler and stays a string.
  if (!lua_istable(L_, -1)) {
    const char* msg = lua_tostring(L_, -1);
    reply.Error(std::string("ERR Error running script ") + sha + ", " +
                std::string(msg != nullptr ? msg : "execution failure").substr(0, 100));
    return;
  }
  lua_getfield(L_, -1, "err");
  lua_getfield(L_, -2, "source");
  lua_getfield(L_, -3, "line");
  std::string msg = lua_isstring(L_, -3) ? lua_tostring(L_, -3) : "";
  if (lua_isstring(L_, -2) && lua_isnumber(L_, -1)) {
    msg += std::string(" script: ") + sha + ", on " + lua_tostring(L_, -2) + ":" +
           std::to_string(lua_tointeger(L_, -1)) + ".";
  }
  lua_pop(L_, 3);
  reply.Error(msg);
}

}  // namespace mnemo
