#include "server/tls.h"

#include <openssl/err.h>
#include <openssl/ssl.h>

#include <cerrno>
#include <climits>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "common/string_util.h"

namespace mnemo {
namespace {

// A single SSL_write or SSL_read moves at most this much. Large enough to cover one TLS record
// (16 KiB) many times over; small enough for OpenSSL's int lengths. A write's length is
// min(pending, kMaxIo), which never shrinks between a retried call and its retry (pending
// only grows until bytes are written), as OpenSSL requires.
constexpr size_t kMaxIo = 1 << 20;

// OpenSSL's reasons for the errors queued on this thread, oldest first ("no start line; PEM
// lib"), and empties the queue.
std::string OpenSslReason() {
  std::string reasons;
  while (unsigned long err = ERR_get_error()) {
    const char* r = ERR_reason_error_string(err);
    char buf[256];
    if (r == nullptr) {
      ERR_error_string_n(err, buf, sizeof(buf));
      r = buf;
    }
    if (reasons.find(r) != std::string::npos) continue;
    if (!reasons.empty()) reasons += "; ";
    reasons += r;
  }
  return reasons.empty() ? "unknown OpenSSL error" : reasons;
}

// The file can be opened for reading; else the system's reason, which OpenSSL reports only as
// "system lib".
Status CheckReadable(const char* key, const std::string& path) {
  FILE* f = fopen(path.c_str(), "r");
  if (f == nullptr) {
    return Status::InvalidArgument(std::string("TLS: can't open ") + key + " '" + path +
                                   "': " + strerror(errno));
  }
  fclose(f);
  return Status::OK();
}

Status LoadError(const char* key, const std::string& path) {
  return Status::InvalidArgument(std::string("TLS: can't load ") + key + " '" + path +
                                 "': " + OpenSslReason());
}

// SSL_OP_NO_* bits that leave exactly the versions named in tls-protocols (validated words).
uint64_t ProtocolOptions(const std::string& protocols) {
  struct Version {
    const char* name;
    uint64_t op;
  };
  static const Version kVersions[] = {{"tlsv1", SSL_OP_NO_TLSv1},
                                      {"tlsv1.1", SSL_OP_NO_TLSv1_1},
                                      {"tlsv1.2", SSL_OP_NO_TLSv1_2},
                                      {"tlsv1.3", SSL_OP_NO_TLSv1_3}};
  std::string words = ToLower(protocols);
  if (words.find_first_not_of(' ') == std::string::npos) words = "tlsv1.2 tlsv1.3";
  words = " " + words + " ";
  uint64_t options = 0;
  for (const Version& v : kVersions) {
    if (words.find(std::string(" ") + v.name + " ") == std::string::npos) options |= v.op;
  }
  return options;
}

// No passphrase prompt on the terminal: an encrypted key fails to load instead.
int NoPassphrase(char*, int, int, void*) { return 0; }

Status Configure(SSL_CTX* ctx, const TlsSettings& s) {
  SSL_CTX_set_options(ctx, SSL_OP_NO_SSLv2 | SSL_OP_NO_SSLv3 | SSL_OP_NO_COMPRESSION |
                               SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE |
                               ProtocolOptions(s.protocols));
  // Partial writes let a write return after each record, so a large reply moves record by
  // record as the socket drains; the reply buffer may grow (move) between a retried write and
  // its retry. Idle connections give their 16 KiB read and write buffers back.
  SSL_CTX_set_mode(ctx, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER |
                            SSL_MODE_RELEASE_BUFFERS);
  SSL_CTX_set_default_passwd_cb(ctx, &NoPassphrase);
  static const unsigned char kSessionContext[] = "mnemo";
  SSL_CTX_set_session_id_context(ctx, kSessionContext, sizeof(kSessionContext) - 1);
  for (auto [key, path] :
       {std::pair{"tls-cert-file", &s.cert_file}, std::pair{"tls-key-file", &s.key_file},
        std::pair{"tls-ca-cert-file", &s.ca_cert_file}}) {
    if (path->empty()) continue;  // an empty CA file is refused (or unused) in Create
    Status st = CheckReadable(key, *path);
    if (!st.ok()) return st;
  }
  if (SSL_CTX_use_certificate_chain_file(ctx, s.cert_file.c_str()) != 1) {
    return LoadError("tls-cert-file", s.cert_file);
  }
  if (SSL_CTX_use_PrivateKey_file(ctx, s.key_file.c_str(), SSL_FILETYPE_PEM) != 1) {
    return LoadError("tls-key-file", s.key_file);
  }
  if (SSL_CTX_check_private_key(ctx) != 1) {
    return Status::InvalidArgument("TLS: tls-key-file '" + s.key_file +
                                   "' does not match tls-cert-file '" + s.cert_file +
                                   "': " + OpenSslReason());
  }
  if (s.auth_clients == "no") {
    SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, nullptr);
    return Status::OK();
  }
  if (SSL_CTX_load_verify_locations(ctx, s.ca_cert_file.c_str(), nullptr) != 1) {
    return LoadError("tls-ca-cert-file", s.ca_cert_file);
  }
  // The CA names the server sends in its certificate request, so a client picks the right cert.
  STACK_OF(X509_NAME)* names = SSL_load_client_CA_file(s.ca_cert_file.c_str());
  if (names == nullptr) return LoadError("tls-ca-cert-file", s.ca_cert_file);
  SSL_CTX_set_client_CA_list(ctx, names);
  int mode = SSL_VERIFY_PEER;
  if (s.auth_clients == "yes") mode |= SSL_VERIFY_FAIL_IF_NO_PEER_CERT;
  SSL_CTX_set_verify(ctx, mode, nullptr);
  return Status::OK();
}

int ClampLen(size_t len) { return static_cast<int>(std::min(len, kMaxIo)); }

}  // namespace

