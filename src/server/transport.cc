#include "server/transport.h"

#include "server/tls.h"

namespace mnemo {

Transport::Transport(int fd, std::unique_ptr<TlsSession> tls) : fd_(fd), tls_(std::move(tls)) {}

Transport::~Transport() = default;

IoResult Transport::TlsRead(char* buf, size_t len) { return tls_->Read(buf, len); }

IoResult Transport::TlsWrite(const char* buf, size_t len) { return tls_->Write(buf, len); }

bool Transport::TlsBuffered() const { return tls_->buffered_input(); }

bool Transport::TlsHandshaking() const { return tls_->handshaking(); }

void Transport::Shutdown() {
  if (tls_ != nullptr) tls_->Shutdown();
}

}  // namespace mnemo
