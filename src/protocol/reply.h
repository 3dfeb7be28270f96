// RESP reply encoding, in the protocol of the connection (RESP2, or RESP3 after HELLO 3). A Reply
// appends encoded values to a caller-owned buffer (the connection's output buffer), so replies to
// a pipeline are batched into one write.
//
// Handlers call the semantic method once (MapHeader, SetHeader, Null, Double, Bool, Verbatim...)
// and never branch on the protocol: each method writes RESP3's type when the Reply speaks RESP3
// and the RESP2 form Redis 7 sends otherwise (noted beside each method).
//
// Not thread-safe; one Reply per buffer at a time. Cheap to construct (two words).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace mnemo {

enum class RespVersion : uint8_t { kResp2 = 2, kResp3 = 3 };

class Reply {
 public:
  explicit Reply(std::string* out, RespVersion version = RespVersion::kResp2)
      : out_(out), version_(version) {}

  RespVersion version() const { return version_; }
  bool resp3() const { return version_ == RespVersion::kResp3; }
  // HELLO switches the protocol before it writes its own reply, as Redis does.
  void set_version(RespVersion v) { version_ = v; }

  void Simple(std::string_view s);  // +s
  void Ok() { Simple("OK"); }
  void Error(std::string_view line);        // -line ("ERR ...", "WRONGTYPE ..."); CR/LF -> ' '
  void Integer(int64_t v);                  // :v
  void Bulk(std::string_view s);            // $len s
  void Null();                              // RESP3 _   RESP2 $-1 (a missing bulk string)
  void NullArray();                         // RESP3 _   RESP2 *-1 (a missing array)
  void ArrayHeader(size_t n);               // *n
  void MapHeader(size_t pairs);             // RESP3 %n  RESP2 *2n (flat key, value list)
  void SetHeader(size_t n);                 // RESP3 ~n  RESP2 *n
  void PushHeader(size_t n);                // RESP3 >n (out-of-band data)  RESP2 *n
  void Double(double v);                    // RESP3 ,v  RESP2 bulk; both in Redis 7.0's %.17g form
  void Bool(bool v);                        // RESP3 #t/#f  RESP2 :1/:0
  void BigNumber(std::string_view digits);  // RESP3 (digits  RESP2 bulk
  // A text for people: RESP3 =len "fmt:text" (fmt is 3 letters: "txt", "mkd"), RESP2 bulk.
  void Verbatim(std::string_view text, std::string_view format = "txt");
  void BulkArray(const std::vector<std::string>& items);
  void Raw(std::string_view bytes) { out_->append(bytes); }

  std::string* buffer() { return out_; }
  size_t size() const { return out_->size(); }

 private:
  void Header(char type, int64_t n);
  std::string* out_;
  RespVersion version_;
};

}  // namespace mnemo
