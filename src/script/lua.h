// The Lua 5.1 C API (Debian's liblua5.1-0-dev) and the C modules Redis scripts use that Debian
// ships as libraries (lua-cjson, lua-bitop), opened by the VM itself (script/lua_vm.cc), never
// loaded by scripts.
#pragma once

#include <lua.hpp>

extern "C" {
int luaopen_cjson(lua_State* L);
int luaopen_bit(lua_State* L);
}
