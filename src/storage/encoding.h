// On-disk encoding of keys and metadata (see docs/internals.md for the byte layout).
//
// Every user key lives in the `metadata` column family under `ns_len | ns | slot | user_key`, where
// slot is the key's Redis Cluster hash slot (KeySlot, 2 bytes big endian): all keys of one slot
// are one contiguous range per namespace, in every column family. Its value starts with a flags
// byte (type in the low 4 bits, bit 7 = 64-bit encoding) and the absolute expiry in unix
// milliseconds (0 = none). Strings keep their payload inline after that; composite types (hash,
// list, set, zset) add a version, an element count and the elements' logical bytes, and keep their
// elements in the `subkeys` CF under `ns_len | ns | slot | key_len | user_key | version | field`.
// A string longer than kStringFragmentSize (or, written whole, than kStringInlineWholeMax) is
// stored like a composite (flags bit 6, version, size = bytes = its length) with its bytes in
// fragments of that size in `subkeys`, field = the fragment's index (4 bytes, big endian);
// types/string_fragments.h reads and writes them.
// Pure functions.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace mnemo {

enum class DataType : uint8_t { kNone = 0, kString = 1, kHash = 2, kList = 3, kSet = 4, kZSet = 5 };

const char* DataTypeName(DataType t);  // "string", "hash", ... "none"

constexpr uint8_t kEncoding64 = 0x80;  // flags bit: fields are 64-bit (the only encoding written)
constexpr uint8_t kFragmented = 0x40;  // flags bit of a string: its bytes are in fragments
// Bytes per fragment of a fragmented string; a string longer than this is fragmented (a value
// up to it is rewritten whole for no more than one fragment's write: docs/internals.md).
constexpr size_t kStringFragmentSize = 4096;
// The longest value written whole (SET, MSET, RESTORE, ...) that stays inline in its metadata
// record: one record to put and to read. A partial write (SETBIT, SETRANGE, APPEND, BITFIELD)
// to an inline value longer than kStringFragmentSize fragments it first, so each partial write
// after that rewrites one fragment (docs/internals.md, "Fragments").
constexpr size_t kStringInlineWholeMax = 16384;
constexpr size_t kStringHeaderSize = 1 + 8;
constexpr size_t kCompositeHeaderSize = 1 + 8 + 8 + 8 + 8;
constexpr size_t kSlotCount = 16384;

void PutFixed64BE(std::string* dst, uint64_t v);
uint64_t DecodeFixed64BE(const char* p);
void PutFixed32BE(std::string* dst, uint32_t v);
uint32_t DecodeFixed32BE(const char* p);

// The Redis Cluster hash slot of a key: CRC16 (XMODEM) of the key, or of its hash tag (the bytes
// between the first '{' and the next '}', when not empty), modulo 16384.
uint16_t KeySlot(std::string_view user_key);

// metadata CF key. REQUIRES: ns.size() < 256.
std::string EncodeMetaKey(std::string_view ns, std::string_view user_key);
void AppendMetaKey(std::string* dst, std::string_view ns, std::string_view user_key);
// Splits a metadata key into namespace and user key; false if malformed.
bool DecodeMetaKey(std::string_view raw, std::string_view* ns, std::string_view* user_key);
// The prefix shared by every key of a namespace (in every column family).
std::string NamespacePrefix(std::string_view ns);
// The prefix shared by every key of one slot of a namespace (in every column family).
std::string SlotPrefix(std::string_view ns, uint16_t slot);
// Bytes a metadata key has before the user key (namespace and slot).
inline size_t MetaKeyHeaderSize(std::string_view ns) { return 1 + ns.size() + 2; }

// subkeys / zset_scores CF key prefix for one version of one composite key.
std::string EncodeSubkeyPrefix(std::string_view ns, std::string_view user_key, uint64_t version);
// The parts of a subkeys / zset_scores CF key; false if malformed.
struct SubkeyParts {
  std::string_view ns, user_key, element;
  uint64_t version = 0;
};
bool DecodeSubkey(std::string_view raw, SubkeyParts* out);

// Decoded metadata value.
struct Metadata {
  DataType type = DataType::kNone;
  int64_t expire_ms = 0;     // absolute unix ms; 0 = no expiry
  uint64_t version = 0;      // composite types only
  uint64_t size = 0;         // composite types only: number of elements (fragmented: length)
  uint64_t bytes = 0;        // composite types only: logical bytes of the elements (see below)
  std::string_view payload;  // strings: the value; composites: type-specific tail
  bool fragmented = false;   // a string whose bytes are fragments (then empty payload)

  bool Expired(int64_t now_ms) const { return expire_ms > 0 && expire_ms <= now_ms; }
  // The key's data are element records under its version: hash, list, set, zset, and a
  // fragmented string (whose type stays kString).
  bool IsComposite() const { return type != DataType::kString || fragmented; }
  // The most element records the key can have (a fragmented string stores at most one per
  // kStringFragmentSize bytes, fewer when sparse).
  uint64_t MaxRecords() const {
    return fragmented ? (size + kStringFragmentSize - 1) / kStringFragmentSize : size;
  }
};

// Parses a metadata value; nullopt when malformed. The payload views into `raw`.
std::optional<Metadata> DecodeMetadata(std::string_view raw);
// Cheap peeks used on hot paths and in the compaction filter.
std::optional<DataType> PeekType(std::string_view raw);
std::optional<int64_t> PeekExpire(std::string_view raw);

std::string EncodeStringValue(std::string_view value, int64_t expire_ms);
// `bytes`: the elements' logical bytes as the type counts them (hash: fields + values; set:
// members; list: elements; zset: members + 8 per score; a fragmented string, whose metadata
// this also encodes with type kString: its length, as `size`), kept exact by every write so that
// the namespace's byte counter (Storage::Counters) follows without reading elements.
std::string EncodeCompositeMeta(DataType type, int64_t expire_ms, uint64_t version, uint64_t size,
                                uint64_t bytes, std::string_view tail = {});
// Logical bytes a metadata record stands for: key + value for a string, key + elements' bytes
// for a composite.
uint64_t LogicalBytes(std::string_view user_key, const Metadata& meta);
// Rewrites the expiry field of an encoded metadata value in place. REQUIRES: a valid value.
void SetExpireInPlace(std::string* raw, int64_t expire_ms);

}  // namespace mnemo
