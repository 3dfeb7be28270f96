/* The client-matrix checks (tests/clients/README.md) run with hiredis, the C client, through
 * its synchronous API with default settings.
 *
 * Usage: matrix_hiredis PORT. Prints one result line; exits 1 on the first failure, naming it.
 * Single-threaded; every reply is freed before the next command (LeakSanitizer runs it too). */
#include <hiredis.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { kBigLen = 1 << 20, kScanKeys = 500 };

static redisContext* ctx;

static void Fail(const char* fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  fprintf(stderr, "FAIL: ");
  vfprintf(stderr, fmt, ap);
  fprintf(stderr, "\n");
  va_end(ap);
  exit(1);
}

/* Runs a command and fails unless a reply came back (a connection error fails here). */
static redisReply* Command(const char* fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  redisReply* r = redisvCommand(ctx, fmt, ap);
  va_end(ap);
  if (r == NULL) Fail("%s: %s", fmt, ctx->errstr);
  return r;
}

static void ExpectStatus(redisReply* r, const char* want, const char* what) {
  if (r->type != REDIS_REPLY_STATUS || strcmp(r->str, want) != 0) Fail("%s: not +%s", what, want);
  freeReplyObject(r);
}

static void ExpectInt(redisReply* r, long long want, const char* what) {
  if (r->type != REDIS_REPLY_INTEGER || r->integer != want)
    Fail("%s: want :%lld, got type %d value %lld", what, want, r->type, r->integer);
  freeReplyObject(r);
}

static int IsBulk(const redisReply* r, const char* want, size_t len) {
  return r->type == REDIS_REPLY_STRING && r->len == len && memcmp(r->str, want, len) == 0;
}

static void ExpectBulk(redisReply* r, const char* want, size_t len, const char* what) {
  if (!IsBulk(r, want, len))
    Fail("%s: wrong bulk reply (type %d, length %zu)", what, r->type, r->len);
  freeReplyObject(r);
}

static void ExpectStr(redisReply* r, const char* want, const char* what) {
  ExpectBulk(r, want, strlen(want), what);
}

static void Strings(void) {
  ExpectStatus(Command("SET s:k v1"), "OK", "SET");
  ExpectStr(Command("GET s:k"), "v1", "GET");
  ExpectStatus(Command("SET s:n 41"), "OK", "SET");
  ExpectInt(Command("INCR s:n"), 42, "INCR");
  ExpectStatus(Command("MSET s:a 1 s:b 2"), "OK", "MSET");
  redisReply* r = Command("MGET s:a s:b s:missing");
  if (r->type != REDIS_REPLY_ARRAY || r->elements != 3 || !IsBulk(r->element[0], "1", 1) ||
      !IsBulk(r->element[1], "2", 1) || r->element[2]->type != REDIS_REPLY_NIL)
    Fail("MGET: want [1, 2, nil]");
  freeReplyObject(r);
  ExpectInt(Command("APPEND s:k 23"), 4, "APPEND");
  ExpectStr(Command("GETRANGE s:k 1 2"), "12", "GETRANGE");
}

static void Keys(void) {
  ExpectInt(Command("EXISTS s:k s:a nokey"), 2, "EXISTS");
  ExpectInt(Command("EXPIRE s:k 100"), 1, "EXPIRE");
  redisReply* r = Command("TTL s:k");
  if (r->type != REDIS_REPLY_INTEGER || r->integer < 90 || r->integer > 100) Fail("TTL");
  freeReplyObject(r);
  ExpectInt(Command("TTL s:a"), -1, "TTL without expiry");
  ExpectInt(Command("TTL nokey"), -2, "TTL of a missing key");
  ExpectStatus(Command("TYPE s:a"), "string", "TYPE");
  ExpectStatus(Command("TYPE nokey"), "none", "TYPE of a missing key");
  ExpectStatus(Command("RENAME s:a s:c"), "OK", "RENAME");
  ExpectStr(Command("GET s:c"), "1", "GET after RENAME");
  ExpectInt(Command("EXISTS s:a"), 0, "RENAME removed the old name");
  ExpectInt(Command("DEL s:b s:c nokey"), 2, "DEL");
}

