// The scripting environment of lua_vm.h: libraries, removed globals, read-only globals and
// library tables, Redis's error handler and random generator.
//
// Read-only tables without Redis's patched Lua: the globals table of the state, and every
// library table, is an empty proxy whose metatable reads through to the real table and refuses
// new fields (__newindex), so no assignment can reach the real one. The real globals table is
// reachable only from the registry. rawset, setmetatable and table.insert/remove/sort/setn
// refuse a proxy; rawget, next and pairs read through it, so pairs(_G) still lists the
// globals. The string metatable's __index is the string proxy and its __metatable a proxy of it.
#include <cmath>
#include <cstdlib>
#include <cstring>

#include "script/lua.h"
#include "script/lua_cmsgpack.h"
#include "script/lua_vm.h"

namespace mnemo {
namespace {

const char* const kReadonlyError = "Attempt to modify a readonly table";

// The real table behind the read-only proxy at `index`, pushed; nothing pushed when the value
// there is no proxy (returns false).
bool PushReal(lua_State* L, int index) {
  if (!lua_istable(L, index)) return false;
  lua_getfield(L, LUA_REGISTRYINDEX, kRegistryReadonly);
  lua_pushvalue(L, index);
  lua_rawget(L, -2);
  lua_remove(L, -2);
  if (lua_istable(L, -1)) return true;
  lua_pop(L, 1);
  return false;
}

// __newindex of every proxy: the error carries the script's position, as Redis's VM check.
int NewIndexError(lua_State* L) { return luaL_error(L, "%s", kReadonlyError); }

// __index of the real globals: reading an unset global is an error.
int MissingGlobalError(lua_State* L) {
  if (!lua_isstring(L, 2)) {
    return luaL_error(L, "Second argument to luaProtectedTableError must be a string or number");
  }
  return luaL_error(L, "Script attempted to access nonexistent global variable '%s'",
                    lua_tostring(L, 2));
}

// Wraps upvalue 1 (a function taking a table first): refuses a read-only proxy, without a
// position (as Redis's rawset and setmetatable do).
int RefuseReadonly(lua_State* L) {
  if (PushReal(L, 1)) {
    lua_pushstring(L, kReadonlyError);
    return lua_error(L);
  }
  int n = lua_gettop(L);
  lua_pushvalue(L, lua_upvalueindex(1));
  lua_insert(L, 1);
  lua_call(L, n, LUA_MULTRET);
  return lua_gettop(L);
}

// Wraps upvalue 1 (rawget, next): a read-only proxy as first argument becomes its real table.
int ReadThrough(lua_State* L) {
  if (PushReal(L, 1)) lua_replace(L, 1);
  int n = lua_gettop(L);
  lua_pushvalue(L, lua_upvalueindex(1));
  lua_insert(L, 1);
  lua_call(L, n, LUA_MULTRET);
  return lua_gettop(L);
}

// pairs(t): the wrapped next (upvalue 1), t, nil.
int Pairs(lua_State* L) {
  luaL_checktype(L, 1, LUA_TTABLE);
  lua_pushvalue(L, lua_upvalueindex(1));
  lua_pushvalue(L, 1);
  lua_pushnil(L);
  return 3;
}

// Wraps upvalue 1 (pcall, xpcall, coroutine.resume): a stopped script stays stopped even when
// the script catches the error.
int ReraiseStop(lua_State* L) {
  int n = lua_gettop(L);
  lua_pushvalue(L, lua_upvalueindex(1));
  lua_insert(L, 1);
  lua_call(L, n, LUA_MULTRET);
  LuaVm* vm = LuaVm::From(L);
  if (vm->stopping()) return vm->RaiseStop(L);
  return lua_gettop(L);
}

// pcall as Redis 7 wraps it: an error table {err = s} caught by the script becomes the string s.
int PCall(lua_State* L) {
  int n = lua_gettop(L);
  lua_pushvalue(L, lua_upvalueindex(1));
  lua_insert(L, 1);
  lua_call(L, n, LUA_MULTRET);
  LuaVm* vm = LuaVm::From(L);
  if (vm->stopping()) return vm->RaiseStop(L);
  if (lua_gettop(L) == 2 && !lua_toboolean(L, 1) && lua_istable(L, 2)) {
    lua_getfield(L, 2, "err");
    if (lua_isstring(L, -1)) {
      lua_replace(L, 2);
    } else {
      lua_pop(L, 1);
    }
  }
  return lua_gettop(L);
}

// Redis's math.random / math.randomseed over its drand48 generator (glibc's nrand48 with the
// VM's own state is the same sequence).
int MathRandom(lua_State* L) {
  constexpr double kMax = 2147483647.0;  // REDIS_LRAND48_MAX
  double r = static_cast<double>(nrand48(LuaVm::From(L)->rand_state()) % 2147483647L) / kMax;
  switch (lua_gettop(L)) {
    case 0:
      lua_pushnumber(L, r);
      break;
    case 1: {
      int u = luaL_checkint(L, 1);
      luaL_argcheck(L, 1 <= u, 1, "interval is empty");
      lua_pushnumber(L, floor(r * u) + 1);
      break;
    }
    case 2: {
      int l = luaL_checkint(L, 1);
      int u = luaL_checkint(L, 2);
      luaL_argcheck(L, l <= u, 2, "interval is empty");
      lua_pushnumber(L, floor(r * (u - l + 1)) + l);
      break;
    }
    default:
      return luaL_error(L, "wrong number of arguments");
  }
  return 1;
}

int MathRandomSeed(lua_State* L) {
  auto seed = static_cast<uint32_t>(luaL_checkint(L, 1));
  unsigned short* s = LuaVm::From(L)->rand_state();
  s[0] = 0x330E;
  s[1] = static_cast<unsigned short>(seed & 0xffff);
  s[2] = static_cast<unsigned short>(seed >> 16);
  return 0;
}

// Replaces t[name] (t at the top) by `fn` with the old value as its upvalue.
void WrapField(lua_State* L, const char* name, lua_CFunction fn) {
  lua_getfield(L, -1, name);
  lua_pushcclosure(L, fn, 1);
  lua_setfield(L, -2, name);
}

void OpenLibraries(lua_State* L) {
  const std::pair<const char*, lua_CFunction> libs[] = {{"", luaopen_base},
                                                        {LUA_TABLIBNAME, luaopen_table},
                                                        {LUA_STRLIBNAME, luaopen_string},
                                                        {LUA_MATHLIBNAME, luaopen_math}};
  for (auto& [name, open] : libs) {
    lua_pushcfunction(L, open);
    lua_pushstring(L, name);
    lua_call(L, 1, 0);
  }
  lua_pushcfunction(L, luaopen_cjson);
  lua_call(L, 0, 1);
  lua_setglobal(L, "cjson");
  lua_pushcfunction(L, luaopen_bit);
  lua_call(L, 0, 1);
  lua_setglobal(L, "bit");
  OpenCmsgpack(L);
  lua_newtable(L);
  RegisterRedisLib(L);
  lua_setglobal(L, "redis");
}

// Redis's __redis__err__handler, kept in the registry: it turns any error into {err = ...}
// with the position of the Lua code that raised it (the caller's, for a C function). Written in
// C so that no hook fires inside it (a stopped script's hook raises at every instruction).
int ErrorHandler(lua_State* L) {
  lua_Debug ar;
  bool found = lua_getstack(L, 1, &ar) != 0 && lua_getinfo(L, "Sl", &ar) != 0;
  if (found && strcmp(ar.what, "C") == 0) {
    found = lua_getstack(L, 2, &ar) != 0 && lua_getinfo(L, "Sl", &ar) != 0;
  }
  lua_settop(L, 1);
  if (!lua_istable(L, 1)) {
    lua_getfield(L, LUA_REGISTRYINDEX, kRegistryToString);
    lua_pushvalue(L, 1);
    lua_call(L, 1, 1);
    lua_newtable(L);
    lua_pushfstring(L, "ERR %s", lua_tostring(L, -2));
    lua_setfield(L, -2, "err");
    lua_replace(L, 1);
    lua_settop(L, 1);
  }
  if (found) {
    lua_pushstring(L, ar.source);
    lua_setfield(L, 1, "source");
    lua_pushinteger(L, ar.currentline);
    lua_setfield(L, 1, "line");
  }
  return 1;
}

void InstallErrorHandler(lua_State* L) {
  lua_getglobal(L, "tostring");
  lua_setfield(L, LUA_REGISTRYINDEX, kRegistryToString);
  lua_pushcfunction(L, ErrorHandler);
  lua_setfield(L, LUA_REGISTRYINDEX, kRegistryErrorHandler);
}

void RemoveGlobals(lua_State* L) {
  for (const char* name : {"dofile", "loadfile", "getfenv", "setfenv", "print", "newproxy",
                           "module", "require", "package", "io", "os", "debug"}) {
    lua_pushnil(L);
    lua_setglobal(L, name);
  }
}

// Pushes a read-only proxy of the table at `index`, and records it in the registry.
void PushProxy(lua_State* L, int index) {
  index = index < 0 ? lua_gettop(L) + index + 1 : index;
  lua_newtable(L);  // the proxy
  lua_newtable(L);  // its metatable
  lua_pushvalue(L, index);
  lua_setfield(L, -2, "__index");
  lua_pushcfunction(L, NewIndexError);
  lua_setfield(L, -2, "__newindex");
  lua_newtable(L);  // getmetatable(proxy): an empty table, itself read-only
  lua_pushcfunction(L, NewIndexError);
  lua_setfield(L, -2, "__newindex");
  lua_setfield(L, -2, "__metatable");
  lua_setmetatable(L, -2);
  lua_getfield(L, LUA_REGISTRYINDEX, kRegistryReadonly);
  lua_pushvalue(L, -2);
  lua_pushvalue(L, index);
  lua_rawset(L, -3);
  lua_pop(L, 1);
}

void ProtectLibraries(lua_State* L) {
  lua_newtable(L);
  lua_setfield(L, LUA_REGISTRYINDEX, kRegistryReadonly);
  lua_pushvalue(L, LUA_GLOBALSINDEX);  // the real globals
  WrapField(L, "rawset", RefuseReadonly);
  WrapField(L, "setmetatable", RefuseReadonly);
  WrapField(L, "rawget", ReadThrough);
  WrapField(L, "next", ReadThrough);
  lua_getfield(L, -1, "next");
  lua_pushcclosure(L, Pairs, 1);
  lua_setfield(L, -2, "pairs");
  WrapField(L, "pcall", PCall);
  WrapField(L, "xpcall", ReraiseStop);
  lua_getfield(L, -1, "coroutine");
  WrapField(L, "resume", ReraiseStop);
  lua_pop(L, 1);
  lua_getfield(L, -1, "table");
  for (const char* f : {"insert", "remove", "sort", "setn"}) WrapField(L, f, RefuseReadonly);
  lua_pop(L, 1);
  lua_getfield(L, -1, "math");
  lua_pushcfunction(L, MathRandom);
  lua_setfield(L, -2, "random");
  lua_pushcfunction(L, MathRandomSeed);
  lua_setfield(L, -2, "randomseed");
  lua_pop(L, 1);
  for (const char* lib :
       {"string", "table", "math", "coroutine", "redis", "cjson", "bit", "cmsgpack"}) {
    lua_getfield(L, -1, lib);
    PushProxy(L, -1);
    lua_setfield(L, -3, lib);
    lua_pop(L, 1);
  }
  // Strings' metatable: methods through the string proxy; getmetatable("") gives a proxy.
  lua_pushstring(L, "");
  lua_getmetatable(L, -1);
  lua_getfield(L, -3, "string");
  lua_setfield(L, -2, "__index");
  PushProxy(L, -1);
  lua_setfield(L, -2, "__metatable");
  lua_pop(L, 2);
}

}  // namespace

void SetUpSandbox(lua_State* L) {
  OpenLibraries(L);
  InstallErrorHandler(L);
  RemoveGlobals(L);
  ProtectLibraries(L);  // leaves the real globals table at the top
  // Reading an unset global fails; the globals table scripts see is a proxy of the real one.
  lua_newtable(L);
  lua_pushcfunction(L, MissingGlobalError);
  lua_setfield(L, -2, "__index");
  lua_setmetatable(L, -2);
  lua_pushvalue(L, -1);
  lua_setfield(L, LUA_REGISTRYINDEX, kRegistryGlobals);
  PushProxy(L, -1);
  lua_pushvalue(L, -1);
  lua_setfield(L, -3, "_G");
  lua_replace(L, LUA_GLOBALSINDEX);
  lua_pop(L, 1);
}

}  // namespace mnemo
