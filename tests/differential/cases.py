"""Scripted edge cases: command -> cases. A case is one line of commands separated by ` | `, each
split like a shell line (quote an empty argument as ''). Every case starts on an empty database,
every reply of every command in it is compared (setup commands too), with the mode of
commands.py. A case that uses a command Mnemo does not serve yet is not run and is named in the
summary (so WRONGTYPE rows that need a hash or a set run as soon as Mnemo has them).

Wrong arity is not listed here: difftest.arity_cases() derives it from Redis's COMMAND INFO.
"""
import shlex

# A key of each other type, for WRONGTYPE rows.
HASH = "HSET w f v"
SET_ = "SADD w m"
LIST = "RPUSH w e"
ZSET = "ZADD w 1 m"

CASES = {
    "set": [
        "SET k v | GET k", "SET k '' | GET k | STRLEN k", "SET k v NX | SET k w NX | GET k",
        "SET k v XX | GET k | SET k v | SET k w XX | GET k", "SET k v GET | SET k w GET",
        "SET k v NX XX", "SET k v EX 100 PX 100", "SET k v EX 100 KEEPTTL", "SET k v KEEPTTL PX 5",
        "SET k v EX 0", "SET k v EX -1", "SET k v PX 0", "SET k v EX x", "SET k v EX",
        "SET k v EX 9223372036854775807", "SET k v PX 9223372036854775807",
        "SET k v EX 9223372036854775", "SET k v EXAT 0", "SET k v PXAT -1", "SET k v EXAT 1 | GET k",
        "SET k v PXAT 1 | EXISTS k", "SET k v FOO", "SET k v ex 100 | TTL k", "SET k v px 100000 | PTTL k",
        "SET k v EX 100 | SET k w KEEPTTL | TTL k | SET k x | TTL k",
        "SET k v NX GET | SET k w NX GET | GET k", "SET k v XX GET | SET k v | SET k w XX GET",
        "SET k v GET GET", "SET k v NX NX", "SET k v EX 100 EX 100 | TTL k", "SET k v EX 1.5",
        HASH + " | SET w v GET", HASH + " | SET w v | TYPE w",
    ],
    "get": ["GET k", "SET k '' | GET k", HASH + " | GET w", "SET k 123 | INCR k | GET k"],
    "getset": ["GETSET k v | GETSET k w | GET k", "SET k v EX 100 | GETSET k w | TTL k",
               HASH + " | GETSET w v"],
    "getdel": ["GETDEL k", "SET k v | GETDEL k | EXISTS k", HASH + " | GETDEL w"],
    "getex": [
        "GETEX k", "SET k v | GETEX k | TTL k", "SET k v | GETEX k EX 100 | TTL k",
        "SET k v | GETEX k PX 100000 | PTTL k", "SET k v EX 100 | GETEX k PERSIST | TTL k",
        "SET k v | GETEX k EX 0", "SET k v | GETEX k EX -1", "SET k v | GETEX k EX x",
        "SET k v | GETEX k EX 100 PX 100", "SET k v | GETEX k PERSIST EX 100",
        "SET k v | GETEX k FOO", "SET k v | GETEX k EX", "SET k v | GETEX k EXAT 1 | EXISTS k",
        "SET k v | GETEX k PXAT 9223372036854775807", "SET k v | GETEX k EX 9223372036854775807",
        "GETEX k EX x", "GETEX k PERSIST", HASH + " | GETEX w", HASH + " | GETEX w EX x",
    ],
    "mget": ["MGET a", "MSET a 1 b 2 | MGET a b c a", HASH + " | SET k v | MGET w k"],
    "mset": ["MSET a 1 | GET a", "MSET a 1 a 2 | GET a", "MSET a 1 b", "SET a x EX 100 | MSET a 1 | TTL a",
             HASH + " | MSET w 1 | TYPE w"],
    "msetnx": ["MSETNX a 1 b 2 | MSETNX b 3 c 4 | MGET a b c", "MSETNX a 1 a 2 | GET a",
               "MSETNX a 1 b", HASH + " | MSETNX w 1 | TYPE w"],
    "append": ["APPEND k a | APPEND k bc | GET k", "APPEND k '' | EXISTS k | GET k",
               "SET k 1 | APPEND k 2 | INCR k", HASH + " | APPEND w x"],
    "strlen": ["STRLEN k", "SET k abc | STRLEN k", "SET k 12345 | INCR k | STRLEN k",
               HASH + " | STRLEN w"],
    "incr": [
        "INCR k | INCR k", "SET k 9223372036854775807 | INCR k", "SET k abc | INCR k",
        "SET k '' | INCR k", "SET k ' 1' | INCR k", "SET k 1.0 | INCR k", "SET k 010 | INCR k",
        "SET k -0 | INCR k", "SET k +1 | INCR k", "SET k 0x10 | INCR k", "SET k 1e2 | INCR k",
        "SET k 18446744073709551616 | INCR k", "SET k v EX 100 | SET k 1 KEEPTTL | INCR k | TTL k",
        HASH + " | INCR w",
    ],
    "decr": ["DECR k", "SET k -9223372036854775808 | DECR k", "SET k x | DECR k", HASH + " | DECR w"],
    "incrby": [
        "INCRBY k 5 | INCRBY k -10", "INCRBY k x", "INCRBY k 1.5", "INCRBY k ''",
        "INCRBY k 9223372036854775808", "SET k 1 | INCRBY k 9223372036854775807",
        "SET k -1 | INCRBY k -9223372036854775808 | INCRBY k -1", "INCRBY k ' 1'", HASH + " | INCRBY w 1",
    ],
    "decrby": [
        "DECRBY k 5", "DECRBY k -9223372036854775808", "SET k -1 | DECRBY k 9223372036854775807",
        "DECRBY k x", "SET k 1 | DECRBY k -9223372036854775807", HASH + " | DECRBY w 1",
    ],
    "incrbyfloat": [
        "INCRBYFLOAT k 0.1 | INCRBYFLOAT k 0.2 | GET k", "INCRBYFLOAT k 1e3", "INCRBYFLOAT k 5.0e3",
        "INCRBYFLOAT k -1.5e-5", "SET k 3 | INCRBYFLOAT k 0", "SET k 10.50 | INCRBYFLOAT k 0.1",
        "INCRBYFLOAT k inf", "INCRBYFLOAT k nan", "INCRBYFLOAT k x", "INCRBYFLOAT k ''", LIST + " | INCRBYFLOAT w x",
        "SET k abc | INCRBYFLOAT k 1", "SET k 1.7976931348623157e308 | INCRBYFLOAT k 1.7976931348623157e308",
        "SET k 1 | INCRBYFLOAT k 1.5 | INCRBYFLOAT k 1.5", "SET k 5.0e3 | INCRBYFLOAT k 2.0e2",
        "INCRBYFLOAT k 0x10", "INCRBYFLOAT k '1 '", "INCRBYFLOAT k 1e-400", "INCRBYFLOAT k 12345678901234567890",
        "SET k 0.3 | INCRBYFLOAT k -0.1", "SET k 1 EX 100 | INCRBYFLOAT k 1 | TTL k",
        HASH + " | INCRBYFLOAT w 1",
    ],
    "getrange": [
        "GETRANGE k 0 -1", "SET k hello | GETRANGE k 0 -1 | GETRANGE k 1 3 | GETRANGE k -3 -1",
        "SET k hello | GETRANGE k 3 1 | GETRANGE k -100 100 | GETRANGE k 5 10 | GETRANGE k -1 -5",
        "SET k hello | GETRANGE k 0 9223372036854775807 | GETRANGE k -9223372036854775808 0",
        "SET k hello | GETRANGE k x 1", "SET k '' | GETRANGE k 0 -1 | GETRANGE k 0 0",
        "SET k hello | GETRANGE k 1.5 2", HASH + " | GETRANGE w 0 1",
    ],
    "substr": ["SET k hello | SUBSTR k 1 -2", "SUBSTR k 0 1", HASH + " | SUBSTR w 0 1"],
    "setrange": [
        "SETRANGE k 0 abc | GET k", "SETRANGE k 5 x | GET k | STRLEN k", "SET k hello | SETRANGE k 1 EY | GET k",
        "SETRANGE k -1 x", "SETRANGE k x y", "SETRANGE k 0 '' | EXISTS k",
        "SET k abc | SETRANGE k 10 '' | GET k", "SETRANGE k 536870912 x",
        "SETRANGE k 536870911 xy", "SETRANGE k 9223372036854775807 x", "SETRANGE k 536870912 ''",
        "SET k hello | SETRANGE k 536870912 ''", "SET k a EX 100 | SETRANGE k 1 b | TTL k",
        HASH + " | SETRANGE w 0 x",
    ],
    "setnx": ["SETNX k v | SETNX k w | GET k", HASH + " | SETNX w v"],
    "setex": [
        "SETEX k 100 v | TTL k | GET k", "SETEX k 0 v", "SETEX k -1 v", "SETEX k x v",
        "SETEX k 9223372036854775807 v", "SETEX k 1.5 v", HASH + " | SETEX w 100 v | TYPE w",
    ],
    "psetex": ["PSETEX k 100000 v | PTTL k", "PSETEX k 0 v", "PSETEX k -5 v", "PSETEX k x v",
               "PSETEX k 9223372036854775807 v"],
    "del": ["DEL a", "MSET a 1 b 2 | DEL a b c a | EXISTS a b", HASH + " | DEL w | EXISTS w"],
    "unlink": ["UNLINK a", "MSET a 1 b 2 | UNLINK a a b c"],
    "exists": ["EXISTS a", "SET a 1 | EXISTS a a a b", HASH + " | EXISTS w"],
    "type": ["TYPE a", "SET a 1 | TYPE a", HASH + " | TYPE w", SET_ + " | TYPE w", LIST + " | TYPE w",
             ZSET + " | TYPE w"],
    "expire": [
        "EXPIRE k 100", "SET k v | EXPIRE k 100 | TTL k", "SET k v | EXPIRE k 0 | EXISTS k",
        "SET k v | EXPIRE k -1 | EXISTS k", "SET k v | EXPIRE k x", "SET k v | EXPIRE k 1.5",
        "SET k v | EXPIRE k 9223372036854775807", "SET k v | EXPIRE k 9223372036854775",
        "SET k v | EXPIRE k -9223372036854775808", "SET k v | EXPIRE k ''",
        "SET k v | EXPIRE k 100 NX | EXPIRE k 200 NX | TTL k",
        "SET k v | EXPIRE k 100 XX | EXPIRE k 100 | EXPIRE k 200 XX | TTL k",
        "SET k v | EXPIRE k 100 GT | EXPIRE k 100 | EXPIRE k 200 GT | EXPIRE k 50 GT | TTL k",
        "SET k v | EXPIRE k 100 LT | EXPIRE k 200 | EXPIRE k 100 LT | EXPIRE k 300 LT | TTL k",
        "SET k v | EXPIRE k 100 NX XX", "SET k v | EXPIRE k 100 GT LT", "SET k v | EXPIRE k 100 NX GT",
        "SET k v | EXPIRE k 100 XX GT | EXPIRE k 100 | EXPIRE k 200 XX GT | TTL k",
        "SET k v | EXPIRE k 100 FOO", "SET k v | EXPIRE k 100 nx | TTL k", "EXPIRE k x NX XX",
        "EXPIRE k 100 FOO", "SET k v | EXPIRE k 100 | EXPIRE k -1 LT | EXISTS k",
        "SET k v | EXPIRE k 0 GT | EXISTS k",
        HASH + " | EXPIRE w 100 | TTL w",
    ],
    "pexpire": [
        "SET k v | PEXPIRE k 100000 | PTTL k", "SET k v | PEXPIRE k 0 | EXISTS k",
        "SET k v | PEXPIRE k 9223372036854775807", "SET k v | PEXPIRE k -9223372036854775808",
        "SET k v | PEXPIRE k x", "SET k v | PEXPIRE k 100000 GT | PEXPIRE k 100000 LT | PTTL k",
    ],
    "expireat": [
        "SET k v | EXPIREAT k 1 | EXISTS k", "SET k v | EXPIREAT k 0 | EXISTS k",
        "SET k v | EXPIREAT k -1 | EXISTS k", "SET k v | EXPIREAT k 99999999999 | TTL k | EXPIRETIME k",
        "SET k v | EXPIREAT k 9223372036854775807", "SET k v | EXPIREAT k x",
        "SET k v | EXPIREAT k 99999999999 | EXPIREAT k 99999999998 GT | EXPIREAT k 99999999998 LT | EXPIRETIME k",
        "SET k v | EXPIREAT k 99999999999 NX | EXPIREAT k 99999999990 NX | EXPIRETIME k",
    ],
    "pexpireat": [
        "SET k v | PEXPIREAT k 1 | EXISTS k", "SET k v | PEXPIREAT k 99999999999999 | PEXPIRETIME k",
        "SET k v | PEXPIREAT k 9223372036854775807 | PEXPIRETIME k", "SET k v | PEXPIREAT k x",
        "SET k v | PEXPIREAT k 99999999999999 XX | PEXPIREAT k 99999999999998 LT | PEXPIRETIME k",
    ],
    "ttl": ["TTL k", "SET k v | TTL k", "SET k v EX 100 | TTL k", HASH + " | TTL w"],
    "pttl": ["PTTL k", "SET k v | PTTL k", "SET k v PX 100000 | PTTL k"],
    "expiretime": ["EXPIRETIME k", "SET k v | EXPIRETIME k", "SET k v EXAT 99999999999 | EXPIRETIME k"],
    "pexpiretime": ["PEXPIRETIME k", "SET k v | PEXPIRETIME k",
                    "SET k v PXAT 99999999999123 | PEXPIRETIME k | EXPIRETIME k"],
    "persist": ["PERSIST k", "SET k v | PERSIST k", "SET k v EX 100 | PERSIST k | TTL k | PERSIST k"],
    "rename": [
        "RENAME a b", "SET a 1 | RENAME a b | MGET a b", "SET a 1 | RENAME a a | GET a",
        "MSET a 1 b 2 | RENAME a b | MGET a b", "SET a 1 EX 100 | RENAME a b | TTL b",
        "SET a 1 | SET b 2 EX 100 | RENAME a b | TTL b", HASH + " | SET a 1 | RENAME a w | TYPE w",
    ],
    "renamenx": [
        "RENAMENX a b", "SET a 1 | RENAMENX a b | MGET a b", "MSET a 1 b 2 | RENAMENX a b | MGET a b",
        "SET a 1 | RENAMENX a a", "SET a 1 EX 100 | RENAMENX a b | TTL b",
    ],
    "keys": [
        "KEYS *", "MSET a 1 ab 2 b 3 'a*' 4 '' 5 | KEYS * | KEYS a* | KEYS a? | KEYS 'a\\*' | KEYS ''",
        "MSET a 1 b 2 c 3 | KEYS [a-b] | KEYS [^a] | KEYS [!a] | KEYS [b-a] | KEYS [a | KEYS 'a\\'",
        "MSET h1 1 hello 2 hallo 3 hxllo 4 | KEYS h?llo | KEYS h*llo | KEYS h[ae]llo | KEYS 'h[^e]llo'",
        "MSET a 1 | KEYS '[' | KEYS '[]' | KEYS '[\\]' | KEYS ']' | KEYS '**a' | KEYS '*?' | KEYS '[a-]'",
        HASH + " | SET k v | KEYS *",
    ],
    "scan": [
        "SCAN 0", "MSET a 1 b 2 c 3 | SCAN 0", "MSET a 1 ab 2 b 3 | SCAN 0 MATCH a*",
        "MSET a 1 b 2 c 3 | SCAN 0 COUNT 1", "SCAN 0 COUNT 0", "SCAN 0 COUNT -1", "SCAN 0 COUNT x",
        "SCAN 0 COUNT 9223372036854775807", "SCAN 0 COUNT 9223372036854775808", "SCAN 0 MATCH",
        "SCAN 0 FOO", "SCAN x", "SCAN -1", "SCAN 12345 COUNT 1", "SCAN 18446744073709551616", "SCAN 0 TYPE",
        "MSET a 1 b 2 | SCAN 0 TYPE string | SCAN 0 TYPE STRING | SCAN 0 TYPE hash | SCAN 0 TYPE nosuch",
        "MSET a 1 b 2 | SCAN 0 MATCH a COUNT 1 TYPE string | SCAN 0 MATCH x* MATCH a*",
        HASH + " | SET k v | SCAN 0 TYPE string | SCAN 0 TYPE hash",
    ],
    "dbsize": ["DBSIZE", "MSET a 1 b 2 | DBSIZE | DEL a | DBSIZE", "SET a 1 | EXPIRE a 0 | DBSIZE"],
    "randomkey": ["RANDOMKEY", "SET a 1 | RANDOMKEY", "MSET a 1 b 2 c 3 | RANDOMKEY | RANDOMKEY"],
    "flushdb": ["SET a 1 | FLUSHDB | DBSIZE", "FLUSHDB ASYNC", "FLUSHDB SYNC", "FLUSHDB foo",
                "FLUSHDB async"],
    "touch": ["TOUCH a", "MSET a 1 b 2 | TOUCH a b c a"],
    "copy": [
        "COPY a b", "SET a 1 | COPY a b | MGET a b", "MSET a 1 b 2 | COPY a b | COPY a b REPLACE | GET b",
        "SET a 1 | COPY a a", "SET a 1 EX 100 | COPY a b | TTL b", "SET a 1 | COPY a b DB 0 | GET b",
        "SET a 1 | COPY a b DB x", "SET a 1 | COPY a b FOO", HASH + " | COPY w b | TYPE b",
    ],
    # Hashes.
    "hset": ["HSET h f v | HGET h f", "HSET h f v g w f x | HGETALL h | HLEN h", "HSET h f",
             "HSET h '' '' | HGET h '' | HLEN h", "SET s v | HSET s f v", "HSET h f v | TYPE h"],
    "hsetnx": ["HSETNX h f v | HSETNX h f w | HGET h f", "SET s v | HSETNX s f v"],
    "hmset": ["HMSET h f v g w | HMGET h f g x", "HMSET h f"],
    "hget": ["HGET h f", "HSET h f v | HGET h g", "SET s v | HGET s f"],
    "hmget": ["HMGET h f g", "HSET h f v | HMGET h f f g", "SET s v | HMGET s f"],
    "hdel": ["HDEL h f", "HSET h f v g w | HDEL h f f x | HDEL h g | EXISTS h", "SET s v | HDEL s f"],
    "hexists": ["HEXISTS h f", "HSET h f v | HEXISTS h f | HEXISTS h g", "SET s v | HEXISTS s f"],
    "hlen": ["HLEN h", "SET s v | HLEN s"],
    "hstrlen": ["HSTRLEN h f", "HSET h f hello | HSTRLEN h f | HSTRLEN h g", "SET s v | HSTRLEN s f"],
    "hkeys": ["HKEYS h", "HSET h f v g w | HKEYS h", "SET s v | HKEYS s"],
    "hvals": ["HVALS h", "HSET h f v g w | HVALS h", "SET s v | HVALS s"],
    "hgetall": ["HGETALL h", "HSET h f 1 g 2 | HGETALL h", "SET s v | HGETALL s"],
    "hincrby": ["HINCRBY h f 5 | HINCRBY h f -10", "HSET h f x | HINCRBY h f 1", "HINCRBY h f x",
                "HSET h f 9223372036854775807 | HINCRBY h f 1", "HINCRBY h f 9223372036854775808",
                "SET s v | HINCRBY s f 1"],
    "hincrbyfloat": ["HINCRBYFLOAT h f 0.1 | HINCRBYFLOAT h f 0.2", "HINCRBYFLOAT h f inf",
                     "HINCRBYFLOAT h f x", "HSET h f x | HINCRBYFLOAT h f 1", "HINCRBYFLOAT h f 1e5000",
                     "HSET h f 5.0e3 | HINCRBYFLOAT h f 2.0e2", "SET s v | HINCRBYFLOAT s f 1"],
    "hrandfield": [
        "HRANDFIELD h", "HRANDFIELD h 3", "HRANDFIELD h -3 WITHVALUES", "HSET h f v | HRANDFIELD h",
        "HSET h f 1 g 2 i 3 | HRANDFIELD h 2 | HRANDFIELD h 5 | HRANDFIELD h -5 | HRANDFIELD h 0",
        "HSET h f 1 g 2 | HRANDFIELD h 2 WITHVALUES | HRANDFIELD h -3 WITHVALUES",
        "HSET h f 1 | HRANDFIELD h x | HRANDFIELD h 1 FOO | HRANDFIELD h 1 WITHVALUES x",
        "HSET h f 1 | HRANDFIELD h -9223372036854770000 WITHVALUES",
        "HSET h f 1 | HRANDFIELD h -9223372036854775808", "SET s v | HRANDFIELD s 1",
    ],
    "hscan": ["HSCAN h 0", "HSET h f 1 g 2 a 3 | HSCAN h 0 | HSCAN h 0 MATCH f* COUNT 1",
              "HSET h f 1 | HSCAN h 0 COUNT 0 | HSCAN h x | HSCAN h 0 FOO 1", "SET s v | HSCAN s 0"],
    # Sets.
    "sadd": ["SADD s a b a | SMEMBERS s | SCARD s", "SADD s '' | SISMEMBER s ''", "SET k v | SADD k a",
             "SADD s a | TYPE s"],
    "srem": ["SREM s a", "SADD s a b | SREM s a a c | SREM s b | EXISTS s", "SET k v | SREM k a"],
    "sismember": ["SISMEMBER s a", "SADD s a | SISMEMBER s a | SISMEMBER s b", "SET k v | SISMEMBER k a"],
    "smismember": ["SMISMEMBER s a b", "SADD s a | SMISMEMBER s a b a", "SET k v | SMISMEMBER k a"],
    "smembers": ["SMEMBERS s", "SET k v | SMEMBERS k"],
    "scard": ["SCARD s", "SET k v | SCARD k"],
    "spop": [
        "SPOP s", "SPOP s 3", "SADD s a | SPOP s | EXISTS s", "SADD s a b c | SPOP s 2 | SCARD s",
        "SADD s a b c | SPOP s 0 | SPOP s -1 | SPOP s x | SPOP s 1 2",
        "SADD s a b c | SPOP s 9223372036854775807 | EXISTS s", "SET k v | SPOP k",
    ],
    "srandmember": [
        "SRANDMEMBER s", "SRANDMEMBER s 3", "SADD s a b c | SRANDMEMBER s | SRANDMEMBER s 2",
        "SADD s a b c | SRANDMEMBER s 5 | SRANDMEMBER s -5 | SRANDMEMBER s 0 | SRANDMEMBER s x",
        "SADD s a | SRANDMEMBER s -9223372036854775808", "SET k v | SRANDMEMBER k",
    ],
    "smove": ["SMOVE a b m", "SADD a m | SMOVE a b m | SMEMBERS b | EXISTS a", "SADD a m | SMOVE a a m",
              "SADD a m | SET b v | SMOVE a b m", "SADD a m | SADD b m | SMOVE a b m | SCARD b"],
    "sinter": ["SINTER a b", "SADD a x y | SADD b y z | SINTER a b | SINTER a c", "SET k v | SINTER k"],
    "sintercard": ["SADD a x y | SADD b y | SINTERCARD 2 a b | SINTERCARD 2 a b LIMIT 1",
                   "SINTERCARD 0 a", "SINTERCARD 2 a", "SINTERCARD 1 a LIMIT -1", "SINTERCARD x a",
                   "SINTERCARD 1 a FOO 1"],
    "sunion": ["SUNION a b", "SADD a x y | SADD b y z | SUNION a b c", "SET k v | SUNION k"],
    "sdiff": ["SDIFF a b", "SADD a x y | SADD b y | SDIFF a b | SDIFF b a | SDIFF a c", "SET k v | SDIFF k"],
    "sinterstore": ["SADD a x y | SADD b y | SINTERSTORE d a b | SMEMBERS d",
                    "SET d v | SINTERSTORE d a | EXISTS d", "SET k v | SINTERSTORE d k"],
    "sunionstore": ["SADD a x | SADD b y | SUNIONSTORE d a b | SMEMBERS d", "SUNIONSTORE d a | EXISTS d"],
    "sdiffstore": ["SADD a x y | SADD b y | SDIFFSTORE d a b | SMEMBERS d", "SDIFFSTORE d a | EXISTS d"],
    "sscan": ["SSCAN s 0", "SADD s a b c | SSCAN s 0 | SSCAN s 0 MATCH a COUNT 1", "SET k v | SSCAN k 0"],
    # Bitmaps (strings, as in Redis) and LCS; more in tests/integration/test_bitmaps.py.
    "setbit": [
        "SETBIT k 7 1 | GET k | SETBIT k 7 0 | SETBIT k 100 1 | STRLEN k", "SETBIT k -1 1",
        "SETBIT k x 1", "SETBIT k 1 2", "SETBIT k 4294967296 1", "SET k foobar | SETBIT k 3 1 | GET k",
        "SET k v EX 100 | SETBIT k 30 1 | TTL k", HASH + " | SETBIT w 0 1", HASH + " | SETBIT w -1 1",
    ],
    "getbit": ["GETBIT k 0", "SETBIT k 9 1 | GETBIT k 9 | GETBIT k 99999", "GETBIT k -1",
               "GETBIT k 4294967296", HASH + " | GETBIT w 0"],
    "bitcount": [
        "SET k foobar | BITCOUNT k | BITCOUNT k 1 1 | BITCOUNT k 5 30 BIT | BITCOUNT k -2 -1 BYTE",
        "SET k foobar | BITCOUNT k -1 -5 | BITCOUNT k -100 -200 | BITCOUNT k 0", "BITCOUNT k 0",
        "SET k foobar | BITCOUNT k 0 1 FOO | BITCOUNT k a 1", HASH + " | BITCOUNT w",
    ],
    "bitpos": [
        "SET k '\xff\xf0' | BITPOS k 0 | BITPOS k 0 0 | BITPOS k 0 0 -1 | BITPOS k 1 3 -1 BIT",
        "BITPOS k 0 | BITPOS k 1 | BITPOS k 2", "SET k a | BITPOS k 1 0 x BLAH | BITPOS k 1 0 1 FOO",
        HASH + " | BITPOS w 1",
    ],
    "bitop": [
        "SET a abc | SET b xy | BITOP AND d a b | GET d | BITOP OR d a b c | GET d | BITOP NOT d a | GET d",
        "BITOP XOR d a b | EXISTS d", "SET a x | BITOP NOT d a b", "SET a x | BITOP FOO d a",
        HASH + " | SET a x | BITOP AND d a w", HASH + " | SET a x | BITOP OR w a | TYPE w",
    ],
    "bitfield": [
        "BITFIELD k INCRBY i5 100 1 GET u4 0 | GET k", "BITFIELD k OVERFLOW SAT INCRBY u2 0 9",
        "BITFIELD k OVERFLOW FAIL INCRBY u2 0 9 | EXISTS k", "BITFIELD k SET i8 '#1' 300 GET i8 '#1'",
        "BITFIELD k GET u64 0", "BITFIELD k GET i8 -1", "BITFIELD k OVERFLOW BAD", "BITFIELD k FOO",
        "BITFIELD k", HASH + " | BITFIELD w GET u8 0",
    ],
    "bitfield_ro": ["SET k ab | BITFIELD_RO k GET u8 0 GET i4 '#1'", "BITFIELD_RO k SET u8 0 1",
                    HASH + " | BITFIELD_RO w GET u8 0"],
    "lcs": [
        "SET a ohmytext | SET b mynewtext | LCS a b | LCS a b LEN | LCS a b IDX MINMATCHLEN 4 WITHMATCHLEN",
        "LCS a b | LCS a b IDX", "SET a x | LCS a b LEN IDX", "SET a x | LCS a b FOO",
        HASH + " | LCS w a",
    ],
    "unknown": ["NOSUCHCOMMAND", "NOSUCHCOMMAND a b", "''"],
    # Pub/sub on one connection (RESP2): replies, counts and the subscribed mode's restrictions.
    # Each case ends unsubscribed, so the next one's FLUSHALL runs. Messages between connections,
    # and their order, are compared with redis-server in tests/integration/test_pubsub.py.
    "subscribe": [
        "SUBSCRIBE a | PING | PING x | GET k | SET k v | PUBLISH a m | UNSUBSCRIBE a | PING | GET k",
        "SUBSCRIBE a | SUBSCRIBE a | UNSUBSCRIBE b | UNSUBSCRIBE a | UNSUBSCRIBE",
        "SUBSCRIBE a | RESET | GET k", "SUBSCRIBE a | PSUBSCRIBE a* | UNSUBSCRIBE a | PUNSUBSCRIBE a*",
    ],
    "unsubscribe": ["UNSUBSCRIBE", "UNSUBSCRIBE a"],  # one reply per name: one name a case
    "psubscribe": ["PSUBSCRIBE h?llo | PING | PUNSUBSCRIBE x | PUNSUBSCRIBE h?llo | PUNSUBSCRIBE"],
    "punsubscribe": ["PUNSUBSCRIBE", "PUNSUBSCRIBE p*"],
    "ssubscribe": ["SSUBSCRIBE s | PING | GET k | SUNSUBSCRIBE s | SUNSUBSCRIBE"],
    "sunsubscribe": ["SUNSUBSCRIBE", "SUNSUBSCRIBE s"],
    "publish": ["PUBLISH a x", "PUBLISH a ''"],
    "spublish": ["SPUBLISH s x"],
    "pubsub": [
        "PUBSUB NUMSUB a b | PUBSUB NUMSUB | PUBSUB NUMPAT | PUBSUB CHANNELS | PUBSUB CHANNELS a*",
        "PUBSUB SHARDCHANNELS | PUBSUB SHARDNUMSUB s | PUBSUB HELP", "PUBSUB NOPE",
        "PUBSUB CHANNELS a b", "PUBSUB NUMPAT x", "PUBSUB HELP x",
    ],
    # Keys whose time has passed (PXAT 1): every command must see them as missing.
    "expired keys": [
        "SET a 1 PXAT 1 | SET b 2 EXAT 1 | RANDOMKEY | DBSIZE | KEYS * | SCAN 0 | EXISTS a b",
        "SET a 1 PXAT 1 | GET a | TYPE a | TTL a | PTTL a | EXPIRETIME a | STRLEN a | GETRANGE a 0 -1",
        "SET a 1 PXAT 1 | RENAME a b | RENAMENX a b | EXISTS b | COPY a b",
        "SET a 1 PXAT 1 | APPEND a x | GET a | TTL a", "SET a 5 PXAT 1 | INCR a | TTL a",
        "SET a 5 PXAT 1 | INCRBYFLOAT a 1.5 | TTL a", "SET a hello PXAT 1 | SETRANGE a 2 x | GET a",
        "SET a 1 PXAT 1 | SET a 2 NX | GET a", "SET a 1 PXAT 1 | SET a 2 XX | GET a",
        "SET a 1 PXAT 1 | SET a 2 GET | GET a", "SET a 1 PXAT 1 | GETSET a 2 | TTL a",
        "SET a 1 PXAT 1 | GETDEL a | GETEX a PERSIST | PERSIST a | EXPIRE a 100 | TTL a",
        "SET a 1 PXAT 1 | MSETNX a 2 b 3 | MGET a b", "SET a 1 PXAT 1 | SETNX a 2 | GET a",
        "SET a 1 PXAT 1 | DEL a | UNLINK a | TOUCH a", "SET a 1 PXAT 1 | SET a 2 KEEPTTL | TTL a",
        "MSET a 1 b 2 | PEXPIREAT a 1 | RENAME b a | GET a | TTL a",
        "SET a 1 PXAT 1 | HSET a f v | TYPE a", "SET a 1 PXAT 1 | SADD a m | TYPE a",
    ],
    # --- lists ---
    "lpush": ["LPUSH l a b c | LRANGE l 0 -1 | LLEN l", "LPUSH l '' | LINDEX l 0", "SET s v | LPUSH s a"],
    "rpush": ["RPUSH l a b c | LRANGE l 0 -1", "RPUSH l a | LPUSH l b | RPUSH l c | LRANGE l 0 -1",
              HASH + " | RPUSH w a"],
    "lpushx": ["LPUSHX l a | EXISTS l", "RPUSH l a | LPUSHX l b c | LRANGE l 0 -1", HASH + " | LPUSHX w a"],
    "rpushx": ["RPUSHX l a | EXISTS l", "RPUSH l a | RPUSHX l b c | LRANGE l 0 -1", HASH + " | RPUSHX w a"],
    "lpop": ["LPOP l", "LPOP l 0", "LPOP l 2", "RPUSH l a b c | LPOP l | LPOP l 0 | LPOP l 5 | EXISTS l",
             "RPUSH l a | LPOP l -1", "RPUSH l a | LPOP l x", "RPUSH l a b | LPOP l 9223372036854775807",
             HASH + " | LPOP w", HASH + " | LPOP w 1"],
    "rpop": ["RPOP l", "RPOP l 3", "RPUSH l a b c | RPOP l | RPOP l 2 | EXISTS l",
             "RPUSH l a | RPOP l -5", HASH + " | RPOP w"],
    "llen": ["LLEN l", "RPUSH l a b | LLEN l", HASH + " | LLEN w"],
    "lrange": ["LRANGE l 0 -1", "RPUSH l a b c d | LRANGE l 1 2 | LRANGE l -2 -1 | LRANGE l 3 1 | LRANGE l 5 9",
               "RPUSH l a b | LRANGE l 0 9223372036854775807 | LRANGE l -9223372036854775808 0",
               "RPUSH l a | LRANGE l x 1", HASH + " | LRANGE w 0 -1"],
    "lindex": ["LINDEX l 0", "LINDEX l x", "RPUSH l a b | LINDEX l 0 | LINDEX l -1 | LINDEX l 2 | LINDEX l -3",
               "RPUSH l a | LINDEX l x", HASH + " | LINDEX w x"],
    "lset": ["LSET l 0 a", "LSET l x a", "RPUSH l a b | LSET l 1 B | LSET l -2 A | LRANGE l 0 -1",
             "RPUSH l a | LSET l 1 b", "RPUSH l a | LSET l x b", HASH + " | LSET w x a"],
    "linsert": ["LINSERT l BEFORE a b", "LINSERT l MIDDLE a b",
                "RPUSH l a b c | LINSERT l BEFORE a x | LINSERT l after c y | LINSERT l AFTER q z | LRANGE l 0 -1",
                "RPUSH l a b c d e | LINSERT l before d x | LINSERT l after b y | LRANGE l 0 -1",
                HASH + " | LINSERT w BEFORE a b"],
    "lrem": ["LREM l 1 a", "LREM l x a", "RPUSH l a b a c a | LREM l 2 a | LRANGE l 0 -1",
             "RPUSH l a b a c a | LREM l -2 a | LRANGE l 0 -1", "RPUSH l a a | LREM l 0 a | EXISTS l",
             "RPUSH l a b a | LREM l -9223372036854775808 a | LRANGE l 0 -1", HASH + " | LREM w 0 a"],
    "ltrim": ["LTRIM l 0 1", "RPUSH l a b c d | LTRIM l 1 -2 | LRANGE l 0 -1",
              "RPUSH l a b | LTRIM l 5 9 | EXISTS l", "RPUSH l a b | LTRIM l x 1", HASH + " | LTRIM w 0 1"],
    "lpos": ["LPOS l a", "LPOS l a COUNT 1", "RPUSH l a b a c a | LPOS l a | LPOS l a RANK 2 | LPOS l a RANK -1",
             "RPUSH l a b a c a | LPOS l a COUNT 0 | LPOS l a COUNT 2 RANK -1 | LPOS l a COUNT 0 MAXLEN 2",
             "RPUSH l a | LPOS l a RANK 0", "RPUSH l a | LPOS l a COUNT -1", "RPUSH l a | LPOS l a MAXLEN -1",
             "RPUSH l a | LPOS l a RANK -9223372036854775808", "RPUSH l a | LPOS l a FOO 1",
             "RPUSH l a | LPOS l a COUNT 9223372036854775807 MAXLEN 0", HASH + " | LPOS w a"],
    "lmove": ["LMOVE a b LEFT RIGHT", "RPUSH a x y | LMOVE a b LEFT RIGHT | LMOVE a b RIGHT LEFT | LRANGE b 0 -1",
              "RPUSH a x y z | LMOVE a a LEFT RIGHT | LRANGE a 0 -1", "RPUSH a x | LMOVE a b UP LEFT",
              HASH + " | RPUSH a x | LMOVE a w LEFT LEFT | LMOVE w a LEFT LEFT | LMOVE n w LEFT LEFT"],
    "rpoplpush": ["RPOPLPUSH a b", "RPUSH a x y | RPOPLPUSH a b | RPOPLPUSH a a | LRANGE a 0 -1 | LRANGE b 0 -1",
                  HASH + " | RPUSH a x | RPOPLPUSH a w"],
    "lmpop": ["LMPOP 1 l LEFT", "RPUSH b x y z | LMPOP 2 a b LEFT | LMPOP 2 a b RIGHT COUNT 5 | EXISTS b",
              "LMPOP 0 a LEFT", "LMPOP x a LEFT", "LMPOP 3 a LEFT", "LMPOP 1 a MIDDLE",
              "LMPOP 1 a LEFT COUNT 0", "LMPOP 1 a LEFT COUNT 1 COUNT 1", "LMPOP 1 a LEFT FOO",
              HASH + " | RPUSH b x | LMPOP 2 w b LEFT | LMPOP 2 b w LEFT"],
    # Transactions on one connection (every case leaves MULTI); WATCH with other connections,
    # expiry and flushes: tests/integration/test_transactions.py.
    "multi": ["MULTI | SET a 1 | INCR a | GET a | EXEC", "MULTI | EXEC", "MULTI | MULTI | PING | EXEC",
              "MULTI | SET a | SET b 1 | EXEC | EXISTS b", "MULTI | NOSUCH | EXEC",
              "SET s x | MULTI | INCR s | LPUSH s 1 | SET t 2 | EXEC | GET t",
              "MULTI | RPUSH l a b | LRANGE l 0 -1 | MSET m 1 n 2 | MGET m n | EXEC",
              HASH + " | MULTI | HGET w f | GET w | HSET w g 2 | HGETALL w | EXEC",
              # scripts inside the transaction
              "SET a 1 | MULTI | EVAL 'return redis.call(\"incr\", KEYS[1])' 1 a | GET a | EXEC",
              "MULTI | EVAL 'return redis.call(\"nosuch\")' 0 | SET b 1 | EXEC | GET b",
              "MULTI | EVAL 'redis.call(\"set\", \"c\", \"1\") error(\"x\")' 0 | EXEC | GET c",
              "MULTI | EVAL 'return 1' 9 | EVALSHA ffffffffffffffffffffffffffffffffffffffff 0 | EXEC",
              "MULTI | EVAL_RO 'return redis.call(\"set\", \"d\", \"1\")' 0 | EXEC | EXISTS d",
              "MULTI | SCRIPT LOAD 'return 5' | EVALSHA 4ca238f611c9d0ae4e9a75a5dbac22aedc379801 0 "
              "| EXEC",
              "MULTI | EVAL 'return 1' | EXEC",
              "MULTI | PUBLISH ch m | EVAL 'return redis.call(\"publish\", \"ch\", \"x\")' 0 | EXEC"],
    "exec": ["EXEC", "MULTI | SHUTDOWN | EXEC", "MULTI | SET a 1 | EXEC | EXEC"],
    "discard": ["DISCARD", "MULTI | SET a 1 | DISCARD | GET a | DISCARD"],
    "watch": ["WATCH a | SET a 1 | MULTI | SET b 1 | EXEC | GET b", "MULTI | WATCH a | PING | EXEC",
              "WATCH a | EVAL 'return redis.call(\"set\", KEYS[1], 1)' 1 a | MULTI | PING | EXEC",
              "WATCH a | MULTI | EVAL 'return redis.call(\"incr\", KEYS[1])' 1 a | EXEC | GET a",
              "WATCH a b | MULTI | SET a 1 | EXEC | GET a", "WATCH a | DEL a | MULTI | PING | EXEC"],
    "unwatch": ["WATCH a | SET a 1 | UNWATCH | MULTI | PING | EXEC", "MULTI | UNWATCH | EXEC"],
    # Blocking pops from one connection: served at once, or a short timeout (0.01 s: what Redis
    # reads as 10 ms; a timeout under 1 ms is rounded up to 1 ms, as Redis does).
    "blpop": ["BLPOP a 0.01", "RPUSH b x y | BLPOP a b 0 | BLPOP b 0 | EXISTS b", "BLPOP a -1",
              "BLPOP a x", "BLPOP a inf", "BLPOP a 1e30", "BLPOP a ''", HASH + " | BLPOP a w 0",
              ZSET + " | BLPOP w 0.01"],
    "brpop": ["BRPOP a 0.01", "RPUSH b x y | BRPOP a b 0 | LRANGE b 0 -1", "BRPOP a -0.01",
              HASH + " | BRPOP w 0"],
    "blmove": ["BLMOVE a b LEFT RIGHT 0.01 | EXISTS b",
               "RPUSH a x y | BLMOVE a b LEFT RIGHT 0 | BLMOVE a a RIGHT LEFT 0 | LRANGE a 0 -1",
               "BLMOVE a b UP LEFT 0", "BLMOVE a b LEFT LEFT x", "BLMOVE a b LEFT LEFT -1",
               HASH + " | RPUSH a x | BLMOVE a w LEFT LEFT 0 | BLMOVE w a LEFT LEFT 0",
               HASH + " | BLMOVE n w LEFT LEFT 0.01"],
    "brpoplpush": ["BRPOPLPUSH a b 0.01", "RPUSH a x y | BRPOPLPUSH a b 0 | LRANGE b 0 -1",
                   "BRPOPLPUSH a b -1", HASH + " | RPUSH a x | BRPOPLPUSH a w 0"],
    "blmpop": ["BLMPOP 0.01 1 l LEFT",
               "RPUSH b x y z | BLMPOP 0 2 a b LEFT | BLMPOP 0 2 a b RIGHT COUNT 5 | EXISTS b",
               "BLMPOP 0 0 a LEFT", "BLMPOP x 1 a LEFT", "BLMPOP -1 1 a LEFT", "BLMPOP 0 3 a LEFT",
               "BLMPOP 0 1 a MIDDLE", "BLMPOP 0 1 a LEFT COUNT 0", "BLMPOP x 0 a LEFT",
               HASH + " | RPUSH b x | BLMPOP 0 2 w b LEFT | BLMPOP 0 2 b w LEFT"],
    "bzpopmin": ["BZPOPMIN z 0.01", "ZADD y 1 a 2 b | BZPOPMIN z y 0 | BZPOPMIN y 0 | EXISTS y",
                 "BZPOPMIN z -1", "BZPOPMIN z x", HASH + " | BZPOPMIN z w 0",
                 LIST + " | BZPOPMIN w 0.01"],
    "bzpopmax": ["BZPOPMAX z 0.01", "ZADD y 1 a 2.5 b | BZPOPMAX z y 0 | ZRANGE y 0 -1",
                 HASH + " | BZPOPMAX w 0"],
    "bzmpop": ["BZMPOP 0.01 1 z MIN",
               "ZADD y 1 a 2 b 3 c | BZMPOP 0 2 z y MAX COUNT 2 | BZMPOP 0 1 y MIN COUNT 9 | EXISTS y",
               "BZMPOP 0 0 z MIN", "BZMPOP x 1 z MIN", "BZMPOP 0 1 z MID", "BZMPOP 0 1 z MIN COUNT 0",
               "BZMPOP -1 1 z MIN", HASH + " | ZADD y 1 a | BZMPOP 0 2 w y MIN | BZMPOP 0 2 y w MIN"],
    # Scripts: bodies are single-quoted words (no ` | ` inside them).
    "eval": [
        "EVAL 'return redis.call(\"incr\", KEYS[1])' 1 k | GET k",
        "EVAL 'redis.call(\"set\", KEYS[1], ARGV[1]) return redis.call(\"get\", KEYS[1])' 1 k v",
        "EVAL 'return {1, 2.5, \"x\", false, {ok=\"s\"}, {err=\"E e\"}}' 0",
        "EVAL 'return redis.call(\"hgetall\", KEYS[1])' 1 w | " + HASH +
        " | EVAL 'return redis.call(\"hgetall\", KEYS[1])' 1 w",
        HASH + " | EVAL 'return redis.call(\"get\", KEYS[1])' 1 w",
        HASH + " | EVAL 'return redis.pcall(\"get\", KEYS[1])' 1 w",
        "EVAL 'redis.call(\"set\", \"a\", \"1\") error(\"late\")' 0 | GET a",
        "EVAL 'return redis.call(\"nosuch\")' 0", "EVAL 'x = 1' 0", "EVAL 'return y' 0",
        "EVAL 'return 1' -1", "EVAL 'return 1' 2 a", "EVAL 'return 1' z", "EVAL 'retur n' 0",
        "EVAL 'return redis.call(\"lrange\", KEYS[1], 0, -1)' 1 l | RPUSH l a b | "
        "EVAL 'return redis.call(\"lrange\", KEYS[1], 0, -1)' 1 l",
        "EVAL 'return redis.call(\"zscore\", KEYS[1], \"m\")' 1 w | " + ZSET +
        " | EVAL 'redis.setresp(3) return redis.call(\"zscore\", KEYS[1], \"m\")' 1 w",

        # PUBLISH from a script; blocking commands (noscript but BLMPOP/BZMPOP); cmsgpack
        "EVAL 'return redis.call(\"publish\", \"ch\", \"m\")' 0",
        "EVAL 'return redis.call(\"spublish\", \"ch\", \"m\")' 0",
        "EVAL 'return redis.call(\"subscribe\", \"ch\")' 0",
        "RPUSH l a | EVAL 'return redis.call(\"blpop\", KEYS[1], 0)' 1 l",
        "RPUSH l a | EVAL 'return redis.call(\"blmpop\", 0, 1, KEYS[1], \"LEFT\")' 1 l",
        "EVAL 'return redis.call(\"bzmpop\", 0, 1, KEYS[1], \"MIN\")' 1 z",
        "EVAL 'return cmsgpack.pack(1, -1, 300, 70000, 2^40, -2^40, 0.5, 0.1, \"s\", true, nil)' 0",
        "EVAL 'return cmsgpack.pack({1, 2, {3}}, {a = 1}, {}, string.rep(\"x\", 40))' 0",
        "EVAL 'return {cmsgpack.unpack(cmsgpack.pack(1, \"two\", {3, 4}, 2.5))}' 0",
        "EVAL 'return cmsgpack.unpack(\"\\205\")' 0", "EVAL 'return cmsgpack.pack()' 0",
        "EVAL 'return {cmsgpack.unpack_limit(cmsgpack.pack(1, 2, 3), 2, 1)}' 0",
    ],
    "evalsha": [
        "SCRIPT LOAD 'return ARGV[1]' | EVALSHA 098e0f0d1448c0a81dafe820f66d460eb09263da 0 hi",
        "EVALSHA ffffffffffffffffffffffffffffffffffffffff 0",
        "EVALSHA_RO ffffffffffffffffffffffffffffffffffffffff 0",
    ],
    "eval_ro": [
        "SET k v | EVAL_RO 'return redis.call(\"get\", KEYS[1])' 1 k",
        "EVAL_RO 'return redis.call(\"set\", KEYS[1], \"v\")' 1 k | EXISTS k",
        "EVAL_RO 'return redis.pcall(\"del\", KEYS[1])' 1 k",
    ],
    "script": [
        "SCRIPT LOAD 'return 1' | SCRIPT EXISTS e0e1f9fabfc9d4800c877a703b823ac0578ff8db abc",
        "SCRIPT LOAD 'retur n'", "SCRIPT KILL", "SCRIPT FLUSH SYNC", "SCRIPT FLUSH bad",
        "SCRIPT nope",
    ],
}

