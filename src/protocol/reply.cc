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

void Reply::Null() { out_->append("$-1\r\n", 5); }
void Reply::NullArray() { out_->append("*-1\r\n", 5); }
void Reply::ArrayHeader(size_t n) { Header('*', static_cast<int64_t>(n)); }
void Reply::MapHeader(size_t pairs) { Header('*', static_cast<int64_t>(pairs * 2)); }

void Reply::Double(double v) {
  if (std::isinf(v)) {
    Bulk(v > 0 ? "inf" : "-inf");
    return;
  }
  char buf[64];
  int n = snprintf(buf, sizeof(buf), "%.17g", v);
  Bulk(std::string_view(buf, n));
}

void Reply::BulkArray(const std::vector<std::string>& items) {
  ArrayHeader(items.size());
  for (const auto& s : items) Bulk(s);
}

}  // namespace mnemo
