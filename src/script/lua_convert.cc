#include "script/lua_convert.h"

#include <cmath>
#include <cstdlib>
#include <cstring>
#include <string_view>

#include "script/lua.h"

namespace mnemo {
namespace {

// The line at data[*pos] up to its CRLF, advancing past it.
std::string_view Line(const char* data, size_t len, size_t* pos) {
  const char* start = data + *pos;
  const char* cr = static_cast<const char*>(memchr(start, '\r', len - *pos));
  size_t n = cr != nullptr ? static_cast<size_t>(cr - start) : len - *pos;
  *pos += n + 2;
  return {start, n};
}

int64_t ParseInt(std::string_view s) { return strtoll(std::string(s).c_str(), nullptr, 10); }

// t[field] = the value at the top (popped); t is at the top before it.
void SetField(lua_State* L, const char* field) { lua_setfield(L, -2, field); }

// {field = <string s>}
void PushSingleField(lua_State* L, const char* field, std::string_view s) {
  lua_newtable(L);
  lua_pushlstring(L, s.data(), s.size());
  SetField(L, field);
}

void PushAggregate(lua_State* L, char type, int64_t n, const char* data, size_t len, size_t* pos) {
  lua_newtable(L);
  if (type == '%' || type == '~') {
    lua_newtable(L);  // the inner table of {map = ...} / {set = ...}
    for (int64_t i = 0; i < n; i++) {
      PushRespReply(L, data, len, pos);
      if (type == '%') {
        PushRespReply(L, data, len, pos);
      } else {
        lua_pushboolean(L, 1);
      }
      lua_settable(L, -3);
    }
    SetField(L, type == '%' ? "map" : "set");
    return;
  }
  for (int64_t i = 1; i <= n; i++) {
    PushRespReply(L, data, len, pos);
    lua_rawseti(L, -2, static_cast<int>(i));
  }
}

}  // namespace

void PushRespReply(lua_State* L, const char* data, size_t len, size_t* pos) {
  if (!lua_checkstack(L, 4)) luaL_error(L, "reached lua stack limit");
  char type = data[*pos];
  (*pos)++;
  std::string_view line = Line(data, len, pos);
  switch (type) {
    case '+':
      PushSingleField(L, "ok", line);
      return;
    case '-':
      PushSingleField(L, "err", line);
      return;
    case ':':
      lua_pushnumber(L, static_cast<lua_Number>(ParseInt(line)));
      return;
    case '$':
    case '=': {
      int64_t n = ParseInt(line);
      if (n < 0) {
        lua_pushboolean(L, 0);
        return;
      }
      std::string_view body(data + *pos, static_cast<size_t>(n));
      *pos += static_cast<size_t>(n) + 2;
      if (type == '$') {
        lua_pushlstring(L, body.data(), body.size());
        return;
      }
      lua_newtable(L);  // {verbatim_string = {format = "txt", string = "..."}}
      lua_newtable(L);
      lua_pushlstring(L, body.data(), std::min<size_t>(3, body.size()));
      SetField(L, "format");
      std::string_view text = body.size() > 4 ? body.substr(4) : std::string_view();
      lua_pushlstring(L, text.data(), text.size());
      SetField(L, "string");
      SetField(L, "verbatim_string");
      return;
    }
    case '_':
      lua_pushnil(L);
      return;
    case '#':
      lua_pushboolean(L, line == "t");
      return;
    case ',':
      lua_newtable(L);
      lua_pushnumber(L, strtod(std::string(line).c_str(), nullptr));
      SetField(L, "double");
      return;
    case '(':
      PushSingleField(L, "big_number", line);
      return;
    case '*':
    case '~':
    case '%':
    case '>': {
      int64_t n = ParseInt(line);
      if (n < 0) {
        lua_pushboolean(L, 0);
        return;
      }
      PushAggregate(L, type, n, data, len, pos);
      return;
    }
    default:
      luaL_error(L, "unexpected reply type '%c' from a command", type);
  }
}

int64_t LuaNumberToInteger(double v) {
  // x86-64's cvttsd2si answers INT64_MIN for NaN and out-of-range values; Redis's
  // (long long) cast compiles to it, so scripts see that value.
  if (std::isnan(v) || v >= 9223372036854775808.0 || v < -9223372036854775808.0) return INT64_MIN;
  return static_cast<int64_t>(v);
}

namespace {

struct WriteState {
  Reply* reply;
  RespVersion script_resp;
  size_t max_bytes;
  bool too_large = false;
};

void Write(lua_State* L, WriteState& st);

// The string field `name` of the table at the top, or false (nothing pushed when absent).
bool StringField(lua_State* L, const char* name, std::string_view* out) {
  lua_pushstring(L, name);
  lua_rawget(L, -2);
  if (lua_type(L, -1) != LUA_TSTRING) {
    lua_pop(L, 1);
    return false;
  }
  size_t n = 0;
  const char* s = lua_tolstring(L, -1, &n);
  *out = {s, n};
  return true;  // the string stays pushed (keeps *out alive); the caller pops it
}

// Replaces CR and LF by spaces, as Redis does for status and big-number replies.
void WriteSanitized(Reply& r, std::string_view s, bool big_number) {
  std::string clean(s);
  for (char& c : clean) {
    if (c == '\r' || c == '\n') c = ' ';
  }
  if (big_number) {
    r.BigNumber(clean);
  } else {
    r.Simple(clean);
  }
}

// Counts the pairs of the table at the top (lua_next).
size_t CountPairs(lua_State* L) {
  size_t n = 0;
  lua_pushnil(L);
  while (lua_next(L, -2)) {
    lua_pop(L, 1);
    n++;
  }
  return n;
}

// The table at the top is {map = t} or {set = t}: writes t's pairs.
bool WriteMapOrSet(lua_State* L, WriteState& st, const char* name) {
  lua_pushstring(L, name);
  lua_rawget(L, -2);
  if (lua_type(L, -1) != LUA_TTABLE) {
    lua_pop(L, 1);
    return false;
  }
  bool map = name[0] == 'm';
  size_t n = CountPairs(L);
  if (map) {
    st.reply->MapHeader(n);
  } else {
    st.reply->SetHeader(n);
  }
  lua_pushnil(L);
  while (lua_next(L, -2)) {
    if (map) {
      lua_pushvalue(L, -2);  // the key, written first
      Write(L, st);
      Write(L, st);  // the value
    } else {
      lua_pop(L, 1);  // the member's `true`
      lua_pushvalue(L, -1);
      Write(L, st);
    }
  }
  lua_pop(L, 1);
  return true;
}

bool WriteVerbatim(lua_State* L, WriteState& st) {
  lua_pushstring(L, "verbatim_string");
  lua_rawget(L, -2);
  bool done = false;
  std::string_view format, text;
  if (lua_type(L, -1) == LUA_TTABLE && StringField(L, "format", &format)) {
    lua_pushvalue(L, -2);  // the inner table again, above the format string
    if (StringField(L, "string", &text)) {
      st.reply->Verbatim(text, format);
      done = true;
      lua_pop(L, 1);
    }
    lua_pop(L, 2);
  }
  lua_pop(L, 1);
  return done;
}

void WriteTable(lua_State* L, WriteState& st) {
  Reply& r = *st.reply;
  std::string_view s;
  if (StringField(L, "err", &s)) {
    r.Error(s);
    lua_pop(L, 1);
    return;
  }
  if (StringField(L, "ok", &s)) {
    WriteSanitized(r, s, false);
    lua_pop(L, 1);
    return;
  }
  lua_pushstring(L, "double");
  lua_rawget(L, -2);
  if (lua_type(L, -1) == LUA_TNUMBER) {
    r.Double(lua_tonumber(L, -1));
    lua_pop(L, 1);
    return;
  }
  lua_pop(L, 1);
  if (StringField(L, "big_number", &s)) {
    WriteSanitized(r, s, true);
    lua_pop(L, 1);
    return;
  }
  if (WriteVerbatim(L, st) || WriteMapOrSet(L, st, "map") || WriteMapOrSet(L, st, "set")) return;
  int n = 0;
  while (true) {  // an array: t[1], t[2], ... up to the first nil
    lua_rawgeti(L, -1, n + 1);
    bool end = lua_isnil(L, -1);
    lua_pop(L, 1);
    if (end) break;
    n++;
  }
  r.ArrayHeader(static_cast<size_t>(n));
  for (int i = 1; i <= n; i++) {
    lua_rawgeti(L, -1, i);
    Write(L, st);
  }
}

void Write(lua_State* L, WriteState& st) {
  Reply& r = *st.reply;
  if (st.too_large || r.size() > st.max_bytes) {
    st.too_large = true;
    lua_pop(L, 1);
    return;
  }
  if (!lua_checkstack(L, 4)) {
    r.Error("ERR reached lua stack limit");
    lua_pop(L, 1);
    return;
  }
  switch (lua_type(L, -1)) {
    case LUA_TSTRING: {
      size_t n = 0;
      const char* s = lua_tolstring(L, -1, &n);
      r.Bulk({s, n});
      break;
    }
    case LUA_TBOOLEAN:
      if (st.script_resp == RespVersion::kResp2) {
        if (lua_toboolean(L, -1)) {
          r.Integer(1);
        } else {
          r.Null();
        }
      } else {
        r.Bool(lua_toboolean(L, -1) != 0);
      }
      break;
    case LUA_TNUMBER:
      r.Integer(LuaNumberToInteger(lua_tonumber(L, -1)));
      break;
    case LUA_TTABLE:
      WriteTable(L, st);
      break;
    default:
      r.Null();
  }
  lua_pop(L, 1);
}

}  // namespace

bool WriteLuaReply(lua_State* L, Reply& reply, RespVersion script_resp, size_t max_bytes) {
  WriteState st{&reply, script_resp, max_bytes};
  Write(L, st);
  return !st.too_large;
}

}  // namespace mnemo
