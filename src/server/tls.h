// TLS for client connections, over OpenSSL.
//
// TlsContext is built once at startup from the tls-* config keys (certificate, key, client CA,
// whether clients must present a certificate, the protocol versions) and shared by every worker.
// TlsSession is one connection's TLS state over its non-blocking socket (OpenSSL's socket BIO,
// no extra buffers of ours): the server side of the handshake advances inside Read as the
// client's bytes arrive (SSL_accept), so a client that stalls or sends garbage in the middle of
// a handshake costs a worker nothing but one failed call per event; the worker's cron closes
// handshakes older than tls-handshake-timeout.
//
// Thread-safety: a TlsContext may be used from any thread (OpenSSL locks its SSL_CTX internally;
// the counters are atomics). A TlsSession is used by its connection's worker thread only.
// Ownership: the server owns the context and outlives every session; a session owns its SSL
// object, not the socket.
#pragma once

#include <openssl/types.h>

#include <atomic>
#include <cstdint>
#include <memory>

#include "common/status.h"
#include "config/config.h"
#include "server/transport.h"

namespace mnemo {

class TlsSession;

class TlsContext {
 public:
  // Loads the certificate chain, the key and the client CA file, and sets the verification mode
  // and protocol versions. Errors (InvalidArgument, the message names the key and the file and
  // gives OpenSSL's reason): tls-cert-file or tls-key-file empty; tls-ca-cert-file empty while
  // tls-auth-clients is not `no`; a file missing, unreadable or not PEM; a key that does not
  // match the certificate or is protected by a passphrase.
  static StatusOr<std::unique_ptr<TlsContext>> Create(const TlsSettings& settings);
  ~TlsContext();
  TlsContext(const TlsContext&) = delete;
  TlsContext& operator=(const TlsContext&) = delete;

  // A session in the server role over `fd` (non-blocking, owned by the caller); nullptr when
  // OpenSSL cannot allocate one.
  std::unique_ptr<TlsSession> NewSession(int fd);

  // Handshakes that failed (garbage, a protocol or certificate refused, a client that gave up)
  // and handshakes closed by tls-handshake-timeout. Since start.
  uint64_t handshake_failures() const { return failures_.load(std::memory_order_relaxed); }
  uint64_t handshake_timeouts() const { return timeouts_.load(std::memory_order_relaxed); }
  void CountHandshakeFailure() { failures_.fetch_add(1, std::memory_order_relaxed); }
  void CountHandshakeTimeout() { timeouts_.fetch_add(1, std::memory_order_relaxed); }

 private:
  explicit TlsContext(SSL_CTX* ctx) : ctx_(ctx) {}

  SSL_CTX* ctx_;
  std::atomic<uint64_t> failures_{0}, timeouts_{0};
};

class TlsSession {
 public:
  TlsSession(TlsContext* context, SSL* ssl) : context_(context), ssl_(ssl) {}
  ~TlsSession();
  TlsSession(const TlsSession&) = delete;
  TlsSession& operator=(const TlsSession&) = delete;

  // As Transport::Read and Write. Read first completes the handshake; it returns kReadable or
  // kWritable while the handshake waits for the client or for socket space, and kClosed (after
  // counting a handshake failure) when the handshake fails.
  IoResult Read(char* buf, size_t len);
  IoResult Write(const char* buf, size_t len);
  bool buffered_input() const;
  bool handshaking() const;
  // Sends close_notify once, without waiting for the peer's; nothing after a fatal error.
  void Shutdown();

 private:
  // Maps the result of a failed SSL_* call to what to wait for; marks fatal errors.
  IoResult Failed(int ret);

  TlsContext* context_;
  SSL* ssl_;
  bool fatal_ = false;  // after a fatal error OpenSSL forbids SSL_shutdown
};

}  // namespace mnemo
