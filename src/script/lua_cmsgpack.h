// cmsgpack, Redis's MessagePack library for scripts (pack, unpack, unpack_one, unpack_limit),
// built over Debian's lua-messagepack (pure Lua) with Redis's encoding choices
// (lua_cmsgpack.lua). Both Lua sources are compiled into the binary (messagepack_source.cc.in).
//
// Thread-compatible: works on the one lua_State it is given.
#pragma once

struct lua_State;

namespace mnemo {

extern const char kMessagePackSource[];  // Debian's /usr/share/lua/5.1/MessagePack.lua
extern const char kCmsgpackSource[];     // src/script/lua_cmsgpack.lua

// Sets the global `cmsgpack` in a state whose base, string, math and table libraries are open
// (before the sandbox removes `require`: lua-messagepack is loaded with a `require` of its
// own that gives only those three). Raises a Lua error if either source fails to load.
void OpenCmsgpack(lua_State* L);

}  // namespace mnemo
