#include "storage/encoding.h"

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

void AppendMetaKey(std::string* dst, std::string_view ns, std::string_view user_key) {
  assert(ns.size() < 256);
  dst->push_back(static_cast<char>(ns.size()));
  dst->append(ns);
  dst->append(user_key);
}

std::string EncodeMetaKey(std::string_view ns, std::string_view user_key) {
  std::string out;
  out.reserve(1 + ns.size() + user_key.size());
  AppendMetaKey(&out, ns, user_key);
  return out;
}

bool DecodeMetaKey(std::string_view raw, std::string_view* ns, std::string_view* user_key) {
  if (raw.empty()) return false;
  size_t ns_len = static_cast<uint8_t>(raw[0]);
  if (raw.size() < 1 + ns_len) return false;
  *ns = raw.substr(1, ns_len);
  *user_key = raw.substr(1 + ns_len);
  return true;
}

std::string NamespacePrefix(std::string_view ns) { return EncodeMetaKey(ns, {}); }

std::string EncodeSubkeyPrefix(std::string_view ns, std::string_view user_key, uint64_t version) {
  std::string out;
  out.reserve(1 + ns.size() + 4 + user_key.size() + 8);
  out.push_back(static_cast<char>(ns.size()));
  out.append(ns);
  PutFixed32BE(&out, static_cast<uint32_t>(user_key.size()));
  out.append(user_key);
  PutFixed64BE(&out, version);
  return out;
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
  if (m.type == DataType::kString) {
    m.payload = raw.substr(kStringHeaderSize);
    return m;
  }
  if (raw.size() < kCompositeHeaderSize) return std::nullopt;
  m.version = DecodeFixed64BE(raw.data() + 9);
  m.size = DecodeFixed64BE(raw.data() + 17);
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
                                std::string_view tail) {
  std::string out;
  out.reserve(kCompositeHeaderSize + tail.size());
  out.push_back(static_cast<char>(kEncoding64 | static_cast<uint8_t>(type)));
  PutFixed64BE(&out, static_cast<uint64_t>(expire_ms));
  PutFixed64BE(&out, version);
  PutFixed64BE(&out, size);
  out.append(tail);
  return out;
}

void SetExpireInPlace(std::string* raw, int64_t expire_ms) {
  assert(raw->size() >= kStringHeaderSize);
  std::string enc;
  PutFixed64BE(&enc, static_cast<uint64_t>(expire_ms));
  raw->replace(1, 8, enc);
}

}  // namespace mnemo
