#include "script/lua_convert.h"

#include <gtest/gtest.h>

#include <string>

#include "script/lua.h"

namespace mnemo {
namespace {

class ConvertTest : public ::testing::Test {
 protected:
  void SetUp() override {
    L = luaL_newstate();
    luaL_openlibs(L);
  }
  void TearDown() override { lua_close(L); }

  // Pushes the RESP reply as Lua, then runs `check` (a Lua chunk receiving it as `...`), and
  // returns what the chunk returned, as a string.
  std::string FromResp(const std::string& resp, const char* check) {
    size_t pos = 0;
    PushRespReply(L, resp.data(), resp.size(), &pos);
    EXPECT_EQ(pos, resp.size());
    EXPECT_EQ(luaL_loadstring(L, check), 0);
    lua_insert(L, -2);
    EXPECT_EQ(lua_pcall(L, 1, 1, 0), 0) << lua_tostring(L, -1);
    std::string out = lua_tostring(L, -1) != nullptr ? lua_tostring(L, -1) : "(not a string)";
    lua_pop(L, 1);
    return out;
  }

  // Evaluates `expr` (a Lua expression) and converts it to RESP.
  std::string ToResp(const char* expr, RespVersion caller = RespVersion::kResp2,
                     RespVersion script = RespVersion::kResp2, size_t max = 1 << 20) {
    std::string code = std::string("return ") + expr;
    EXPECT_EQ(luaL_loadstring(L, code.c_str()), 0);
    EXPECT_EQ(lua_pcall(L, 0, 1, 0), 0);
    std::string out;
    Reply r(&out, caller);
    if (!WriteLuaReply(L, r, script, max)) return "(too large)";
    EXPECT_EQ(lua_gettop(L), 0);
    return out;
  }

