// Incremental parser for RESP2 requests: multibulk ("*2\r\n$3\r\nGET\r\n$1\r\nk\r\n") and inline
// ("GET k\r\n") commands, with Redis's limits, quirks and error texts.
//
// The parser does not own the input. A connection keeps its unparsed bytes in its own buffer,
// calls Parse on them, drops `*consumed` bytes from the front and, on kNeedMore, calls again once
// more bytes have been appended. Headers and complete arguments of an unfinished multibulk are
// absorbed into the parser, so the connection's buffer only ever holds the current element; a
// bulk payload is taken only once all of it and its CRLF have arrived, so it is never rescanned
// and parsing costs O(bytes received).
//
// Thread-compatible: one parser per connection, used by one thread at a time.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace mnemo {

// Request size limits. They may change between Parse calls (CONFIG SET); a change applies from
// the next header or line parsed.
struct RespLimits {
  // Largest bulk payload accepted, in bytes (config proto-max-bulk-len). Default 512 MiB.
  int64_t max_bulk_len = 512LL * 1024 * 1024;
  // Largest argument count of a multibulk request (config proto-max-multibulk-len). Default 1Mi.
  int64_t max_multibulk_len = 1024 * 1024;
  // Longest inline request, in bytes before its '\n' (a trailing '\r' counts). Default 64 KiB.
  int64_t max_inline_len = 64 * 1024;
};

class RespParser {
 public:
  enum class Result { kNeedMore, kCommand, kError };

  explicit RespParser(RespLimits limits = {});

  void set_limits(const RespLimits& l) { limits_ = l; }

  // Parses from buf[0..len). Returns:
  //  kCommand:  one complete command is in *args (cleared then filled; (*args)[0] is the command
  //             name as sent); *consumed = bytes of buf used by it, including skipped empty
  //             requests before it. The caller drops them and calls again for the next command.
  //  kNeedMore: *consumed = bytes absorbed into the parser (skipped empty requests, headers and
  //             complete arguments of an unfinished multibulk); the caller drops them too and
  //             calls again with the rest plus more data appended. *args is untouched.
  //  kError:    error() is the message to send after "-ERR ", e.g. "Protocol error: invalid bulk
  //             length"; *consumed = bytes before the offending element. The parser keeps
  //             returning kError until Reset(); the connection is meant to be closed.
  // Empty inline lines and multibulks with a count <= 0 yield no command and are skipped. Inline
  // lines are split like Redis's sdssplitargs. Like Redis, the two bytes after a header's '\r'
  // and after a bulk payload are skipped without checking that they are "\r\n". The outcome
  // does not depend on how the input is split across calls.
  // REQUIRES: after kNeedMore, buf starts with the bytes that followed the consumed ones.
  Result Parse(const char* buf, size_t len, size_t* consumed, std::vector<std::string>* args);

  // The bulk payload being awaited, handed over in the buffer that holds it: `buf` is exactly
  // its bytes and the two after them (size BytesWanted()). The buffer becomes the argument, so a
  // large value is neither copied nor held twice (a connection reads a large bulk into a buffer
  // of its own size). Returns kCommand (args as for Parse) when it was the last argument, else
  // kNeedMore. REQUIRES: BytesWanted() > 0 and buf.size() == BytesWanted().
  Result TakeBulk(std::string&& buf, std::vector<std::string>* args);

  // The reason for the last kError ("" if none), without the "ERR " prefix.
  const std::string& error() const { return error_; }

  // Minimum size of the unconsumed input before the parser can progress: bulk length + 2 while a
  // bulk payload is awaited, else 0 (unknown). Lets a connection reserve its buffer at once.
  size_t BytesWanted() const;

  // Drops any partial request and error; the parser is then as newly built.
  void Reset();

  // Heap bytes of the arguments of the request being assembled (complete bulks of an unfinished
  // multibulk, and the vector holding them): input read from the socket that the connection's
  // buffer no longer holds. An argument of 4 KiB or more counts its allocator block
  // (malloc_usable_size), a smaller one its length + 1.
  size_t assembling_bytes() const {
    return assembled_bytes_ + argv_.capacity() * sizeof(std::string);
  }
  // The same figure for the arguments the last kCommand handed over.
  size_t command_bytes() const { return command_bytes_; }

 private:
  // Outcome of one parsing step; kProgress means bytes were absorbed and parsing continues.
  enum class Step { kNeedMore, kProgress, kCommand, kError };
  // Hands the complete command's arguments to *args.
  void HandOver(std::vector<std::string>* args);

  // Each step parses the element at p[0..n) and sets *used to the bytes it absorbed. `scanned`
  // bytes at p are already known to hold no line end (see scanned_).
  Step ParseInline(const char* p, size_t n, size_t scanned, size_t* used);
  Step ParseMultibulkHeader(const char* p, size_t n, size_t scanned, size_t* used);
  Step ParseBulkHeader(const char* p, size_t n, size_t scanned, size_t* used);
  Step ParseBulkPayload(const char* p, size_t n, size_t* used);
  // Finds the '\r' ending a header at p. On kNeedMore, remembers how far it searched.
  Step FindHeaderEnd(const char* p, size_t n, size_t scanned, const char* too_big, size_t* cr);
  Step Fail(std::string message);

  RespLimits limits_;
  int64_t args_left_ = 0;  // arguments still expected by the current multibulk; 0 between requests
  int64_t bulk_len_ = -1;  // payload length of the current bulk once its header is read, else -1
  // Bytes at the start of the next buffer already searched for the end of the line that begins
  // there, so a line arriving in small pieces is not rescanned from its start each time.
  size_t scanned_ = 0;
  std::vector<std::string> argv_;  // arguments of the command being assembled
  size_t assembled_bytes_ = 0;     // their heap bytes, without the vector (assembling_bytes)
  size_t command_bytes_ = 0;
  std::string error_;
};

}  // namespace mnemo
