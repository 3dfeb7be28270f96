// Status and StatusOr: expected failures as values.
//
// A Status is cheap on success (no allocation). Codes map one-to-one onto the families of RESP
// error replies, so the server turns any Status into an error line in one place
// (server/reply_error.h). Thread-compatible value types.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace mnemo {

class [[nodiscard]] Status {
 public:
  enum class Code {
    kOk = 0,
    kNotFound,         // key or item absent; usually turned into a nil reply, not an error
    kInvalidArgument,  // "-ERR <msg>"
    kWrongType,        // "-WRONGTYPE Operation against a key holding the wrong kind of value"
    kOutOfMemory,      // "-OOM <msg>"
    kNoAuth,           // "-NOAUTH <msg>"
    kBusy,             // "-BUSY <msg>"
    kIOError,          // storage or file system failure: "-ERR <msg>"
    kCorruption,       // malformed stored data: "-ERR <msg>"
    kNotSupported,     // feature unavailable in this build or start: "-ERR <msg>"
    kProtocol,         // malformed request; the connection is closed after the reply
    kCustom,           // the message is the whole error line, prefix included ("WRONGPASS ...")
  };

  Status() = default;
  static Status OK() { return Status(); }
  static Status NotFound(std::string msg = "") { return Status(Code::kNotFound, std::move(msg)); }
  static Status InvalidArgument(std::string msg) {
    return Status(Code::kInvalidArgument, std::move(msg));
  }
  static Status WrongType() { return Status(Code::kWrongType, ""); }
  static Status OutOfMemory(std::string msg) { return Status(Code::kOutOfMemory, std::move(msg)); }
  static Status NoAuth(std::string msg) { return Status(Code::kNoAuth, std::move(msg)); }
  static Status Busy(std::string msg) { return Status(Code::kBusy, std::move(msg)); }
  static Status IOError(std::string msg) { return Status(Code::kIOError, std::move(msg)); }
  static Status Corruption(std::string msg) { return Status(Code::kCorruption, std::move(msg)); }
  static Status NotSupported(std::string msg) {
    return Status(Code::kNotSupported, std::move(msg));
  }
  static Status Protocol(std::string msg) { return Status(Code::kProtocol, std::move(msg)); }
  static Status Custom(std::string line) { return Status(Code::kCustom, std::move(line)); }

  bool ok() const { return code_ == Code::kOk; }
  bool IsNotFound() const { return code_ == Code::kNotFound; }
  bool IsNotSupported() const { return code_ == Code::kNotSupported; }
  Code code() const { return code_; }
  const std::string& message() const { return msg_; }
  std::string ToString() const;

 private:
  Status(Code code, std::string msg) : code_(code), msg_(std::move(msg)) {}
  Code code_ = Code::kOk;
  std::string msg_;
};

// A value or the Status explaining why there is none. REQUIRES: a failed StatusOr is never built
// from an ok Status.
template <typename T>
class [[nodiscard]] StatusOr {
 public:
  StatusOr(T value) : v_(std::move(value)) {}         // NOLINT: implicit by design
  StatusOr(Status status) : v_(std::move(status)) {}  // NOLINT
  bool ok() const { return std::holds_alternative<T>(v_); }
  const Status& status() const {
    static const Status kOk;
    return ok() ? kOk : std::get<Status>(v_);
  }
  T& value() & { return std::get<T>(v_); }
  const T& value() const& { return std::get<T>(v_); }
  T&& value() && { return std::get<T>(std::move(v_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

 private:
  std::variant<T, Status> v_;
};

}  // namespace mnemo
