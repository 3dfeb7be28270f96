// TlsSession over a non-blocking socket pair, against an in-process OpenSSL client: the
// handshake advances one event at a time, garbage fails it, a large write waits for the peer
// and is repeated from a moved buffer, and decrypted bytes left over by a short read are
// reported.
#include "server/tls.h"

#include <gtest/gtest.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <string>

namespace mnemo {
namespace {

namespace fs = std::filesystem;

// A self-signed P-256 certificate and its key, written as PEM files in a temporary directory.
class SelfSigned {
 public:
  SelfSigned() {
    dir_ = fs::temp_directory_path() / ("mnemo-tls-test-" + std::to_string(getpid()));
    fs::create_directories(dir_);
    EVP_PKEY* key = EVP_EC_gen("P-256");
    X509* cert = X509_new();
    ASN1_INTEGER_set(X509_get_serialNumber(cert), 1);
    X509_gmtime_adj(X509_getm_notBefore(cert), 0);
    X509_gmtime_adj(X509_getm_notAfter(cert), 3600);
    X509_set_pubkey(cert, key);
    X509_NAME* name = X509_get_subject_name(cert);
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                               reinterpret_cast<const unsigned char*>("localhost"), -1, -1, 0);
    X509_set_issuer_name(cert, name);
    X509_sign(cert, key, EVP_sha256());
    FILE* f = fopen(cert_path().c_str(), "w");
    PEM_write_X509(f, cert);
    fclose(f);
    f = fopen(key_path().c_str(), "w");
    PEM_write_PrivateKey(f, key, nullptr, nullptr, 0, nullptr, nullptr);
    fclose(f);
    X509_free(cert);
    EVP_PKEY_free(key);
  }
  ~SelfSigned() { fs::remove_all(dir_); }
  std::string cert_path() const { return (dir_ / "cert.pem").string(); }
  std::string key_path() const { return (dir_ / "key.pem").string(); }

 private:
  fs::path dir_;
};

class TlsSessionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, fds_), 0);
    TlsSettings s{certs_.cert_path(), certs_.key_path(), "", "no", ""};
    auto ctx = TlsContext::Create(s);
    ASSERT_TRUE(ctx.ok()) << ctx.status().ToString();
    server_ctx_ = std::move(ctx.value());
    session_ = server_ctx_->NewSession(fds_[0]);
    ASSERT_NE(session_, nullptr);
    client_ctx_ = SSL_CTX_new(TLS_client_method());
    SSL_CTX_set_mode(client_ctx_, SSL_MODE_ENABLE_PARTIAL_WRITE);
    client_ = SSL_new(client_ctx_);
    SSL_set_fd(client_, fds_[1]);
    SSL_set_connect_state(client_);
  }
  void TearDown() override {
    session_.reset();
    SSL_free(client_);
    SSL_CTX_free(client_ctx_);
    close(fds_[0]);
    close(fds_[1]);
  }

  // Alternates client handshake steps and server reads until both sides are done. Each server
  // read returns at once (the socket is non-blocking) and asks to wait for readable.
  void Handshake() {
    char buf[16];
    for (int step = 0; step < 20 && (session_->handshaking() || !SSL_is_init_finished(client_));
         step++) {
      SSL_do_handshake(client_);
      IoResult r = session_->Read(buf, sizeof(buf));
      ASSERT_EQ(r.bytes, 0u);
      ASSERT_EQ(r.wait, IoWait::kReadable);
    }
    ASSERT_FALSE(session_->handshaking());
    ASSERT_TRUE(SSL_is_init_finished(client_));
  }

  // Reads everything the client can without blocking and appends it to `out`.
  void ClientDrain(std::string* out) {
    char buf[65536];
    int n;
    while ((n = SSL_read(client_, buf, sizeof(buf))) > 0) out->append(buf, static_cast<size_t>(n));
  }

  SelfSigned certs_;
  int fds_[2] = {-1, -1};
  std::unique_ptr<TlsContext> server_ctx_;
  std::unique_ptr<TlsSession> session_;
  SSL_CTX* client_ctx_ = nullptr;
  SSL* client_ = nullptr;
};

