#include "storage/compaction_filter.h"

#include "common/string_util.h"
#include "storage/encoding.h"

namespace mnemo {
namespace {

// Expired keys' subkeys are kept for a grace period so that a compaction racing with EXPIRE
// shortening cannot drop elements of a key that a read still considers alive.
constexpr int64_t kExpiredSubkeyGraceMs = 5 * 60 * 1000;

class SubkeyFilter : public rocksdb::CompactionFilter {
 public:
  SubkeyFilter(rocksdb::DB* db, rocksdb::ColumnFamilyHandle* meta) : db_(db), meta_(meta) {}

  bool Filter(int /*level*/, const rocksdb::Slice& key, const rocksdb::Slice& /*value*/,
              std::string* /*new_value*/, bool* /*value_changed*/) const override {
    SubkeyParts parts;
    if (!DecodeSubkey(std::string_view(key.data(), key.size()), &parts)) return false;
    uint64_t version = parts.version;
    std::string meta_key = EncodeMetaKey(parts.ns, parts.user_key);
    if (meta_key != cached_key_) {
      cached_key_ = meta_key;
      cached_status_ = db_->Get(rocksdb::ReadOptions(), meta_, meta_key, &cached_value_);
    }
    if (cached_status_.IsNotFound()) return true;
    if (!cached_status_.ok()) return false;  // be conservative on IO errors
    auto meta = DecodeMetadata(cached_value_);
    if (!meta || !meta->IsComposite()) return true;
    if (meta->version != version) return true;
    return meta->expire_ms > 0 && meta->expire_ms + kExpiredSubkeyGraceMs <= now_ms_;
  }
  const char* Name() const override { return "mnemo.SubkeyFilter"; }

 private:
  rocksdb::DB* db_;
  rocksdb::ColumnFamilyHandle* meta_;
  int64_t now_ms_ = NowMs();
  mutable std::string cached_key_, cached_value_;
  mutable rocksdb::Status cached_status_;
};

class KeepAllFilter : public rocksdb::CompactionFilter {
 public:
  bool Filter(int, const rocksdb::Slice&, const rocksdb::Slice&, std::string*,
              bool*) const override {
    return false;
  }
  const char* Name() const override { return "mnemo.KeepAll"; }
};

}  // namespace

void SubkeyFilterFactory::Attach(rocksdb::DB* db, rocksdb::ColumnFamilyHandle* metadata) {
  metadata_.store(metadata);
  db_.store(db);
}

std::unique_ptr<rocksdb::CompactionFilter> SubkeyFilterFactory::CreateCompactionFilter(
    const rocksdb::CompactionFilter::Context& /*context*/) {
  rocksdb::DB* db = db_.load();
  if (db == nullptr) return std::make_unique<KeepAllFilter>();
  return std::make_unique<SubkeyFilter>(db, metadata_.load());
}

}  // namespace mnemo
