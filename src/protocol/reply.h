// RESP reply encoding. A Reply appends encoded values to a caller-owned buffer (the connection's
// output buffer), so replies to a pipeline are batched into one write. Not thread-safe; one Reply
// per connection at a time.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace mnemo {

class Reply {
 public:
  explicit Reply(std::string* out) : out_(out) {}

  void Simple(std::string_view s);  // +s
  void Ok() { Simple("OK"); }
  void Error(std::string_view line);  // -line ("ERR ...", "WRONGTYPE ..."); CR/LF -> ' '
  void Integer(int64_t v);            // :v
  void Bulk(std::string_view s);      // $len s
  void Null();                        // $-1
  void NullArray();                   // *-1
  void ArrayHeader(size_t n);         // *n
  void MapHeader(size_t pairs);       // RESP2: *2n (flat key, value list)
  void Double(double v);              // RESP2: bulk string in Redis's %.17g form
  void BulkArray(const std::vector<std::string>& items);
  void Raw(std::string_view bytes) { out_->append(bytes); }

  std::string* buffer() { return out_; }
  size_t size() const { return out_->size(); }

 private:
  void Header(char type, int64_t n);
  std::string* out_;
};

}  // namespace mnemo
