// JsonWriter: a small streaming JSON encoder for the memory reports (MEMORY REPORT, later the
// HTTP endpoints). It writes RFC 8259 text into one string: objects, arrays, strings with full
// escaping, integers, doubles and booleans. No dependency, no DOM.
//
// Strings are escaped as JSON requires: '"', '\\' and every control character below 0x20 (the
// short forms \b \f \n \r \t, else \u00XX); DEL (0x7f) is written as \u007f. Bytes that do not
// form valid UTF-8 are replaced by U+FFFD, so the output is always valid UTF-8 JSON whatever
// bytes a key or value held. Doubles use the shortest text that reads back to the same value;
// NaN and infinities (which JSON cannot express) are written as null.
//
// Usage errors (a value in an object without a Key, unbalanced End*) are programming errors and
// are caught by asserts. Thread-compatible: one writer per thread.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

namespace mnemo {

class JsonWriter {
 public:
  JsonWriter& BeginObject();
  JsonWriter& EndObject();
  JsonWriter& BeginArray();
  JsonWriter& EndArray();
  // The name of the next member. REQUIRES: inside an object, no key pending.
  JsonWriter& Key(std::string_view key);

  JsonWriter& String(std::string_view value);
  JsonWriter& Uint(uint64_t value);
  JsonWriter& Int(int64_t value);
  JsonWriter& Double(double value);
  JsonWriter& Bool(bool value);
  JsonWriter& Null();

  // Key + value in one call, for the common case.
  template <typename T>
  JsonWriter& Member(std::string_view key, T value);

  // The document. REQUIRES: every Begin* matched by its End*.
  std::string Take();

  // `s` as a quoted, escaped JSON string (appended to `out`).
  static void AppendQuoted(std::string* out, std::string_view s);

 private:
  void BeforeValue();

  struct Level {
    bool object;
    bool empty = true;
  };
  std::string out_;
  std::vector<Level> stack_;
  bool key_pending_ = false;
};

template <typename T>
JsonWriter& JsonWriter::Member(std::string_view key, T value) {
  Key(key);
  if constexpr (std::is_same_v<T, bool>) {
    return Bool(value);
  } else if constexpr (std::is_floating_point_v<T>) {
    return Double(value);
  } else if constexpr (std::is_integral_v<T> && std::is_signed_v<T>) {
    return Int(value);
  } else if constexpr (std::is_integral_v<T>) {
    return Uint(value);
  } else {
    return String(value);
  }
}

}  // namespace mnemo