# Strings longer than Mnemo's fragment size (4096 bytes, types/string_fragments.h: such a value
# is stored in 4096-byte fragments, sparse when zero): offsets at and across the fragment edges
# (byte 4095/4096, bit 32767/32768), high offsets, values written whole and partly, BITOP over
# mixed small and large sources, and the generic commands over them.
_F = 4096
_BIG = "'" + "ab" * 3000 + "'"  # 6000 bytes
_EDGE = "'" + "x" * _F + "'"  # exactly one fragment: still one record
_ZEROS_NUMBER = "'" + "0" * 4500 + "1.5'"  # a long text that is still a float
CASES["setbit"] += [
    "SETBIT k 32767 1 | SETBIT k 32768 1 | STRLEN k | GET k | BITCOUNT k | BITPOS k 1 | "
    "BITPOS k 1 4096 | BITPOS k 0 4095 4095 | BITCOUNT k 4095 4096 | BITCOUNT k 32760 32775 BIT",
    "SETBIT k 80000000 1 | STRLEN k | GETBIT k 80000000 | GETBIT k 79999999 | GETBIT k 0 | "
    "BITCOUNT k | BITPOS k 1 | BITPOS k 0 | BITPOS k 1 -2 | SETBIT k 80000000 0 | BITCOUNT k | "
    "STRLEN k | GETRANGE k 9999999 -1 | BITPOS k 1",
    "SETBIT k 4294967295 1 | STRLEN k | GETBIT k 4294967295 | BITCOUNT k -1 -1 | "
    "BITPOS k 1 -10 | SETBIT k 4294967295 0 | BITCOUNT k -8 -1 | DEL k | EXISTS k",
    "SET k " + _BIG + " | SETBIT k 47999 1 | SETBIT k 48000 1 | GETRANGE k 5990 -1 | "
    "SETBIT k 32768 0 | GETRANGE k 4094 4097 | BITCOUNT k | OBJECT ENCODING k",
]
CASES["setrange"] += [
    "SETRANGE k 4094 abcdef | STRLEN k | GETRANGE k 4090 4100 | SETRANGE k 10000 z | GET k",
    "SET k " + _BIG + " | SETRANGE k 4095 XY | GETRANGE k 4094 4097 | SETRANGE k 8190 '' | "
    "SETRANGE k 8191 Q | GET k | STRLEN k",
    "SET k " + _EDGE + " | SETRANGE k 4096 y | STRLEN k | GETRANGE k 4094 -1 | SETRANGE k 0 Z | "
    "GETRANGE k 0 1 | TYPE k",
    "SETRANGE k 100000 x | SETRANGE k 50000 y | GETRANGE k 49999 50001 | BITCOUNT k | "
    "BITCOUNT k 50000 50000 | STRLEN k",
]
CASES["append"] += [
    "SET k " + _EDGE + " | APPEND k ab | STRLEN k | GETRANGE k 4094 -1 | GET k",
    "APPEND k " + _BIG + " | APPEND k " + _BIG + " | STRLEN k | GETRANGE k 5998 6001 | "
    "GETRANGE k -3 -1",
    "SETBIT k 40000 1 | APPEND k xyz | STRLEN k | GETRANGE k -4 -1 | BITCOUNT k",
]
CASES["getrange"] += [
    "SET k " + _BIG + " | GETRANGE k 4095 4096 | GETRANGE k -4097 -4096 | GETRANGE k 0 -1 | "
    "GETRANGE k 5999 100000 | GETRANGE k 6000 6001 | GETRANGE k -100000 3 | GETRANGE k 4096 4095",
]
CASES["bitop"] += [
    "SET a " + _BIG + " | SET b xyz | BITOP AND d a b | GET d | BITOP OR d a b | GET d | "
    "BITOP XOR d b a | STRLEN d | GETRANGE d 0 5 | BITOP NOT d a | GETRANGE d 4090 4100 | STRLEN d",
    "SETBIT a 100000 1 | SET b abc | BITOP OR d a b | BITCOUNT d | STRLEN d | GETRANGE d 0 3 | "
    "BITOP AND d a b | BITCOUNT d | BITOP AND d b nosuch | EXISTS d",
    "SETBIT a 50000 1 | BITOP OR a a b | BITCOUNT a | STRLEN a | BITOP NOT b a | BITCOUNT b",
]
CASES["bitfield"] += [
    "BITFIELD k SET u8 32764 255 SET i16 32760 -1 GET u32 32760 INCRBY u8 65536 1 | STRLEN k | "
    "GETRANGE k 4094 4097 | BITFIELD_RO k GET u16 32760 GET i8 65536 GET i64 32740",
    "SET k " + _BIG + " | BITFIELD k INCRBY i64 32740 12345 GET i64 32740 OVERFLOW FAIL "
    "INCRBY u2 47998 9 | GETRANGE k 4092 4098 | BITFIELD k SET u8 '#5999' 7 | GETRANGE k -1 -1",
]
CASES["strlen"] += ["SET k " + _BIG + " | STRLEN k | SETBIT k 90000 1 | STRLEN k"]
CASES["getdel"] += [
    "SET k " + _BIG + " | GETDEL k | EXISTS k | SETRANGE k 9000 x | GETDEL k | GET k"]
