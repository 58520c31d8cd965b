#include "coronet/tls/context.hpp"

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <stdexcept>
#include <system_error>

#include "context_impl.hpp"
#include "coronet/tls/error.hpp"
#include "session.hpp"

namespace coronet::tls {
namespace detail {

std::string take_openssl_errors() {
  std::string out;
  while (unsigned long e = ERR_get_error()) {
    const char* reason = ERR_reason_error_string(e);
    if (!out.empty()) out += "; ";
    out += reason ? reason : "unknown OpenSSL error";
  }
  return out.empty() ? "unknown OpenSSL error" : out;
}

void context_impl::remember(const std::string& key, SSL_SESSION* s) {
  if (sessions.size() >= max_cached_sessions && !sessions.contains(key))
    sessions.erase(sessions.begin());  // any: a cache miss costs one full handshake
  sessions[key].reset(s);
}

SSL_SESSION* context_impl::recall(const std::string& key) const {
  auto it = sessions.find(key);
  return it == sessions.end() ? nullptr : it->second.get();
}

}  // namespace detail

namespace {

using detail::context_impl;

[[noreturn]] void fail(std::string_view what) {
  throw std::system_error(make_error_code(errc::bad_certificate_file),
                          std::string(what) + ": " + detail::take_openssl_errors());
}

// "certificate chain /x.pem: No such file or directory": a file's own error first, OpenSSL's
// parse error only for a file that exists and can be read.
[[noreturn]] void fail_file(std::string_view what, const std::filesystem::path& file) {
  std::string context = std::string(what) + " " + file.string();
  errno = 0;
  // std::ifstream, not fopen/strerror, which MSVC's /WX build refuses as deprecated.
  if (std::ifstream(file, std::ios::binary).is_open()) fail(context);
  const int e = errno != 0 ? errno : EIO;
  ERR_clear_error();
  throw std::system_error(make_error_code(errc::bad_certificate_file),
                          context + ": " + std::generic_category().message(e));
}

// OpenSSL checks a key against the certificate of its type as it loads it, and fails the load
// with X509's "key values mismatch".
bool key_mismatch() {
  const unsigned long e = ERR_peek_last_error();
  return ERR_GET_LIB(e) == ERR_LIB_X509 && ERR_GET_REASON(e) == X509_R_KEY_VALUES_MISMATCH;
}

// After a key is loaded: it must be the certificate's. OpenSSL keeps a certificate and a key per
// key type, so a key of another type (RSA for an EC certificate) loads without an error into a
// slot of its own, leaving the certificate without its key and every handshake failing.
void check_key_matches(const context_impl& impl, const std::string& what) {
  if (!impl.has_certificate) return;
  if (SSL_CTX_get0_certificate(impl.ctx) == nullptr) {
    ERR_clear_error();
    throw std::system_error(make_error_code(errc::bad_certificate_file),
                            what + " does not match the certificate: the key is of another type");
  }
  if (SSL_CTX_check_private_key(impl.ctx) != 1) fail(what + " does not match the certificate");
}

struct bio_free {
  void operator()(BIO* b) const noexcept { BIO_free(b); }
};
using bio_ptr = std::unique_ptr<BIO, bio_free>;

bio_ptr memory_bio(std::string_view pem) {
  bio_ptr b(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  if (!b) throw std::bad_alloc();
  return b;
}

// Servers: the first of our protocols the client offered; none in common goes on without ALPN.
int select_alpn(SSL*, const unsigned char** out, unsigned char* outlen, const unsigned char* in,
                unsigned int inlen, void* arg) {
  const auto& ours = static_cast<context_impl*>(arg)->alpn;
  for (const std::string& p : ours) {
    for (unsigned int i = 0; i < inlen;) {
      const unsigned len = in[i];
      if (i + 1 + len > inlen) break;
      if (len == p.size() && std::memcmp(in + i + 1, p.data(), len) == 0) {
        *out = in + i + 1;
        *outlen = static_cast<unsigned char>(len);
        return SSL_TLSEXT_ERR_OK;
      }
      i += 1 + len;
    }
  }
  return SSL_TLSEXT_ERR_NOACK;
}

std::shared_ptr<context_impl> make(context::role r) {
  SSL_CTX* ctx =
      SSL_CTX_new(r == context::role::client ? TLS_client_method() : TLS_server_method());
  if (!ctx) throw std::runtime_error("tls context: " + detail::take_openssl_errors());
  auto impl = std::make_shared<context_impl>(ctx, r);
  SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
  // Renegotiation is an attack surface (CVE-2009-3555, CPU exhaustion) and HTTP/1.1 never needs
  // it; compression is CRIME. Buffers are released while a connection is idle: 10,000 idle TLS
  // connections must not hold 10,000 times 34 KiB of record buffers.
  SSL_CTX_set_options(
      ctx, SSL_OP_NO_RENEGOTIATION | SSL_OP_NO_COMPRESSION | SSL_OP_CIPHER_SERVER_PREFERENCE);
  SSL_CTX_set_mode(ctx, SSL_MODE_RELEASE_BUFFERS);
  if (r == context::role::client) {
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, nullptr);
    // The cache lives in context_impl (per peer), filled by the stream's new-session callback.
    SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_CLIENT | SSL_SESS_CACHE_NO_INTERNAL_STORE);
    SSL_CTX_sess_set_new_cb(ctx, detail::remember_session);
  } else {
    SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, nullptr);
    SSL_CTX_set_alpn_select_cb(ctx, select_alpn, impl.get());
    // Session IDs are scoped per context, so resumption across contexts never mixes them up.
    static const unsigned char sid[] = "coronet";
    SSL_CTX_set_session_id_context(ctx, sid, sizeof sid - 1);
  }
  return impl;
}

}  // namespace

