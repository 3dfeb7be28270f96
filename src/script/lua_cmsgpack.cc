#include "script/lua_cmsgpack.h"

#include <cstring>
#include <initializer_list>

#include "script/lua.h"

namespace mnemo {
namespace {

// lua-messagepack's `require`: only the standard libraries it names.
int RequireStandard(lua_State* L) {
  const char* name = luaL_checkstring(L, 1);
  for (const char* lib : {"string", "math", "table"}) {
    if (strcmp(name, lib) == 0) {
      lua_getglobal(L, lib);
      return 1;
    }
  }
  return luaL_error(L, "module '%s' not found", name);
}

// Calls the Lua function in upvalue 1 with the arguments. Its own errors ({cmsgpack_error =
// message}) are raised from here as luaL_error raises Redis's: with the calling script's
// position in front; any other error (a stopped script) goes on unchanged.
int CallFromC(lua_State* L) {
  int n = lua_gettop(L);
  lua_pushvalue(L, lua_upvalueindex(1));
  lua_insert(L, 1);
  if (lua_pcall(L, n, LUA_MULTRET, 0) == 0) return lua_gettop(L);
  if (lua_istable(L, -1)) {
    lua_getfield(L, -1, "cmsgpack_error");
    if (lua_isstring(L, -1)) return luaL_error(L, "%s", lua_tostring(L, -1));
    lua_pop(L, 1);
  }
  return lua_error(L);
}

// Loads `source` as chunk `name` and calls it with the value at the top as its one argument
// (popped), leaving `results` values.
void RunChunk(lua_State* L, const char* source, const char* name, int results) {
  if (luaL_loadbuffer(L, source, strlen(source), name) != 0) lua_error(L);
  lua_insert(L, -2);
  lua_call(L, 1, results);
}

// Redis's decoder knows no bin (0xC4-0xC6) nor ext (0xC7-0xC9, 0xD4-0xD8) forms: it answers
// "Bad data format in input." for them. lua-messagepack's table of decoders is an upvalue of
// its unpack_cursor; without those entries its lookup raises "unpack '0xc4' is
// unimplemented", which lua_cmsgpack.lua turns into Redis's error. REQUIRES: the module at the
// top.
void DropBinaryAndExtDecoders(lua_State* L) {
  lua_getfield(L, -1, "unpack_cursor");
  for (int i = 1;; i++) {
    const char* name = lua_getupvalue(L, -1, i);
    if (name == nullptr) break;
    if (strcmp(name, "unpackers") == 0 && lua_istable(L, -1)) {
      for (int code : {0xC4, 0xC5, 0xC6, 0xC7, 0xC8, 0xC9, 0xD4, 0xD5, 0xD6, 0xD7, 0xD8}) {
        lua_pushinteger(L, code);
        lua_pushnil(L);
        lua_rawset(L, -3);
      }
    }
    lua_pop(L, 1);
  }
  lua_pop(L, 1);
}

}  // namespace

void OpenCmsgpack(lua_State* L) {
  // lua-messagepack runs in an environment of its own: the globals it reads and `require`.
  if (luaL_loadbuffer(L, kMessagePackSource, strlen(kMessagePackSource), "=MessagePack") != 0) {
    lua_error(L);
  }
  lua_newtable(L);
  for (const char* g : {"assert", "error", "pairs", "pcall", "setmetatable", "tostring", "type",
                        "string", "loadstring", "_VERSION"}) {
    lua_getglobal(L, g);
    lua_setfield(L, -2, g);
  }
  lua_pushcfunction(L, RequireStandard);
  lua_setfield(L, -2, "require");
  lua_setfenv(L, -2);
  lua_call(L, 0, 1);  // the module
  DropBinaryAndExtDecoders(L);
  RunChunk(L, kCmsgpackSource, "=cmsgpack", 4);
  lua_newtable(L);
  const char* names[] = {"pack", "unpack", "unpack_one", "unpack_limit"};
  for (int i = 0; i < 4; i++) {
    lua_pushvalue(L, -5 + i);
    lua_pushcclosure(L, CallFromC, 1);
    lua_setfield(L, -2, names[i]);
  }
  lua_pushstring(L, "cmsgpack");
  lua_setfield(L, -2, "_NAME");
  lua_pushstring(L, "lua-cmsgpack 0.4.0");
  lua_setfield(L, -2, "_VERSION");
  lua_pushstring(L, "Copyright (C) 2012, Salvatore Sanfilippo");
  lua_setfield(L, -2, "_COPYRIGHT");
  lua_pushstring(L, "MessagePack C implementation for Lua");
  lua_setfield(L, -2, "_DESCRIPTION");
  lua_setglobal(L, "cmsgpack");
  lua_pop(L, 4);
}

}  // namespace mnemo