CASES["getex"] += [
    "SET k " + _BIG + " | GETEX k EX 100 | TTL k | SETRANGE k 7000 x | TTL k | GETEX k PERSIST | "
    "TTL k | GETRANGE k 6999 7000",
]
CASES["incrbyfloat"] += [
    "SET k " + _ZEROS_NUMBER + " | INCRBYFLOAT k 1 | GET k", "SETRANGE k 5000 1 | INCRBYFLOAT k 1",
    "SETRANGE k 5000 1 | INCR k | INCRBY k 5",
]
CASES["lcs"] += ["SETRANGE a 4100 x | SET b x | LCS a b LEN | LCS a b | LCS a b IDX"]
CASES["set"] += [
    "SETRANGE k 5000 x | SET k small | GET k | STRLEN k | SET k " + _BIG + " GET | STRLEN k",
    "SET k " + _BIG + " EX 100 | TTL k | SET k v KEEPTTL | TTL k | SET k " + _BIG + " XX | TTL k",
]
CASES["rename"] += [
    "SETRANGE k 5000 x | TYPE k | OBJECT ENCODING k | RENAME k j | GETRANGE j 4999 5000 | "
    "COPY j c | STRLEN c | SETBIT c 0 1 | GETRANGE j 0 0 | GETRANGE c 0 0 | DEL j c | EXISTS j c",
]
CASES["expire"] += [
    "SET k " + _BIG + " | EXPIRE k 100 | TTL k | PERSIST k | TTL k | PEXPIRE k 1 | SETBIT j 1 1",
]
CASES["mset"] += ["MSET a " + _BIG + " b x | MGET a b c | STRLEN a"]


def parse_case(line):
    """The commands of one case line, each a tuple of arguments."""
    commands, current = [], []
    for word in shlex.split(line, posix=True):
        if word == "|":
            commands.append(tuple(current))
            current = []
        else:
            current.append(word)
    commands.append(tuple(current))
    return [c for c in commands if c]