context::~context() = default;

context context::client() {
  context c(make(role::client));
  c.use_system_trust_store();
  return c;
}

context context::server() {
  return context(make(role::server));
}

context::role context::side() const noexcept {
  return impl_->side;
}

context& context::use_certificate_chain_file(const std::filesystem::path& file) {
  if (SSL_CTX_use_certificate_chain_file(impl_->ctx, file.string().c_str()) != 1)
    fail_file("certificate chain", file);
  impl_->has_certificate = true;
  return *this;
}

context& context::use_certificate_chain(std::string_view pem) {
  bio_ptr b = memory_bio(pem);
  X509* leaf = PEM_read_bio_X509_AUX(b.get(), nullptr, nullptr, nullptr);
  if (!leaf) fail("certificate chain");
  const int ok = SSL_CTX_use_certificate(impl_->ctx, leaf);
  X509_free(leaf);
  if (ok != 1) fail("certificate chain");
  SSL_CTX_clear_chain_certs(impl_->ctx);
  while (X509* ca = PEM_read_bio_X509(b.get(), nullptr, nullptr, nullptr)) {
    if (SSL_CTX_add0_chain_cert(impl_->ctx, ca) != 1) {
      X509_free(ca);
      fail("certificate chain");
    }
  }
  ERR_clear_error();  // the loop's end: "no start line"
  impl_->has_certificate = true;
  return *this;
}

context& context::use_private_key_file(const std::filesystem::path& file) {
  if (SSL_CTX_use_PrivateKey_file(impl_->ctx, file.string().c_str(), SSL_FILETYPE_PEM) != 1) {
    if (key_mismatch()) fail("private key " + file.string() + " does not match the certificate");
    fail_file("private key", file);
  }
  check_key_matches(*impl_, "private key " + file.string());
  return *this;
}

context& context::use_private_key(std::string_view pem) {
  bio_ptr b = memory_bio(pem);
  EVP_PKEY* key = PEM_read_bio_PrivateKey(b.get(), nullptr, nullptr, nullptr);
  if (!key) fail("private key");
  const int ok = SSL_CTX_use_PrivateKey(impl_->ctx, key);
  EVP_PKEY_free(key);
  if (ok != 1) fail(key_mismatch() ? "private key does not match the certificate" : "private key");
  check_key_matches(*impl_, "private key");
  return *this;
}

context& context::use(const key_pair& pair) {
  use_certificate_chain(pair.certificate_pem);
  return use_private_key(pair.private_key_pem);
}

context& context::load_verify_file(const std::filesystem::path& file) {
  if (SSL_CTX_load_verify_locations(impl_->ctx, file.string().c_str(), nullptr) != 1)
    fail_file("CA file", file);
  return *this;
}

context& context::load_verify_dir(const std::filesystem::path& dir) {
  std::error_code ec;
  if (!std::filesystem::is_directory(dir, ec)) {
    throw std::system_error(make_error_code(errc::bad_certificate_file),
                            "CA directory " + dir.string() + ": " +
                                (ec ? ec.message() : std::string("Not a directory")));
  }
  if (SSL_CTX_load_verify_locations(impl_->ctx, nullptr, dir.string().c_str()) != 1)
    fail("CA directory " + dir.string());
  return *this;
}

context& context::add_certificate_authority(std::string_view pem) {
  bio_ptr b = memory_bio(pem);
  X509_STORE* store = SSL_CTX_get_cert_store(impl_->ctx);
  int added = 0;
  while (X509* ca = PEM_read_bio_X509(b.get(), nullptr, nullptr, nullptr)) {
    const int ok = X509_STORE_add_cert(store, ca);
    X509_free(ca);
    if (ok != 1) fail("certificate authority");
    ++added;
  }
  if (added == 0) fail("certificate authority");
  ERR_clear_error();
  return *this;
}