static redisReply* NextReply(void) {
  void* reply = NULL;
  if (redisGetReply(ctx, &reply) != REDIS_OK) Fail("pipeline: %s", ctx->errstr);
  return reply;
}

static void Pipeline(void) {
  char want[16];
  for (int i = 0; i < 50; i++) redisAppendCommand(ctx, "SET p:%d v%d", i, i);
  for (int i = 0; i < 50; i++) redisAppendCommand(ctx, "GET p:%d", i);
  for (int i = 0; i < 50; i++) ExpectStatus(NextReply(), "OK", "pipeline SET");
  for (int i = 0; i < 50; i++) {
    snprintf(want, sizeof want, "v%d", i);
    ExpectStr(NextReply(), want, "pipeline GET");
  }
}

static void Scan(void) {
  static char seen[kScanKeys];
  for (int i = 0; i < kScanKeys; i++) redisAppendCommand(ctx, "SET scan:%d %d", i, i);
  for (int i = 0; i < 50; i++) redisAppendCommand(ctx, "SET other:%d %d", i, i);
  for (int i = 0; i < kScanKeys + 50; i++) ExpectStatus(NextReply(), "OK", "SET for SCAN");
  char cursor[32] = "0";
  int count = 0;
  do {
    redisReply* r = Command("SCAN %s MATCH scan:* COUNT 50", cursor);
    if (r->type != REDIS_REPLY_ARRAY || r->elements != 2) Fail("SCAN: wrong reply shape");
    snprintf(cursor, sizeof cursor, "%s", r->element[0]->str);
    redisReply* keys = r->element[1];
    for (size_t j = 0; j < keys->elements; j++) {
      int n = -1, used = 0;
      if (sscanf(keys->element[j]->str, "scan:%d%n", &n, &used) != 1 ||
          used != (int)keys->element[j]->len || n < 0 || n >= kScanKeys)
        Fail("SCAN MATCH returned %s", keys->element[j]->str);
      if (seen[n]++) Fail("SCAN returned %s twice", keys->element[j]->str);
      count++;
    }
    freeReplyObject(r);
  } while (strcmp(cursor, "0") != 0);
  if (count != kScanKeys) Fail("SCAN MATCH: %d keys seen, %d set", count, kScanKeys);
}

static void Errors(void) {
  ExpectStatus(Command("SET e:text abc"), "OK", "SET");
  redisReply* r = Command("INCR e:text");
  if (r->type != REDIS_REPLY_ERROR || strstr(r->str, "not an integer") == NULL)
    Fail("INCR on a non-integer: want an error reply, got type %d", r->type);
  freeReplyObject(r);
  ExpectStatus(Command("PING"), "PONG", "connection usable after an error reply");
}

static void Big(void) {
  char* v = malloc(kBigLen);
  if (v == NULL) Fail("malloc");
  /* The same 1 MB pattern every client script builds (see ../python/matrix_redis_py.py). */
  for (int i = 0; i < kBigLen; i++) v[i] = (char)(97 + (i * 7 + (i >> 10)) % 26);
  ExpectStatus(Command("SET big %b", v, (size_t)kBigLen), "OK", "SET 1 MB");
  ExpectInt(Command("STRLEN big"), kBigLen, "STRLEN 1 MB");
  ExpectBulk(Command("GET big"), v, kBigLen, "GET 1 MB");
  free(v);
}

int main(int argc, char** argv) {
  if (argc != 2) Fail("usage: %s PORT", argv[0]);
  ctx = redisConnect("127.0.0.1", atoi(argv[1]));
  if (ctx == NULL || ctx->err) Fail("connect: %s", ctx ? ctx->errstr : "out of memory");
  Strings();
  Keys();
  Pipeline();
  Scan();
  Errors();
  Big();
  redisFree(ctx);
  printf("hiredis %d.%d.%d: ok\n", HIREDIS_MAJOR, HIREDIS_MINOR, HIREDIS_PATCH);
  return 0;
}
