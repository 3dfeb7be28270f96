#include "storage/encoding.h"

#include <array>
#include <cassert>

namespace mnemo {

const char* DataTypeName(DataType t) {
  switch (t) {
    case DataType::kString:
      return "string";
    case DataType::kHash:
      return "hash";
    case DataType::kList:
      return "list";
    case DataType::kSet:
      return "set";
    case DataType::kZSet:
      return "zset";
    default:
      return "none";
  }
}

void PutFixed64BE(std::string* dst, uint64_t v) {
  char buf[8];
  for (int i = 7; i >= 0; i--) {
    buf[i] = static_cast<char>(v & 0xff);
    v >>= 8;
  }
  dst->append(buf, 8);
}

uint64_t DecodeFixed64BE(const char* p) {
  uint64_t v = 0;
  for (int i = 0; i < 8; i++) v = (v << 8) | static_cast<uint8_t>(p[i]);
  return v;
}

void PutFixed32BE(std::string* dst, uint32_t v) {
  char buf[4] = {static_cast<char>(v >> 24), static_cast<char>(v >> 16), static_cast<char>(v >> 8),
                 static_cast<char>(v)};
  dst->append(buf, 4);
}

uint32_t DecodeFixed32BE(const char* p) {
  uint32_t v = 0;
  for (int i = 0; i < 4; i++) v = (v << 8) | static_cast<uint8_t>(p[i]);
  return v;
}

namespace {

// CRC16-CCITT (XMODEM: polynomial 0x1021, init 0), the checksum Redis Cluster hashes keys with.
constexpr std::array<uint16_t, 256> MakeCrc16Table() {
  std::array<uint16_t, 256> t{};
  for (int i = 0; i < 256; i++) {
    uint16_t c = static_cast<uint16_t>(i << 8);
    for (int b = 0; b < 8; b++)
      c = (c & 0x8000) ? static_cast<uint16_t>((c << 1) ^ 0x1021) : static_cast<uint16_t>(c << 1);
    t[i] = c;
  }
  return t;
}
constexpr std::array<uint16_t, 256> kCrc16Table = MakeCrc16Table();

uint16_t Crc16(std::string_view s) {
  uint16_t crc = 0;
  for (char ch : s) {
    crc = static_cast<uint16_t>((crc << 8) ^
                                kCrc16Table[((crc >> 8) ^ static_cast<uint8_t>(ch)) & 0xff]);
  }
  return crc;
}

void AppendNamespaceAndSlot(std::string* dst, std::string_view ns, uint16_t slot) {
  assert(ns.size() < 256);
  dst->push_back(static_cast<char>(ns.size()));
  dst->append(ns);
  dst->push_back(static_cast<char>(slot >> 8));
  dst->push_back(static_cast<char>(slot & 0xff));
}

}  // namespace

uint16_t KeySlot(std::string_view key) {
  size_t open = key.find('{');
  if (open != std::string_view::npos) {
    size_t close = key.find('}', open + 1);
    if (close != std::string_view::npos && close > open + 1) {
      key = key.substr(open + 1, close - open - 1);
    }
  }
  return static_cast<uint16_t>(Crc16(key) & (kSlotCount - 1));
}

void AppendMetaKey(std::string* dst, std::string_view ns, std::string_view user_key) {
  AppendNamespaceAndSlot(dst, ns, KeySlot(user_key));
  dst->append(user_key);
}

std::string EncodeMetaKey(std::string_view ns, std::string_view user_key) {
  std::string out;
  out.reserve(MetaKeyHeaderSize(ns) + user_key.size());
  AppendMetaKey(&out, ns, user_key);
  return out;
}

bool DecodeMetaKey(std::string_view raw, std::string_view* ns, std::string_view* user_key) {
  if (raw.empty()) return false;
  size_t ns_len = static_cast<uint8_t>(raw[0]);
  if (raw.size() < 1 + ns_len + 2) return false;
  *ns = raw.substr(1, ns_len);
  *user_key = raw.substr(1 + ns_len + 2);
  return true;
}

std::string NamespacePrefix(std::string_view ns) {
  std::string out(1, static_cast<char>(ns.size()));
  out.append(ns);
  return out;
}

std::string SlotPrefix(std::string_view ns, uint16_t slot) {
  std::string out;
  AppendNamespaceAndSlot(&out, ns, slot);
  return out;
}

std::string EncodeSubkeyPrefix(std::string_view ns, std::string_view user_key, uint64_t version) {
  std::string out;
  out.reserve(MetaKeyHeaderSize(ns) + 4 + user_key.size() + 8);
  AppendNamespaceAndSlot(&out, ns, KeySlot(user_key));
  PutFixed32BE(&out, static_cast<uint32_t>(user_key.size()));
  out.append(user_key);
  PutFixed64BE(&out, version);
  return out;
}

bool DecodeSubkey(std::string_view raw, SubkeyParts* out) {
  if (raw.empty()) return false;
  size_t ns_len = static_cast<uint8_t>(raw[0]);
  size_t key_off = 1 + ns_len + 2 + 4;
  if (raw.size() < key_off) return false;
  uint32_t key_len = DecodeFixed32BE(raw.data() + key_off - 4);
  if (raw.size() < key_off + key_len + 8) return false;
  out->ns = raw.substr(1, ns_len);
  out->user_key = raw.substr(key_off, key_len);
  out->version = DecodeFixed64BE(raw.data() + key_off + key_len);
  out->element = raw.substr(key_off + key_len + 8);
  return true;
}

std::optional<DataType> PeekType(std::string_view raw) {
  if (raw.size() < kStringHeaderSize) return std::nullopt;
  uint8_t t = static_cast<uint8_t>(raw[0]) & 0x0f;
  if (t < 1 || t > 5) return std::nullopt;
  return static_cast<DataType>(t);
}

std::optional<int64_t> PeekExpire(std::string_view raw) {
  if (raw.size() < kStringHeaderSize) return std::nullopt;
  return static_cast<int64_t>(DecodeFixed64BE(raw.data() + 1));
}

std::optional<Metadata> DecodeMetadata(std::string_view raw) {
  auto type = PeekType(raw);
  if (!type) return std::nullopt;
  Metadata m;
  m.type = *type;
  m.expire_ms = static_cast<int64_t>(DecodeFixed64BE(raw.data() + 1));
  if (m.type == DataType::kString && !(static_cast<uint8_t>(raw[0]) & kFragmented)) {
    m.payload = raw.substr(kStringHeaderSize);
    return m;
  }
  m.fragmented = m.type == DataType::kString;
  if (raw.size() < kCompositeHeaderSize) return std::nullopt;
  m.version = DecodeFixed64BE(raw.data() + 9);
  m.size = DecodeFixed64BE(raw.data() + 17);
  m.bytes = DecodeFixed64BE(raw.data() + 25);
  m.payload = raw.substr(kCompositeHeaderSize);
  return m;
}

std::string EncodeStringValue(std::string_view value, int64_t expire_ms) {
  std::string out;
  out.reserve(kStringHeaderSize + value.size());
  out.push_back(static_cast<char>(kEncoding64 | static_cast<uint8_t>(DataType::kString)));
  PutFixed64BE(&out, static_cast<uint64_t>(expire_ms));
  out.append(value);
  return out;
}

std::string EncodeCompositeMeta(DataType type, int64_t expire_ms, uint64_t version, uint64_t size,
                                uint64_t bytes, std::string_view tail) {
  std::string out;
  out.reserve(kCompositeHeaderSize + tail.size());
  uint8_t flags = kEncoding64 | static_cast<uint8_t>(type);
  if (type == DataType::kString) flags |= kFragmented;
  out.push_back(static_cast<char>(flags));
  PutFixed64BE(&out, static_cast<uint64_t>(expire_ms));
  PutFixed64BE(&out, version);
  PutFixed64BE(&out, size);
  PutFixed64BE(&out, bytes);
  out.append(tail);
  return out;
}

uint64_t LogicalBytes(std::string_view user_key, const Metadata& meta) {
  return user_key.size() + (meta.IsComposite() ? meta.bytes : meta.payload.size());
}

void SetExpireInPlace(std::string* raw, int64_t expire_ms) {
  assert(raw->size() >= kStringHeaderSize);
  std::string enc;
  PutFixed64BE(&enc, static_cast<uint64_t>(expire_ms));
  raw->replace(1, 8, enc);
}

}  // namespace mnemo