  lua_State* L = nullptr;
};

TEST_F(ConvertTest, Resp2RepliesBecomeRedisLuaValues) {
  EXPECT_EQ(FromResp(":42\r\n", "local v = ... return type(v) .. v"), "number42");
  EXPECT_EQ(FromResp("$3\r\nabc\r\n", "local v = ... return type(v) .. v"), "stringabc");
  EXPECT_EQ(FromResp("$0\r\n\r\n", "local v = ... return '[' .. v .. ']'"), "[]");
  EXPECT_EQ(FromResp("$-1\r\n", "local v = ... return tostring(v == false)"), "true");
  EXPECT_EQ(FromResp("*-1\r\n", "local v = ... return tostring(v == false)"), "true");
  EXPECT_EQ(FromResp("+OK\r\n", "local v = ... return v.ok"), "OK");
  EXPECT_EQ(FromResp("-ERR bad\r\n", "local v = ... return v.err"), "ERR bad");
  EXPECT_EQ(FromResp("*3\r\n:1\r\n$-1\r\n*1\r\n$1\r\nx\r\n",
                     "local v = ... return #v .. tostring(v[2]) .. v[3][1]"),
            "3falsex");
  // Binary-safe bulk strings.
  EXPECT_EQ(FromResp(std::string("$3\r\na\0b\r\n", 9), "local v = ... return #v"), "3");
}

TEST_F(ConvertTest, Resp3RepliesBecomeTaggedTables) {
  EXPECT_EQ(FromResp("_\r\n", "local v = ... return type(v)"), "nil");
  EXPECT_EQ(FromResp("#t\r\n", "local v = ... return type(v) .. tostring(v)"), "booleantrue");
  EXPECT_EQ(FromResp(",1.5\r\n", "local v = ... return v.double * 2"), "3");
  EXPECT_EQ(FromResp("(12345678901234567890\r\n", "local v = ... return v.big_number"),
            "12345678901234567890");
  EXPECT_EQ(FromResp("%1\r\n$1\r\nf\r\n$1\r\nv\r\n", "local v = ... return v.map.f"), "v");
  EXPECT_EQ(FromResp("~2\r\n$1\r\na\r\n$1\r\nb\r\n",
                     "local v = ... return tostring(v.set.a and v.set.b)"),
            "true");
  EXPECT_EQ(FromResp("=8\r\ntxt:abcd\r\n",
                     "local v = ... return v.verbatim_string.format .. v.verbatim_string.string"),
            "txtabcd");
}

TEST_F(ConvertTest, NumbersTruncateAsRedisCastDoes) {
  EXPECT_EQ(ToResp("3.99"), ":3\r\n");
  EXPECT_EQ(ToResp("-3.7"), ":-3\r\n");
  EXPECT_EQ(ToResp("-0.5"), ":0\r\n");
  EXPECT_EQ(ToResp("2^53"), ":9007199254740992\r\n");
  EXPECT_EQ(ToResp("1e20"), ":-9223372036854775808\r\n");
  EXPECT_EQ(ToResp("-1e20"), ":-9223372036854775808\r\n");
  EXPECT_EQ(ToResp("0/0"), ":-9223372036854775808\r\n");
  EXPECT_EQ(LuaNumberToInteger(9223372036854774784.0), 9223372036854774784LL);
}

TEST_F(ConvertTest, ScalarsAndTables) {
  EXPECT_EQ(ToResp("'x'"), "$1\r\nx\r\n");
  EXPECT_EQ(ToResp("true"), ":1\r\n");
  EXPECT_EQ(ToResp("false"), "$-1\r\n");
  EXPECT_EQ(ToResp("nil"), "$-1\r\n");
  EXPECT_EQ(ToResp("false", RespVersion::kResp3), "_\r\n");
  EXPECT_EQ(ToResp("true", RespVersion::kResp3, RespVersion::kResp3), "#t\r\n");
  EXPECT_EQ(ToResp("{ok='fine'}"), "+fine\r\n");
  EXPECT_EQ(ToResp("{ok='a\\r\\nb'}"), "+a  b\r\n");
  EXPECT_EQ(ToResp("{err='ERR bad'}"), "-ERR bad\r\n");
  EXPECT_EQ(ToResp("{err='-dash'}"), "--dash\r\n");
  EXPECT_EQ(ToResp("{ok='x', err='y'}"), "-y\r\n");        // err wins, as in Redis
  EXPECT_EQ(ToResp("{err=1}"), "*0\r\n");                  // not a string: an (empty) array
  EXPECT_EQ(ToResp("{1,2,nil,4}"), "*2\r\n:1\r\n:2\r\n");  // arrays stop at the first nil
  EXPECT_EQ(ToResp("{foo='bar'}"), "*0\r\n");
  EXPECT_EQ(ToResp("{1,{err='in'},{ok='st'},3.5}"), "*4\r\n:1\r\n-in\r\n+st\r\n:3\r\n");
  EXPECT_EQ(ToResp("{1,false,'x'}"), "*3\r\n:1\r\n$-1\r\n$1\r\nx\r\n");
}

TEST_F(ConvertTest, Resp3TablesInBothProtocols) {
  EXPECT_EQ(ToResp("{double=3.5}"), "$3\r\n3.5\r\n");
  EXPECT_EQ(ToResp("{double=3.5}", RespVersion::kResp3), ",3.5\r\n");
  EXPECT_EQ(ToResp("{double=1/0}", RespVersion::kResp3), ",inf\r\n");
  EXPECT_EQ(ToResp("{map={a=1}}"), "*2\r\n$1\r\na\r\n:1\r\n");
  EXPECT_EQ(ToResp("{map={a=1}}", RespVersion::kResp3), "%1\r\n$1\r\na\r\n:1\r\n");
  EXPECT_EQ(ToResp("{set={a=true}}", RespVersion::kResp3), "~1\r\n$1\r\na\r\n");
  EXPECT_EQ(ToResp("{big_number='123'}", RespVersion::kResp3), "(123\r\n");
  EXPECT_EQ(ToResp("{big_number='123'}"), "$3\r\n123\r\n");
  EXPECT_EQ(ToResp("{verbatim_string={format='txt', string='hi'}}", RespVersion::kResp3),
            "=6\r\ntxt:hi\r\n");
}

TEST_F(ConvertTest, RecursiveTablesStopAtTheLimits) {
  // A table holding itself: the stack limit ends the nesting with an error element.
  ASSERT_EQ(luaL_dostring(L, "t = {} t[1] = t"), 0);
  std::string deep = ToResp("t");
  EXPECT_NE(deep.find("-ERR reached lua stack limit\r\n"), std::string::npos);
  // A table that doubles at each level would never end: the byte bound stops it.
  ASSERT_EQ(luaL_dostring(L, "u = {} u[1] = u u[2] = u"), 0);
  EXPECT_EQ(ToResp("u", RespVersion::kResp2, RespVersion::kResp2, 4096), "(too large)");
}

}  // namespace
}  // namespace mnemo
