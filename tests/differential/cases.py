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
        "INCRBYFLOAT k inf", "INCRBYFLOAT k nan", "INCRBYFLOAT k x", "INCRBYFLOAT k ''",
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
    "unknown": ["NOSUCHCOMMAND", "NOSUCHCOMMAND a b", "''"],
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
}


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
