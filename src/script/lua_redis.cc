// The `redis` table of lua_vm.h, with Redis 7.0's arguments, results and error texts.
//
// No C++ object with a destructor is alive across a Lua call that may raise: redis.call keeps
// its arguments and reply in the VM's reusable buffers.
#include <openssl/evp.h>

#include <cstdio>
#include <cstring>

#include "common/log.h"
#include "common/version.h"
#include "script/lua.h"
#include "script/lua_convert.h"
#include "script/lua_vm.h"

namespace mnemo {
namespace {

// Pushes {err = "<code> <message>"} the way Redis's luaPushErrorBuff builds it: "-CODE msg"
// keeps its code, anything else gets "ERR ".
void PushError(lua_State* L, const char* text) {
  lua_newtable(L);
  if (text[0] == '-') {
    const char* space = strchr(text, ' ');
    if (space == nullptr) {
      lua_pushfstring(L, "ERR %s", text + 1);
    } else {
      lua_pushlstring(L, text + 1, static_cast<size_t>(space - text - 1));
      lua_pushfstring(L, " %s", space + 1);
      lua_concat(L, 2);
    }
  } else {
    lua_pushfstring(L, "ERR %s", text);
  }
  lua_setfield(L, -2, "err");
}

int RaiseError(lua_State* L, const char* text) {
  PushError(L, text);
  return lua_error(L);
}

// redis.call (raise = true) and redis.pcall.
int GenericCall(lua_State* L, bool raise) {
  LuaVm* vm = LuaVm::From(L);
  int argc = lua_gettop(L);
  if (argc == 0) {
    PushError(L, "Please specify at least one argument for this redis lib call");
    return raise ? lua_error(L) : 1;
  }
  std::vector<std::string>& args = vm->call_args();
  args.resize(static_cast<size_t>(argc));
  for (int j = 1; j <= argc; j++) {
    if (lua_type(L, j) == LUA_TNUMBER) {
      char buf[64];  // %.17g: lua_tostring's %.14g would lose precision
      int n = snprintf(buf, sizeof(buf), "%.17g", static_cast<double>(lua_tonumber(L, j)));
      args[j - 1].assign(buf, static_cast<size_t>(n));
      continue;
    }
    size_t len = 0;
    const char* s = lua_type(L, j) == LUA_TSTRING ? lua_tolstring(L, j, &len) : nullptr;
    if (s == nullptr) {
      args.clear();
      PushError(L, "Lua redis lib command arguments must be strings or integers");
      return raise ? lua_error(L) : 1;
    }
    args[j - 1].assign(s, len);
  }
  lua_settop(L, 0);
  std::string& reply = vm->call_reply();
  reply.clear();
  vm->host()->Call(args, vm->script_resp(), &reply);
  args.clear();
  if (ScriptOutcome why = vm->host()->ShouldStop(); why != ScriptOutcome::kOk) {
    vm->Stop(why);
    return vm->RaiseStop(L);
  }
  size_t pos = 0;
  PushRespReply(L, reply.data(), reply.size(), &pos);
  if (raise && !reply.empty() && reply[0] == '-') return lua_error(L);
  return 1;
}

int Call(lua_State* L) { return GenericCall(L, true); }
int PCall(lua_State* L) { return GenericCall(L, false); }

// {field = the one string argument}, or the "wrong number or type" error table.
int SingleFieldTable(lua_State* L, const char* field) {
  if (lua_gettop(L) != 1 || lua_type(L, -1) != LUA_TSTRING) {
    PushError(L, "wrong number or type of arguments");
    return 1;
  }
  lua_newtable(L);
  lua_pushvalue(L, -2);
  lua_setfield(L, -2, field);
  return 1;
}

int ErrorReply(lua_State* L) {
  if (lua_gettop(L) != 1 || lua_type(L, -1) != LUA_TSTRING) {
    PushError(L, "wrong number or type of arguments");
    return 1;
  }
  const char* err = lua_tostring(L, -1);
  if (err[0] == '-') {
    PushError(L, err);
  } else {
    lua_pushfstring(L, "-%s", err);
    PushError(L, lua_tostring(L, -1));
  }
  return 1;
}

int StatusReply(lua_State* L) { return SingleFieldTable(L, "ok"); }

int Sha1Hex(lua_State* L) {
  if (lua_gettop(L) != 1) return RaiseError(L, "wrong number of arguments");
  size_t len = 0;
  const char* s = lua_tolstring(L, 1, &len);
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int md_len = 0;
  EVP_Digest(s != nullptr ? s : "", s != nullptr ? len : 0, md, &md_len, EVP_sha1(), nullptr);
  char hex[2 * EVP_MAX_MD_SIZE + 1];
  for (unsigned int i = 0; i < md_len; i++) snprintf(hex + 2 * i, 3, "%02x", md[i]);
  lua_pushlstring(L, hex, 2 * md_len);
  return 1;
}

int LogCommand(lua_State* L) {
  int argc = lua_gettop(L);
  if (argc < 2) return RaiseError(L, "redis.log() requires two arguments or more.");
  if (!lua_isnumber(L, 1)) return RaiseError(L, "First argument must be a number (log level).");
  int level = static_cast<int>(lua_tonumber(L, 1));
  if (level < 0 || level > 3) return RaiseError(L, "Invalid debug level.");
  // Glue the arguments together (as Redis does), in a Lua buffer: it frees itself on a raise.
  luaL_Buffer b;
  luaL_buffinit(L, &b);
  for (int j = 2; j <= argc; j++) {
    size_t len = 0;
    const char* s = lua_tolstring(L, j, &len);
    if (s == nullptr) continue;
    if (j != 2) luaL_addchar(&b, ' ');
    luaL_addlstring(&b, s, len);
  }
  luaL_pushresult(&b);
  Log(static_cast<LogLevel>(level), "%s", lua_tostring(L, -1));
  return 0;
}

int SetResp(lua_State* L) {
  if (lua_gettop(L) != 1) return RaiseError(L, "redis.setresp() requires one argument.");
  int resp = static_cast<int>(lua_tonumber(L, 1));
  if (resp != 2 && resp != 3) return RaiseError(L, "RESP version must be 2 or 3.");
  LuaVm::From(L)->set_script_resp(resp == 2 ? RespVersion::kResp2 : RespVersion::kResp3);
  return 0;
}

// Replication and debugging: Mnemo replicates no commands and has no script debugger, so these
// keep Redis's answers and do nothing (replicate_commands: true; breakpoint: false).
int ReturnTrue(lua_State* L) {
  lua_pushboolean(L, 1);
  return 1;
}
int ReturnFalse(lua_State* L) {
  lua_pushboolean(L, 0);
  return 1;
}
int DoNothing(lua_State*) { return 0; }

int VersionNumber() {
  int major = 0, minor = 0, patch = 0;
  sscanf(kRedisCompatVersion, "%d.%d.%d", &major, &minor, &patch);
  return (major << 16) | (minor << 8) | patch;
}

}  // namespace

void RegisterRedisLib(lua_State* L) {
  const std::pair<const char*, lua_CFunction> functions[] = {{"call", Call},
                                                             {"pcall", PCall},
                                                             {"error_reply", ErrorReply},
                                                             {"status_reply", StatusReply},
                                                             {"sha1hex", Sha1Hex},
                                                             {"log", LogCommand},
                                                             {"setresp", SetResp},
                                                             {"replicate_commands", ReturnTrue},
                                                             {"set_repl", DoNothing},
                                                             {"breakpoint", ReturnFalse},
                                                             {"debug", DoNothing}};
  for (auto& [name, fn] : functions) {
    lua_pushcfunction(L, fn);
    lua_setfield(L, -2, name);
  }
  const std::pair<const char*, int> constants[] = {
      {"LOG_DEBUG", 0},  {"LOG_VERBOSE", 1},
      {"LOG_NOTICE", 2}, {"LOG_WARNING", 3},
      {"REPL_NONE", 0},  {"REPL_AOF", 1},
      {"REPL_SLAVE", 2}, {"REPL_REPLICA", 2},
      {"REPL_ALL", 3},   {"REDIS_VERSION_NUM", VersionNumber()}};
  for (auto& [name, value] : constants) {
    lua_pushinteger(L, value);
    lua_setfield(L, -2, name);
  }
  lua_pushstring(L, kRedisCompatVersion);
  lua_setfield(L, -2, "REDIS_VERSION");
}

}  // namespace mnemo
