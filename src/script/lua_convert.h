// Redis's conversions between RESP replies and Lua values, both ways, as Redis 7.0 does them.
//
// RESP -> Lua (a command's reply inside redis.call / redis.pcall):
//   integer -> number; bulk -> string; null bulk / null array (RESP2) -> false; array -> table
//   (1..n); status -> {ok = s}; error -> {err = s}. RESP3 (after redis.setresp(3)): null -> nil,
//   boolean -> boolean, double -> {double = n}, big number -> {big_number = s}, verbatim ->
//   {verbatim_string = {format = f, string = s}}, map -> {map = {k = v}}, set -> {set = {m =
//   true}}.
// Lua -> RESP (the script's result, in the caller's protocol):
//   string -> bulk; number -> integer (truncated toward zero; NaN and values beyond int64 become
//   INT64_MIN as Redis's C cast does on x86-64); true -> :1 (RESP3 #t after setresp(3)); false
//   and nil -> null; a table with `err` (string) -> error, `ok` -> status, `double`,
//   `big_number`, `verbatim_string`, `map`, `set` -> those RESP3 types (RESP2 forms for a RESP2
//   caller); any other table -> array of t[1], t[2], ... up to the first nil.
//
// Both functions call the Lua API, which raises (longjmp) on an allocation failure: call them
// only inside a protected call (a lua_CFunction, lua_cpcall). They keep no C++ objects with
// destructors on their frames, so a raise leaks nothing.
//
// Thread-compatible: one lua_State per thread at a time.
#pragma once

#include <cstddef>
#include <cstdint>

#include "protocol/reply.h"

struct lua_State;

namespace mnemo {

// Pushes the one complete RESP reply at data[*pos, len) (as Reply writes it) and advances *pos
// past it. REQUIRES: a well-formed reply (Mnemo's own encoder wrote it).
void PushRespReply(lua_State* L, const char* data, size_t len, size_t* pos);

// Redis's number -> integer conversion (see above), without the undefined C cast.
int64_t LuaNumberToInteger(double v);

// Pops the value at the top of the stack and appends it to `reply`. `script_resp` is the
// protocol redis.setresp chose (it decides how booleans convert). Stops converting once the
// reply holds more than `max_bytes` and returns false (the caller discards the reply); true
// otherwise.
bool WriteLuaReply(lua_State* L, Reply& reply, RespVersion script_resp, size_t max_bytes);

}  // namespace mnemo
