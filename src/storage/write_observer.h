// WriteObserver: what Storage tells about its writes to whoever registered for it (WATCH's
// registry, server/transaction.h), without RocksDB types. Storage calls it only while active()
// is true, so the cost for writes with nobody observing is one relaxed atomic load.
//
// Calls come from any thread that writes: Storage::Write calls OnMetadataWrites after each
// batch (applied or failed), while the writer holds the stripes of those keys (LockManager), so
// a reader that holds a key's stripe has seen every notification of that key's committed writes.
// Range deletions (DeleteNamespace, DeleteAll) call OnRangeDelete before they are written, with
// every other write excluded. Implementations must be thread-safe and must not write to Storage.
#pragma once

#include <atomic>
#include <span>
#include <string_view>

namespace mnemo {

class WriteObserver {
 public:
  struct MetadataWrite {
    std::string_view key;  // encoded metadata key (namespace | user key)
    bool deleted;          // a delete, not a put
  };

  virtual ~WriteObserver() = default;
  bool active() const { return active_.load(std::memory_order_relaxed); }

  virtual void OnMetadataWrites(std::span<const MetadataWrite> writes) = 0;
  // Every key of namespace `ns` goes (FLUSHDB), or every key of every namespace when `all`.
  virtual void OnRangeDelete(std::string_view ns, bool all) = 0;

 protected:
  // Set by the implementation while it has anything to observe.
  std::atomic<bool> active_{false};
};

}  // namespace mnemo