TEST_F(TlsSessionTest, HandshakeThenBytesBothWays) {
  ASSERT_TRUE(session_->handshaking());
  Handshake();
  ASSERT_EQ(SSL_write(client_, "PING\r\n", 6), 6);
  char buf[64];
  IoResult r = session_->Read(buf, sizeof(buf));
  ASSERT_EQ(r.wait, IoWait::kNone);
  EXPECT_EQ(std::string(buf, r.bytes), "PING\r\n");
  r = session_->Write("+PONG\r\n", 7);
  EXPECT_EQ(r.bytes, 7u);
  std::string got;
  ClientDrain(&got);
  EXPECT_EQ(got, "+PONG\r\n");
  EXPECT_EQ(server_ctx_->handshake_failures(), 0u);
}

TEST_F(TlsSessionTest, PartialClientHelloWaitsAndGarbageFails) {
  // The start of a handshake record: the server waits for the rest, it does not block.
  const char partial[] = "\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03";
  ASSERT_EQ(write(fds_[1], partial, sizeof(partial) - 1), 11);
  char buf[16];
  IoResult r = session_->Read(buf, sizeof(buf));
  EXPECT_EQ(r.wait, IoWait::kReadable);
  EXPECT_TRUE(session_->handshaking());
  EXPECT_EQ(server_ctx_->handshake_failures(), 0u);
  // Then bytes that are no ClientHello at all.
  std::string junk(600, 'x');
  ASSERT_EQ(write(fds_[1], junk.data(), junk.size()), 600);
  r = session_->Read(buf, sizeof(buf));
  EXPECT_EQ(r.wait, IoWait::kClosed);
  EXPECT_EQ(server_ctx_->handshake_failures(), 1u);
  session_->Shutdown();  // after a fatal error: must do nothing (OpenSSL forbids it)
}

TEST_F(TlsSessionTest, LargeWaitingWriteIsRepeatedFromAMovedBuffer) {
  Handshake();
  std::string out(8 << 20, '\0');
  for (size_t i = 0; i < out.size(); i++) out[i] = static_cast<char>(i * 7 + i / 4096);
  size_t pos = 0, waits = 0;
  std::string got;
  while (pos < out.size()) {
    IoResult r = session_->Write(out.data() + pos, out.size() - pos);
    if (r.bytes > 0) {
      pos += r.bytes;
      continue;
    }
    ASSERT_EQ(r.wait, IoWait::kWritable);
    waits++;
    // The reply buffer grows (and moves) before the write is repeated, as a connection's does.
    std::string moved = out + "tail";
    out.swap(moved);
    ClientDrain(&got);
  }
  ClientDrain(&got);
  EXPECT_GT(waits, 0u) << "the socket buffer never filled: the test proves nothing";
  EXPECT_EQ(got, out);
}

TEST_F(TlsSessionTest, ShortReadLeavesDecryptedBytesReported) {
  Handshake();
  std::string msg(10000, 'a');
  ASSERT_EQ(SSL_write(client_, msg.data(), static_cast<int>(msg.size())), 10000);
  char buf[100];
  IoResult r = session_->Read(buf, sizeof(buf));
  ASSERT_EQ(r.bytes, 100u);
  EXPECT_TRUE(session_->buffered_input()) << "no socket event would announce the rest";
  std::string rest;
  char big[16384];
  while (session_->buffered_input()) {
    r = session_->Read(big, sizeof(big));
    ASSERT_GT(r.bytes, 0u);
    rest.append(big, r.bytes);
  }
  EXPECT_EQ(rest.size(), 9900u);
  EXPECT_EQ(session_->Read(big, sizeof(big)).wait, IoWait::kReadable);
}

TEST_F(TlsSessionTest, PeerCloseNotifyEndsTheSession) {
  Handshake();
  SSL_shutdown(client_);
  char buf[16];
  EXPECT_EQ(session_->Read(buf, sizeof(buf)).wait, IoWait::kClosed);
  EXPECT_EQ(server_ctx_->handshake_failures(), 0u);
}

TEST(TlsContext, RefusesMissingFilesWithTheirNames) {
  TlsSettings s{"/nonexistent/server.crt", "/nonexistent/server.key", "", "no", ""};
  auto ctx = TlsContext::Create(s);
  ASSERT_FALSE(ctx.ok());
  EXPECT_EQ(ctx.status().message(),
            "TLS: can't open tls-cert-file '/nonexistent/server.crt': No such file or directory");
}

}  // namespace
}  // namespace mnemo