StatusOr<std::unique_ptr<TlsContext>> TlsContext::Create(const TlsSettings& s) {
  if (s.cert_file.empty()) {
    return Status::InvalidArgument("TLS: tls-port is set but tls-cert-file is empty");
  }
  if (s.key_file.empty()) {
    return Status::InvalidArgument("TLS: tls-port is set but tls-key-file is empty");
  }
  if (s.auth_clients != "no" && s.ca_cert_file.empty()) {
    return Status::InvalidArgument("TLS: tls-auth-clients is '" + s.auth_clients +
                                   "' but tls-ca-cert-file is empty (set it, or set "
                                   "tls-auth-clients to no)");
  }
  ERR_clear_error();
  SSL_CTX* ctx = SSL_CTX_new(TLS_server_method());
  if (ctx == nullptr) return Status::InvalidArgument("TLS: SSL_CTX_new: " + OpenSslReason());
  Status st = Configure(ctx, s);
  if (!st.ok()) {
    SSL_CTX_free(ctx);
    return st;
  }
  return std::unique_ptr<TlsContext>(new TlsContext(ctx));
}

TlsContext::~TlsContext() { SSL_CTX_free(ctx_); }

std::unique_ptr<TlsSession> TlsContext::NewSession(int fd) {
  SSL* ssl = SSL_new(ctx_);
  if (ssl == nullptr) {
    ERR_clear_error();
    return nullptr;
  }
  if (SSL_set_fd(ssl, fd) != 1) {
    ERR_clear_error();
    SSL_free(ssl);
    return nullptr;
  }
  SSL_set_accept_state(ssl);
  return std::make_unique<TlsSession>(this, ssl);
}

TlsSession::~TlsSession() { SSL_free(ssl_); }

IoResult TlsSession::Failed(int ret) {
  int err = SSL_get_error(ssl_, ret);
  if (err == SSL_ERROR_WANT_READ) return {0, IoWait::kReadable};
  if (err == SSL_ERROR_WANT_WRITE) return {0, IoWait::kWritable};
  // ZERO_RETURN is the peer's close_notify; anything else (SYSCALL, SSL) is fatal.
  if (err != SSL_ERROR_ZERO_RETURN) fatal_ = true;
  ERR_clear_error();
  return {0, IoWait::kClosed};
}

IoResult TlsSession::Read(char* buf, size_t len) {
  // The error queue is per thread and must be empty before a call whose error is examined.
  ERR_clear_error();
  if (!SSL_is_init_finished(ssl_)) {
    int r = SSL_accept(ssl_);
    if (r != 1) {
      IoResult res = Failed(r);
      if (res.wait == IoWait::kClosed) context_->CountHandshakeFailure();
      return res;
    }
  }
  int n = SSL_read(ssl_, buf, ClampLen(len));
  if (n > 0) return {static_cast<size_t>(n), IoWait::kNone};
  return Failed(n);
}

IoResult TlsSession::Write(const char* buf, size_t len) {
  ERR_clear_error();
  int n = SSL_write(ssl_, buf, ClampLen(len));
  if (n > 0) return {static_cast<size_t>(n), IoWait::kNone};
  return Failed(n);
}

bool TlsSession::buffered_input() const { return SSL_pending(ssl_) > 0; }

bool TlsSession::handshaking() const { return !SSL_is_init_finished(ssl_); }

void TlsSession::Shutdown() {
  if (fatal_ || !SSL_is_init_finished(ssl_)) return;
  ERR_clear_error();
  (void)SSL_shutdown(ssl_);  // sends close_notify if the socket takes it; never waits
  ERR_clear_error();
  fatal_ = true;  // once is enough
}

}  // namespace mnemo