context& context::use_system_trust_store() {
  // OpenSSL's default paths: Debian's /etc/ssl/certs (ca-certificates) and SSL_CERT_FILE/DIR.
  if (SSL_CTX_set_default_verify_paths(impl_->ctx) != 1) fail("system trust store");
  return *this;
}

context& context::disable_verification_unsafe() {
  impl_->verify = false;
  SSL_CTX_set_verify(impl_->ctx, SSL_VERIFY_NONE, nullptr);
  return *this;
}

bool context::verifies_peer() const noexcept {
  return impl_->side == role::client ? impl_->verify
                                     : (SSL_CTX_get_verify_mode(impl_->ctx) & SSL_VERIFY_PEER);
}

context& context::set_client_auth(client_auth mode) {
  int flags = SSL_VERIFY_NONE;
  if (mode == client_auth::request) flags = SSL_VERIFY_PEER;
  if (mode == client_auth::require) flags = SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT;
  SSL_CTX_set_verify(impl_->ctx, flags, nullptr);
  return *this;
}

namespace {
int protocol(version v) {
  return v == version::tls1_2 ? TLS1_2_VERSION : TLS1_3_VERSION;
}
}  // namespace

context& context::set_min_version(version v) {
  SSL_CTX_set_min_proto_version(impl_->ctx, protocol(v));
  return *this;
}

context& context::set_max_version(version v) {
  SSL_CTX_set_max_proto_version(impl_->ctx, protocol(v));
  return *this;
}

context& context::set_alpn(std::vector<std::string> protocols) {
  std::string wire;
  for (const std::string& p : protocols) {
    if (p.empty() || p.size() > 255)
      throw std::invalid_argument("tls context: an ALPN protocol name has 1 to 255 bytes");
    wire.push_back(static_cast<char>(p.size()));
    wire += p;
  }
  if (impl_->side == role::client) {
    // OpenSSL's one inverted return value: 0 is success.
    if (SSL_CTX_set_alpn_protos(impl_->ctx, reinterpret_cast<const unsigned char*>(wire.data()),
                                static_cast<unsigned>(wire.size())) != 0)
      throw std::bad_alloc();
  }
  impl_->alpn = std::move(protocols);
  return *this;
}

context& context::set_session_tickets(bool on) {
  if (on) {
    SSL_CTX_clear_options(impl_->ctx, SSL_OP_NO_TICKET);
    SSL_CTX_set_num_tickets(impl_->ctx, 2);
  } else {
    SSL_CTX_set_options(impl_->ctx, SSL_OP_NO_TICKET);
    SSL_CTX_set_num_tickets(impl_->ctx, 0);
    if (impl_->side == role::server) SSL_CTX_set_session_cache_mode(impl_->ctx, SSL_SESS_CACHE_OFF);
  }
  return *this;
}

namespace {
// The client's SNI name: pick a context for it (its certificate, its settings) before OpenSSL
// goes on with the handshake.
int on_server_name(SSL* ssl, int*, void* arg) {
  auto* impl = static_cast<context_impl*>(arg);
  const char* name = SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name);
  if (!name || !impl->pick_by_name) return SSL_TLSEXT_ERR_OK;
  std::optional<context> other;
  try {
    other = impl->pick_by_name(name);
  } catch (...) {
    return SSL_TLSEXT_ERR_ALERT_FATAL;
  }
  if (!other) return SSL_TLSEXT_ERR_OK;
  auto picked = detail::context_access::shared(*other);
  if (picked->side != context::role::server) return SSL_TLSEXT_ERR_ALERT_FATAL;
  SSL_set_SSL_CTX(ssl, picked->ctx);  // takes a reference on the SSL_CTX for the connection
  // SSL_set_SSL_CTX copies the certificate, not the verify mode: take the picked one's.
  SSL_set_verify(ssl, SSL_CTX_get_verify_mode(picked->ctx), nullptr);
  return SSL_TLSEXT_ERR_OK;
}
}  // namespace

context& context::set_server_name_callback(
    std::function<std::optional<context>(std::string_view server_name)> pick) {
  impl_->pick_by_name = std::move(pick);
  SSL_CTX_set_tlsext_servername_callback(impl_->ctx, on_server_name);
  SSL_CTX_set_tlsext_servername_arg(impl_->ctx, impl_.get());
  return *this;
}

void* context::native_handle() const noexcept {
  return impl_->ctx;
}

}  // namespace coronet::tls
