#include "types/dump_format.h"

#include <liblzf/lzf.h>

#include <array>

namespace mnemo {
namespace {

constexpr uint8_t kRdbTypeString = 0;
constexpr uint8_t kEncInt8 = 0, kEncInt16 = 1, kEncInt32 = 2, kEncLzf = 3;
// A decompressed LZF string may claim any length; refuse more than a bulk string can hold.
constexpr uint64_t kMaxDecoded = 512ull << 20;

const std::array<uint64_t, 256>& CrcTable() {
  static const std::array<uint64_t, 256> table = [] {
    std::array<uint64_t, 256> t{};
    constexpr uint64_t kPoly = 0x95ac9329ac4bc9b5ull;  // 0xad93d23594c935a9 reflected
    for (uint64_t i = 0; i < 256; i++) {
      uint64_t c = i;
      for (int k = 0; k < 8; k++) c = (c & 1) ? (c >> 1) ^ kPoly : c >> 1;
      t[i] = c;
    }
    return t;
  }();
  return table;
}

void PutLength(std::string* out, uint64_t len) {
  if (len < (1 << 6)) {
    out->push_back(static_cast<char>(len));
  } else if (len < (1 << 14)) {
    out->push_back(static_cast<char>(0x40 | (len >> 8)));
    out->push_back(static_cast<char>(len & 0xff));
  } else if (len <= 0xffffffffull) {
    out->push_back(static_cast<char>(0x80));
    for (int shift = 24; shift >= 0; shift -= 8) out->push_back(static_cast<char>(len >> shift));
  } else {
    out->push_back(static_cast<char>(0x81));
    for (int shift = 56; shift >= 0; shift -= 8) out->push_back(static_cast<char>(len >> shift));
  }
}

class Reader {
 public:
  explicit Reader(std::string_view s) : s_(s) {}
  bool Byte(uint8_t* b) {
    if (pos_ >= s_.size()) return false;
    *b = static_cast<uint8_t>(s_[pos_++]);
    return true;
  }
  bool Bytes(size_t n, std::string_view* out) {
    if (s_.size() - pos_ < n) return false;
    *out = s_.substr(pos_, n);
    pos_ += n;
    return true;
  }
  // A length, or (encoded = true) the special encoding number of the low 6 bits.
  bool Length(uint64_t* len, bool* encoded) {
    uint8_t b;
    if (!Byte(&b)) return false;
    *encoded = false;
    switch (b >> 6) {
      case 0:
        *len = b & 0x3f;
        return true;
      case 1: {
        uint8_t c;
        if (!Byte(&c)) return false;
        *len = (static_cast<uint64_t>(b & 0x3f) << 8) | c;
        return true;
      }
      case 2:
        return (b == 0x80 || b == 0x81) && BigEndian(b == 0x80 ? 4 : 8, len);
      default:
        *encoded = true;
        *len = b & 0x3f;
        return true;
    }
  }
  bool BigEndian(int n, uint64_t* v) {
    std::string_view b;
    if (!Bytes(n, &b)) return false;
    *v = 0;
    for (char c : b) *v = (*v << 8) | static_cast<uint8_t>(c);
    return true;
  }
  bool LittleEndianSigned(int n, int64_t* v) {
    std::string_view b;
    if (!Bytes(n, &b)) return false;
    uint64_t u = 0;
    for (int i = n - 1; i >= 0; i--) u = (u << 8) | static_cast<uint8_t>(b[i]);
    int shift = 64 - 8 * n;
    *v = static_cast<int64_t>(u << shift) >> shift;  // sign-extend
    return true;
  }
  bool AtEnd() const { return pos_ == s_.size(); }

 private:
  std::string_view s_;
  size_t pos_ = 0;
};

Status BadFormat() { return Status::InvalidArgument("Bad data format"); }

StatusOr<std::string> ReadString(Reader* r) {
  uint64_t len;
  bool encoded;
  if (!r->Length(&len, &encoded)) return BadFormat();
  std::string_view bytes;
  if (!encoded) {
    if (!r->Bytes(len, &bytes)) return BadFormat();
    return std::string(bytes);
  }
  int64_t v;
  if (len <= kEncInt32) {
    if (!r->LittleEndianSigned(len == kEncInt8 ? 1 : len == kEncInt16 ? 2 : 4, &v)) {
      return BadFormat();
    }
    return std::to_string(v);
  }
  if (len != kEncLzf) return BadFormat();
  uint64_t clen, dlen;
  bool e1, e2;
  if (!r->Length(&clen, &e1) || !r->Length(&dlen, &e2) || e1 || e2) return BadFormat();
  if (dlen > kMaxDecoded || !r->Bytes(clen, &bytes)) return BadFormat();
  std::string out(dlen, '\0');
  if (dlen > 0 && lzf_decompress(bytes.data(), static_cast<unsigned>(clen), out.data(),
                                 static_cast<unsigned>(dlen)) != dlen) {
    return BadFormat();
  }
  return out;
}

}  // namespace

uint64_t Crc64(uint64_t crc, std::string_view data) {
  const auto& t = CrcTable();
  for (char c : data) crc = t[(crc ^ static_cast<uint8_t>(c)) & 0xff] ^ (crc >> 8);
  return crc;
}

std::string EncodeStringDump(std::string_view value) {
  std::string out;
  out.reserve(value.size() + 20);
  out.push_back(static_cast<char>(kRdbTypeString));
  PutLength(&out, value.size());
  out.append(value);
  out.push_back(static_cast<char>(kDumpRdbVersion & 0xff));
  out.push_back(static_cast<char>(kDumpRdbVersion >> 8));
  uint64_t crc = Crc64(0, out);
  for (int i = 0; i < 8; i++) out.push_back(static_cast<char>(crc >> (8 * i)));
  return out;
}

StatusOr<std::string> DecodeStringDump(std::string_view payload) {
  Status wrong = Status::InvalidArgument("DUMP payload version or checksum are wrong");
  if (payload.size() < 10) return wrong;
  std::string_view footer = payload.substr(payload.size() - 10);
  uint16_t version = static_cast<uint8_t>(footer[0]) | (static_cast<uint8_t>(footer[1]) << 8);
  uint64_t crc = 0;
  for (int i = 7; i >= 0; i--) crc = (crc << 8) | static_cast<uint8_t>(footer[2 + i]);
  if (version > kDumpRdbVersion || Crc64(0, payload.substr(0, payload.size() - 8)) != crc) {
    return wrong;
  }
  Reader r(payload.substr(0, payload.size() - 10));
  uint8_t type;
  if (!r.Byte(&type)) return BadFormat();
  if (type != kRdbTypeString) {
    return Status::NotSupported("DUMP payload of RDB type " + std::to_string(type) +
                                " can't be restored: only strings are supported so far");
  }
  auto s = ReadString(&r);
  if (!s.ok()) return s;
  if (!r.AtEnd()) return BadFormat();
  return s;
}

}  // namespace mnemo
