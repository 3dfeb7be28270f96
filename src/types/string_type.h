// The string data type: a value up to kStringFragmentSize is stored inline in its metadata
// record (one RocksDB key per string: GET and SET of such values are one record each); a longer
// one in fragments (types/string_fragments.h), so APPEND and SETRANGE rewrite only the
// fragments they touch. Read-modify-writes go through the Database's write context
// (database.h); plain SET/MSET are blind writes that may join a pipeline's batch
// (PendingWrites). A whole fragmented value read (GET, GETDEL, SET ... GET, GETRANGE) is refused
// with -OOM when longer than the memory left under the limit (its fragments may be sparse: the
// stored bytes do not bound it). Thread-safe like Database.
#pragma once

#include <functional>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "types/database.h"

namespace mnemo {

class StringType {
 public:
  // max_len: the largest value APPEND/SETRANGE may build (proto-max-bulk-len); headroom: the
  // memory left under the limit, which such a value may not exceed either (-OOM).
  StringType(Database* db, int64_t max_len, int64_t headroom = std::numeric_limits<int64_t>::max())
      : db_(db), max_len_(max_len), headroom_(headroom) {}

  // NotFound when absent; WrongType when another type.
  Status Get(std::string_view key, std::string* value) const;
  // Hands `visit` one entry per key, in order: nullopt for absent keys and keys of another type
  // (as Redis's MGET). Values are not collected, so memory stays one value however many keys;
  // `visit` returns false to stop early. The view is valid only during the call.
  Status MGet(const std::vector<std::string_view>& keys,
              const std::function<bool(std::optional<std::string_view>)>& visit) const;

  struct SetArgs {
    enum class Cond { kAlways, kNX, kXX } cond = Cond::kAlways;
    int64_t expire_ms = 0;  // absolute unix ms, 0 = none
    bool keep_ttl = false;
    bool get = false;  // return the old value (WrongType if it is not a string)
  };
  struct SetResult {
    bool written = false;
    std::optional<std::string> old;  // filled only with args.get
  };
  StatusOr<SetResult> Set(std::string_view key, std::string_view value, const SetArgs& args);
  // Adds a plain SET (no condition, no GET) to `pending`; it takes effect when pending commits.
  void SetBlind(std::string_view key, std::string_view value, int64_t expire_ms,
                PendingWrites* pending);
  StatusOr<bool> MSetNX(const std::vector<std::pair<std::string_view, std::string_view>>& kvs);
  // MSET through the operation's write context (all pairs in it, the keys locked): the path
  // of an MSET that cannot join a pipeline's batch (inside EXEC).
  Status MSet(const std::vector<std::pair<std::string_view, std::string_view>>& kvs);

  StatusOr<std::optional<std::string>> GetDel(std::string_view key);
  // GETEX: expire_ms absent = leave the TTL, 0 = PERSIST, > 0 = new absolute expiry.
  StatusOr<std::optional<std::string>> GetEx(std::string_view key,
                                             std::optional<int64_t> expire_ms);
  StatusOr<int64_t> Append(std::string_view key, std::string_view value);
  StatusOr<int64_t> StrLen(std::string_view key) const;
  StatusOr<int64_t> IncrBy(std::string_view key, int64_t delta);
  StatusOr<std::string> IncrByFloat(std::string_view key, long double delta);
  StatusOr<std::string> GetRange(std::string_view key, int64_t start, int64_t end) const;
  StatusOr<int64_t> SetRange(std::string_view key, int64_t offset, std::string_view value);

  // The error for a value of `size` bytes beyond max_len or headroom, or OK.
  Status CheckSize(int64_t size) const;
  // The -OOM error for a value that would not fit under the memory limit.
  static Status TooLargeForMemory();
  // Whole-value reads: up to kUncheckedReadBytes always fit (as replies the connection never
  // checks), beyond that only within the memory headroom.
  static constexpr int64_t kUncheckedReadBytes = 1 << 20;
  bool ReadFits(int64_t bytes) const { return bytes <= kUncheckedReadBytes || bytes <= headroom_; }
  static Status TooLargeToRead(uint64_t bytes);
  int64_t max_len() const { return max_len_; }
  int64_t headroom() const { return headroom_; }

 private:
  // Reads the live string under the caller's lock: nullopt when absent, WrongType otherwise.
  StatusOr<std::optional<KeyRecord>> Load(std::string_view key) const;
  Status Store(std::string_view key, std::string_view value, int64_t expire_ms);
  // The whole value of a string record (read from its fragments when fragmented).
  StatusOr<std::string> Value(std::string_view key, const KeyRecord& rec) const;

  Database* db_;
  int64_t max_len_;
  int64_t headroom_;
};

}  // namespace mnemo
