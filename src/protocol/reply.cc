#include "protocol/reply.h"

#include <charconv>
#include <cmath>
#include <cstdio>

namespace mnemo {

void Reply::Header(char type, int64_t n) {
  char buf[24];
  buf[0] = type;
  auto r = std::to_chars(buf + 1, buf + sizeof(buf) - 2, n);
  r.ptr[0] = '\r';
  r.ptr[1] = '\n';
  out_->append(buf, r.ptr + 2 - buf);
}

void Reply::Simple(std::string_view s) {
  out_->push_back('+');
  out_->append(s);
  out_->append("\r\n", 2);
}

void Reply::Error(std::string_view line) {
  out_->push_back('-');
  size_t start = out_->size();
  out_->append(line);
  for (size_t i = start; i < out_->size(); i++) {
    if ((*out_)[i] == '\r' || (*out_)[i] == '\n') (*out_)[i] = ' ';
  }
  out_->append("\r\n", 2);
}

void Reply::Integer(int64_t v) { Header(':', v); }

void Reply::Bulk(std::string_view s) {
  Header('$', static_cast<int64_t>(s.size()));
  out_->append(s);
  out_->append("\r\n", 2);
}

void Reply::Null() {
  if (resp3()) {
    out_->append("_\r\n", 3);
  } else {
    out_->append("$-1\r\n", 5);
  }
}

void Reply::NullArray() {
  if (resp3()) {
    out_->append("_\r\n", 3);
  } else {
    out_->append("*-1\r\n", 5);
  }
}

void Reply::ArrayHeader(size_t n) { Header('*', static_cast<int64_t>(n)); }

void Reply::MapHeader(size_t pairs) {
  if (resp3()) {
    Header('%', static_cast<int64_t>(pairs));
  } else {
    Header('*', static_cast<int64_t>(pairs * 2));
  }
}

void Reply::SetHeader(size_t n) { Header(resp3() ? '~' : '*', static_cast<int64_t>(n)); }

void Reply::PushHeader(size_t n) { Header(resp3() ? '>' : '*', static_cast<int64_t>(n)); }

void Reply::Double(double v) {
  char buf[64];
  int n = std::isinf(v) ? snprintf(buf, sizeof(buf), "%s", v > 0 ? "inf" : "-inf")
                        : snprintf(buf, sizeof(buf), "%.17g", v);
  std::string_view text(buf, static_cast<size_t>(n));
  if (!resp3()) {
    Bulk(text);
    return;
  }
  out_->push_back(',');
  out_->append(text);
  out_->append("\r\n", 2);
}

void Reply::Bool(bool v) {
  if (resp3()) {
    out_->append(v ? "#t\r\n" : "#f\r\n", 4);
  } else {
    Integer(v ? 1 : 0);
  }
}

void Reply::BigNumber(std::string_view digits) {
  if (!resp3()) {
    Bulk(digits);
    return;
  }
  out_->push_back('(');
  out_->append(digits);
  out_->append("\r\n", 2);
}

void Reply::Verbatim(std::string_view text, std::string_view format) {
  if (!resp3()) {
    Bulk(text);
    return;
  }
  Header('=', static_cast<int64_t>(text.size() + 4));
  out_->append(format.substr(0, 3));
  out_->push_back(':');
  out_->append(text);
  out_->append("\r\n", 2);
}

void Reply::BulkArray(const std::vector<std::string>& items) {
  ArrayHeader(items.size());
  for (const auto& s : items) Bulk(s);
}

}  // namespace mnemo
