#include "common/status.h"

namespace mnemo {

std::string Status::ToString() const {
  switch (code_) {
    case Code::kOk:
      return "OK";
    case Code::kWrongType:
      return "WRONGTYPE Operation against a key holding the wrong kind of value";
    case Code::kOutOfMemory:
      return "OOM " + msg_;
    case Code::kNoAuth:
      return "NOAUTH " + msg_;
    case Code::kBusy:
      return "BUSY " + msg_;
    case Code::kCustom:
      return msg_;
    default:
      return "ERR " + msg_;
  }
}

}  // namespace mnemo
