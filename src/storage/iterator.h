// Iterator: ordered iteration over one column family, confined to the keys that start with a
// prefix (a namespace, a slot, or one composite key's elements), optionally overlaid with an
// indexed Batch's uncommitted writes so a writer sees its own puts and deletes. Reads do not fill
// the block cache (scans must not evict the hot working set).
//
// Not thread-safe; must not outlive the Storage (nor the overlaid Batch) it came from.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "common/status.h"

namespace mnemo {

class Iterator {
 public:
  ~Iterator();
  Iterator(const Iterator&) = delete;
  Iterator& operator=(const Iterator&) = delete;

  // Positions at the first key >= target; a target before the prefix starts at its first key.
  void Seek(std::string_view target);
  void SeekToFirst();  // the first key of the prefix
  void SeekToLast();   // the last key of the prefix
  bool Valid() const;  // positioned on a key inside the prefix
  void Next();
  void Prev();
  std::string_view key() const;
  std::string_view value() const;
  // The key with the prefix removed.
  std::string_view suffix() const { return key().substr(prefix_size_); }
  Status status() const;

  struct Rep;  // RocksDB's iterator and the bounds it points to (storage.cc)

 private:
  friend class Storage;
  explicit Iterator(std::unique_ptr<Rep> rep);

  std::unique_ptr<Rep> rep_;
  size_t prefix_size_;
};

}  // namespace mnemo
