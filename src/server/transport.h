// Transport: how a connection moves bytes over its socket, plain or inside TLS.
//
// A connection calls Read and Write where it would call read() and write() on its non-blocking
// socket. Each returns the bytes moved, or, when none moved, what must happen before the call
// can progress: the socket becoming readable, or writable, or nothing ever (the connection is
// over). TLS can ask for the opposite readiness of the call: a read that must first send (a
// handshake message, or an alert, into a full socket buffer) says kWritable, a write that must
// first receive says kReadable. The caller waits for that readiness and repeats the same call.
//
// Cost: a plain transport is an inline branch on a null pointer before the system call: no
// virtual call and no allocation. A TLS transport runs OpenSSL over the same socket
// (server/tls.h).
//
// Thread-safety: none. Owned by one connection and used on its worker thread only. The socket
// itself stays owned (and closed) by the connection.
#pragma once

#include <sys/types.h>
#include <unistd.h>

#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <memory>

namespace mnemo {

class TlsSession;

// What a Read or Write that moved no byte waits for.
enum class IoWait : uint8_t {
  kNone,      // bytes > 0: something was moved
  kReadable,  // repeat the call when the socket is readable
  kWritable,  // repeat the call when the socket is writable
  kClosed,    // end of stream, reset, or a TLS failure: close the connection
};

struct IoResult {
  size_t bytes = 0;
  IoWait wait = IoWait::kNone;
};

class Transport {
 public:
  // A plain transport over `fd` when `tls` is null, else TLS over it.
  explicit Transport(int fd, std::unique_ptr<TlsSession> tls = nullptr);
  ~Transport();
  Transport(const Transport&) = delete;
  Transport& operator=(const Transport&) = delete;

  // Reads up to `len` bytes into `buf`. REQUIRES: len > 0.
  IoResult Read(char* buf, size_t len) {
    if (tls_ != nullptr) return TlsRead(buf, len);
    ssize_t n = ::read(fd_, buf, len);
    if (n > 0) return {static_cast<size_t>(n), IoWait::kNone};
    if (n < 0 && (errno == EAGAIN || errno == EINTR)) return {0, IoWait::kReadable};
    return {0, IoWait::kClosed};
  }

  // Writes up to `len` bytes of `buf`. After a result of kReadable or kWritable the next Write
  // must pass the same bytes again (the buffer may have moved; more bytes may follow them).
  // REQUIRES: len > 0.
  IoResult Write(const char* buf, size_t len) {
    if (tls_ != nullptr) return TlsWrite(buf, len);
    while (true) {
      ssize_t n = ::write(fd_, buf, len);
      if (n > 0) return {static_cast<size_t>(n), IoWait::kNone};
      if (n < 0 && errno == EINTR) continue;
      if (n < 0 && errno == EAGAIN) return {0, IoWait::kWritable};
      return {0, IoWait::kClosed};
    }
  }

  // True when received bytes are already decrypted inside the transport: no socket event will
  // announce them, so the caller must read again without waiting. Always false when plain.
  bool buffered_input() const { return tls_ != nullptr && TlsBuffered(); }
  // True while the TLS handshake has not completed. Always false when plain.
  bool handshaking() const { return tls_ != nullptr && TlsHandshaking(); }
  bool is_tls() const { return tls_ != nullptr; }
  // Best effort, never blocking: tells a TLS peer the session ends (close_notify). Plain: none.
  void Shutdown();

 private:
  IoResult TlsRead(char* buf, size_t len);
  IoResult TlsWrite(const char* buf, size_t len);
  bool TlsBuffered() const;
  bool TlsHandshaking() const;

  int fd_;
  std::unique_ptr<TlsSession> tls_;
};

}  // namespace mnemo
