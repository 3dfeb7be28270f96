<?php
// The client-matrix checks (tests/clients/README.md) run with phpredis and its defaults.
//
// Usage: php matrix_phpredis.php PORT. Prints one result line; exits non-zero on the first
// failure (an uncaught exception exits with status 255).
// phpredis does not throw on an error reply: the call returns false and getLastError() has the
// text. Connection and protocol errors throw RedisException.

const BIG_LEN = 1 << 20;

// The same 1 MB pattern every client script builds (see matrix_redis_py.py).
function big_value(): string {
    $s = str_repeat("\0", BIG_LEN);
    for ($i = 0; $i < BIG_LEN; $i++) $s[$i] = chr(97 + ($i * 7 + ($i >> 10)) % 26);
    return $s;
}

function check(bool $cond, string $what): void {
    if (!$cond) throw new Exception($what);
}

function strings(Redis $c): void {
    check($c->set("s:k", "v1") === true, "SET");
    check($c->get("s:k") === "v1", "GET");
    check($c->set("s:n", "41") && $c->incr("s:n") === 42, "INCR");
    check($c->mset(["s:a" => "1", "s:b" => "2"]) === true, "MSET");
    check($c->mget(["s:a", "s:b", "s:missing"]) === ["1", "2", false], "MGET");
    check($c->append("s:k", "23") === 4 && $c->get("s:k") === "v123", "APPEND");
    check($c->getRange("s:k", 1, 2) === "12", "GETRANGE");
}

function keys(Redis $c): void {
    check($c->exists("s:k", "s:a", "nokey") === 2, "EXISTS");
    check($c->expire("s:k", 100) === true && ($ttl = $c->ttl("s:k")) >= 90 && $ttl <= 100,
          "EXPIRE/TTL");
    check($c->ttl("s:a") === -1 && $c->ttl("nokey") === -2, "TTL without expiry / missing");
    check($c->type("s:a") === Redis::REDIS_STRING && $c->type("nokey") === Redis::REDIS_NOT_FOUND,
          "TYPE");
    check($c->rename("s:a", "s:c") === true && $c->get("s:c") === "1" && $c->exists("s:a") === 0,
          "RENAME");
    check($c->del("s:b", "s:c", "nokey") === 2, "DEL");
}

function pipeline(Redis $c): void {
    $p = $c->pipeline();
    for ($i = 0; $i < 50; $i++) $p->set("p:$i", "v$i");
    for ($i = 0; $i < 50; $i++) $p->get("p:$i");
    $replies = $p->exec();
    check(count($replies) === 100, "pipeline reply count " . count($replies));
    check(array_slice($replies, 0, 50) === array_fill(0, 50, true), "pipeline SET replies");
    $want = [];
    for ($i = 0; $i < 50; $i++) $want[] = "v$i";
    check(array_slice($replies, 50) === $want, "pipeline GET replies");
}

function scan(Redis $c): void {
    $p = $c->pipeline();
    for ($i = 0; $i < 500; $i++) $p->set("scan:$i", "$i");
    for ($i = 0; $i < 50; $i++) $p->set("other:$i", "$i");
    $p->exec();
    $want = [];
    for ($i = 0; $i < 500; $i++) $want[] = "scan:$i";
    sort($want);
    // SCAN_RETRY: phpredis itself calls SCAN again when a batch comes back empty, so the loop
    // below sees each non-empty batch and stops when the cursor is back at 0 (scan() false).
    $c->setOption(Redis::OPT_SCAN, Redis::SCAN_RETRY);
    $seen = [];
    $it = null;
    while (($batch = $c->scan($it, "scan:*", 50)) !== false) {
        foreach ($batch as $k) $seen[] = $k;
    }
    check(count($seen) === count(array_unique($seen)), "SCAN returned a key twice");
    sort($seen);
    check($seen === $want, "SCAN MATCH: " . count(array_unique($seen)) . " keys seen, 500 set");
}

function errors(Redis $c): void {
    $c->set("e:text", "abc");
    $c->clearLastError();
    check($c->incr("e:text") === false, "INCR on a non-integer did not fail");
    $err = $c->getLastError();
    check($err !== null && str_contains($err, "not an integer"), "INCR error text " . var_export($err, true));
    check($c->ping() === true, "connection usable after an error reply");
}

function big(Redis $c): void {
    $v = big_value();
    check($c->set("big", $v) === true, "SET 1 MB");
    check($c->strlen("big") === BIG_LEN, "STRLEN 1 MB");
    check($c->get("big") === $v, "GET 1 MB");
}

$c = new Redis();
check($c->connect("127.0.0.1", (int)$argv[1]), "connect");
foreach (["strings", "keys", "pipeline", "scan", "errors", "big"] as $step) $step($c);
echo "phpredis " . phpversion("redis") . ": ok\n";
