-- Redis's cmsgpack (lua_cmsgpack.c, 0.4.0) over lua-messagepack: the choices Redis's encoder
-- makes, where lua-messagepack's differ or leave a choice open. Runs once per VM, with the
-- lua-messagepack module as its argument; returns the four functions, each wrapped in C by
-- lua_cmsgpack.cc (so that an error is raised from a C function, as Redis's are).
local mp = ...
local floor, frexp, huge, tostring = math.floor, math.frexp, math.huge, tostring
local char, concat, unpack, select, type, error, pcall, find =
    string.char, table.concat, unpack, select, type, error, pcall, string.find
local packers = mp.packers

-- cmsgpack's own errors: lua_cmsgpack.cc raises them with the script's position in front, as
-- luaL_error does in Redis's C library.
local function fail(msg) error({cmsgpack_error = msg}, 0) end

mp.set_string('string')     -- str8 for 32..255 bytes (Redis's mp_encode_bytes)
mp.set_integer('unsigned')  -- the smallest form; unsigned ones for n >= 0 (mp_encode_int)
mp.set_array('without_hole')  -- an array exactly when the keys are 1..n (table_is_an_array)

-- lua-messagepack writes the top byte of a 64-bit integer as 0 / 0xFF (53 bits of a double);
-- Redis converts the whole double.
local unsigned = packers['unsigned']
packers['integer'] = function(buffer, n)
  if n >= 2 ^ 56 or n < -2 ^ 56 then
    local b = {}
    for k = 7, 0, -1 do b[#b + 1] = floor(n / 2 ^ (8 * k)) % 256 end
    buffer[#buffer + 1] = char(n >= 0 and 0xCF or 0xD3, unpack(b))
  else
    unsigned(buffer, n)
  end
end

-- A normal float32 holds n exactly ((double)(float)n == n in Redis's mp_encode_double).
local function fits_float(n)
  local m, e = frexp(n)
  if e > 128 or e < -125 then return false end
  local s = m * 2 ^ 24
  return floor(s) == s
end

-- Redis: an integer when (int64)n == n, else a float32 when it holds n, else a float64.
packers['number'] = function(buffer, n)
  if n == floor(n) and n >= -2 ^ 63 and n < 2 ^ 63 then return packers['integer'](buffer, n) end
  if n == huge or n == -huge or fits_float(n) then return packers['float'](buffer, n) end
  packers['double'](buffer, n)
end

-- Tables nested 16 deep are packed as nil (LUACMSGPACK_MAX_NESTING), and so are values
-- MessagePack has no form for.
local level = 0
local pack_table = packers['table']
packers['table'] = function(buffer, t)
  if level >= 16 then return packers['nil'](buffer) end
  level = level + 1
  pack_table(buffer, t)
  level = level - 1
end
packers['function'] = packers['nil']
packers['userdata'] = packers['nil']
packers['thread'] = packers['nil']

local function pack(...)
  local n = select('#', ...)
  if n == 0 then fail("bad argument #0 to 'pack' (MessagePack pack needs input.)") end
  local args, buffer = {...}, {}
  for i = 1, n do
    level = 0
    packers[type(args[i])](buffer, args[i])
  end
  return concat(buffer)
end

-- Decoding: Redis's mp_unpack_full, its errors, and no extension types.
local MISSING, BADFORMAT = {}, {}
mp.build_ext = function() error(BADFORMAT, 0) end

local function check_string(name, s)
  local t = type(s)
  if t == 'number' then return tostring(s) end
  if t ~= 'string' then
    fail("bad argument #1 to '" .. name .. "' (string expected, got " ..
         (t == 'nil' and 'no value' or t) .. ")")
  end
  return s
end

local function check_integer(name, i, v, default)
  if v == nil and default ~= nil then return default end
  if type(v) ~= 'number' then
    fail("bad argument #" .. i .. " to '" .. name .. "' (number expected, got " ..
         (v == nil and 'no value' or type(v)) .. ")")
  end
  return v >= 0 and floor(v) or -floor(-v)
end

local function decode(s, limit, offset, with_offset)
  if offset < 0 or limit < 0 then
    fail("Invalid request to unpack with offset of " .. offset .. " and limit of " .. #s .. ".")
  elseif offset > #s then
    fail("Start offset " .. offset .. " greater than input length " .. #s .. ".")
  end
  if not with_offset then limit = 2 ^ 31 end
  local c = {s = s, i = offset + 1, j = #s, underflow = function() error(MISSING, 0) end}
  local out, n = {}, 0
  while c.i <= c.j and n < limit do
    local ok, v = pcall(mp.unpack_cursor, c)
    if not ok then
      if v == MISSING then fail("Missing bytes in input.") end
      if v == BADFORMAT or (type(v) == 'string' and find(v, 'is unimplemented', 1, true)) then
        fail("Bad data format in input.")
      end
      error(v, 0)  -- anything else (a stopped script) goes on up
    end
    n = n + 1
    out[n] = v
  end
  if not with_offset then return unpack(out, 1, n) end
  return (c.i > c.j and -1 or c.i - 1), unpack(out, 1, n)
end

local function unpack_all(s)
  s = check_string('unpack', s)
  return decode(s, 0, 0, false)
end

local function unpack_one(s, offset)
  s = check_string('unpack_one', s)
  return decode(s, 1, check_integer('unpack_one', 2, offset, 0), true)
end

local function unpack_limit(s, limit, offset)
  s = check_string('unpack_limit', s)
  limit = check_integer('unpack_limit', 2, limit)
  offset = check_integer('unpack_limit', 3, offset, 0)
  return decode(s, limit, offset, limit ~= 0 or offset ~= 0)
end

return pack, unpack_all, unpack_one, unpack_limit
