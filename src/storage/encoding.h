// On-disk encoding of keys and metadata (see docs/internals.md for the byte layout).
//
// Every user key lives in the `metadata` column family under `ns_len | ns | user_key`. Its value
// starts with a flags byte (type in the low 4 bits, bit 7 = 64-bit encoding) and the absolute
// expiry in unix milliseconds (0 = none). Strings keep their payload inline after that; composite
// types (hash, list, set, zset) add a version and an element count, and keep their elements in the
// `subkeys` CF under `ns_len | ns | key_len | user_key | version | field`. Pure functions.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace mnemo {

enum class DataType : uint8_t { kNone = 0, kString = 1, kHash = 2, kList = 3, kSet = 4, kZSet = 5 };

const char* DataTypeName(DataType t);  // "string", "hash", ... "none"

constexpr uint8_t kEncoding64 = 0x80;  // flags bit: fields are 64-bit (the only encoding written)
constexpr size_t kStringHeaderSize = 1 + 8;
constexpr size_t kCompositeHeaderSize = 1 + 8 + 8 + 8;

void PutFixed64BE(std::string* dst, uint64_t v);
uint64_t DecodeFixed64BE(const char* p);
void PutFixed32BE(std::string* dst, uint32_t v);
uint32_t DecodeFixed32BE(const char* p);

// metadata CF key. REQUIRES: ns.size() < 256.
std::string EncodeMetaKey(std::string_view ns, std::string_view user_key);
void AppendMetaKey(std::string* dst, std::string_view ns, std::string_view user_key);
// Splits a metadata key into namespace and user key; false if malformed.
bool DecodeMetaKey(std::string_view raw, std::string_view* ns, std::string_view* user_key);
// The prefix shared by every metadata key of a namespace.
std::string NamespacePrefix(std::string_view ns);

// subkeys / zset_scores CF key prefix for one version of one composite key.
std::string EncodeSubkeyPrefix(std::string_view ns, std::string_view user_key, uint64_t version);

// Decoded metadata value.
struct Metadata {
  DataType type = DataType::kNone;
  int64_t expire_ms = 0;     // absolute unix ms; 0 = no expiry
  uint64_t version = 0;      // composite types only
  uint64_t size = 0;         // composite types only: number of elements
  std::string_view payload;  // strings: the value; composites: type-specific tail

  bool Expired(int64_t now_ms) const { return expire_ms > 0 && expire_ms <= now_ms; }
  bool IsComposite() const { return type != DataType::kString; }
};

// Parses a metadata value; nullopt when malformed. The payload views into `raw`.
std::optional<Metadata> DecodeMetadata(std::string_view raw);
// Cheap peeks used on hot paths and in the compaction filter.
std::optional<DataType> PeekType(std::string_view raw);
std::optional<int64_t> PeekExpire(std::string_view raw);

std::string EncodeStringValue(std::string_view value, int64_t expire_ms);
std::string EncodeCompositeMeta(DataType type, int64_t expire_ms, uint64_t version, uint64_t size,
                                std::string_view tail = {});
// Rewrites the expiry field of an encoded metadata value in place. REQUIRES: a valid value.
void SetExpireInPlace(std::string* raw, int64_t expire_ms);

}  // namespace mnemo
