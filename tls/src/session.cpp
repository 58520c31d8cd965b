#include "session.hpp"

#include <openssl/err.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <cstring>
#include <stdexcept>

#include "coronet/cancellation.hpp"
#include "coronet/socket_address.hpp"
#include "coronet/tls/error.hpp"
#include "tls_error.hpp"

namespace coronet::tls::detail {
namespace {

// A client's ciphertext buffer: one full record (16 KiB of data and its overhead) per read.
constexpr std::size_t client_read_size = 16 * 1024 + 512;
// Plaintext encrypted per step of write_all: enough for full records and few sends, small enough
// that a 100 MiB write does not first become 100 MiB of ciphertext in memory.
constexpr std::size_t write_step = 64 * 1024;

bool is_ip_literal(const std::string& name) {
  return socket_address::parse_ip(name, 0).has_value();
}

}  // namespace

// Clients: OpenSSL hands us each session a server offers for resumption (TLS 1.3 sends them
// after the handshake); the context keeps the latest per peer.
int remember_session(SSL* ssl, SSL_SESSION* s) {
  auto* self = static_cast<session*>(SSL_get_app_data(ssl));
  if (!self || self->cache_key.empty() || !SSL_SESSION_is_resumable(s)) return 0;
  try {
    context_access::impl(self->ctx).remember(self->cache_key, s);
  } catch (...) {
    return 0;  // not kept: OpenSSL frees it
  }
  return 1;  // the reference is ours now
}

session::session(coronet::stream n, context c, bool is_client, std::string name)
    : next(std::move(n)), ctx(std::move(c)), server_name(std::move(name)), client(is_client) {
  context_impl& impl = context_access::impl(ctx);
  if (client != (impl.side == context::role::client)) {
    throw std::invalid_argument(client ? "tls::stream::client needs a context::client()"
                                       : "tls::stream::server needs a context::server()");
  }
  if (client && server_name.empty() && impl.verify) {
    throw std::invalid_argument(
        "tls::stream::client: verifying the server needs its name (or "
        "context::disable_verification_unsafe())");
  }
  ssl = SSL_new(impl.ctx);
  if (!ssl) throw std::bad_alloc();
  BIO* b = make_bio(*this);
  SSL_set_bio(ssl, b, b);  // one reference, for both directions
  SSL_set_app_data(ssl, this);
  if (!client) {
    SSL_set_accept_state(ssl);
    return;
  }
  SSL_set_connect_state(ssl);
  own_in_.reset(new std::byte[client_read_size]);
  if (!server_name.empty()) {
    const bool ip = is_ip_literal(server_name);
    // SNI carries host names only (RFC 6066); an address is checked against the certificate's
    // IP entries instead.
    if (!ip) SSL_set_tlsext_host_name(ssl, server_name.c_str());
    if (impl.verify) {
      const int ok = ip ? X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), server_name.c_str())
                        : SSL_set1_host(ssl, server_name.c_str());
      if (ok != 1)
        throw std::invalid_argument("tls::stream::client: bad server name " + server_name);
    }
  }
  cache_key = server_name + "|" + next.remote_address().to_string();
  if (SSL_SESSION* s = impl.recall(cache_key)) SSL_set_session(ssl, s);
}

session::~session() {
  // OpenSSL forgets the session of a connection freed without having sent close_notify (TLS
  // 1.0's rule; since TLS 1.1 such a session may be resumed, RFC 5246 7.2.1), so a client that
  // drops an idle connection without shutdown() would pay a full handshake next time. (A peer's
  // cut, errc::truncated, never made OpenSSL forget the session either.)
  if (handshake_done) SSL_set_shutdown(ssl, SSL_get_shutdown(ssl) | SSL_SENT_SHUTDOWN);
  SSL_free(ssl);  // and the BIO
}

std::string session::context_of(const char* verb) const {
  return coronet::detail::stream_context(next, verb);
}

int session::bio_read(char* buf, int len) noexcept {
  if (pending_.empty()) return eof_ ? 0 : -1;
  const std::size_t n = std::min(pending_.size(), static_cast<std::size_t>(len));
  std::memcpy(buf, pending_.data(), n);
  pending_ = pending_.subspan(n);
  if (pending_.empty()) lent_.release();  // back to the scheduler as soon as OpenSSL has it all
  return static_cast<int>(n);
}

int session::bio_write(const char* buf, int len) {
  out_.append(buf, static_cast<std::size_t>(len));
  return len;
}

bool session::has_buffered_input() const noexcept {
  return !pending_.empty() || SSL_has_pending(ssl) == 1;
}

task<bool> session::fill() {
  // OpenSSL's record buffers go before the wait, also where SSL_MODE_RELEASE_BUFFERS leaves
  // them: with OpenSSL 3.0 a client that has read its first response (after the session
  // tickets) kept its 16 KiB read buffer. Cheap when there is nothing to free, and a partial
  // record stays (OpenSSL frees only buffers that hold nothing).
  if (handshake_done) SSL_free_buffers(ssl);
  if (client) {
    const std::size_t n = co_await next.read_some(std::span(own_in_.get(), client_read_size));
    if (n == 0) {
      eof_ = true;
      co_return false;
    }
    pending_ = std::span<const std::byte>(own_in_.get(), n);
    co_return true;
  }
  received r = co_await next.receive();
  if (!r) {
    eof_ = true;
    co_return false;
  }
  lent_ = std::move(r);
  pending_ = lent_.bytes();
  co_return true;
}

task<> session::flush(bool wait) {
  // One send at a time: whoever finds none in progress sends everything OpenSSL has written,
  // including what others add meanwhile; a writer that must know its bytes left waits for it.
  while (sending_now_) {
    if (!wait) co_return;
    sent_.reset();
    co_await sent_.wait();
  }
  if (out_.empty()) co_return;
  sending_now_ = true;
  try {
    while (!out_.empty()) {
      std::swap(out_, sending_);
      co_await next.write_all(sending_);
      sending_.clear();
    }
  } catch (...) {
    sending_now_ = false;
    sent_.set();
    throw;
  }
  sending_now_ = false;
  sent_.set();
}

task<> session::answer() {
  // Shielded: a read is cancel safe, and a send cut short by its cancellation would leave half
  // a record on the wire. A failed send is left for the next operation to meet (the socket
  // fails again), so that the bytes this read got are not lost with it.
  try {
    co_await coronet::detail::shielded(flush(false));
  } catch (const std::system_error&) {
  }
}

task<> session::handshake() {
  auto keep = shared_from_this();
  for (;;) {
    ERR_clear_error();
    const int rc = SSL_do_handshake(ssl);
    if (rc == 1) break;
    if (SSL_get_error(ssl, rc) != SSL_ERROR_WANT_READ) {
      tls_error e = failure("handshake", rc);
      // The alert OpenSSL queued tells the peer why (unknown CA, bad certificate): best effort.
      if (!out_.empty()) {
        try {
          co_await flush(true);
        } catch (const std::system_error&) {
        }
      }
      throw e;
    }
    co_await flush(true);
    co_await fill();
  }
  co_await flush(true);
  after_handshake();
}

void session::after_handshake() {
  handshake_done = true;
  version = SSL_get_version(ssl);
  if (const char* c = SSL_get_cipher_name(ssl)) cipher = c;
  const unsigned char* p = nullptr;
  unsigned len = 0;
  SSL_get0_alpn_selected(ssl, &p, &len);
  alpn.assign(reinterpret_cast<const char*>(p), p ? len : 0);
  if (!client) {
    if (const char* name = SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name)) server_name = name;
  }
}

bool session::read_once(std::span<std::byte> buf, std::size_t& n) {
  ERR_clear_error();
  n = 0;
  const int rc = SSL_read_ex(ssl, buf.data(), buf.size(), &n);
  if (rc == 1) return true;
  const int e = SSL_get_error(ssl, rc);
  if (e == SSL_ERROR_ZERO_RETURN) return true;  // close_notify: n == 0
  if (e != SSL_ERROR_WANT_READ) throw failure("read", rc);
  return false;
}

task<std::size_t> session::read_some(std::span<std::byte> buf) {
  auto keep = shared_from_this();
  plain_.give_back();  // a read ends the view the last receive() returned
  if (buf.empty()) co_return 0;
  for (;;) {
    std::size_t n = 0;
    const bool done = read_once(buf, n);
    // OpenSSL may have answered something meanwhile (a KeyUpdate): on its way.
    if (!out_.empty()) co_await answer();
    if (done) co_return n;
    co_await fill();  // at the end of the stream SSL_read reports it, truncated or not
  }
}

task<std::span<const std::byte>> session::receive() {
  auto keep = shared_from_this();
  plain_.give_back();
  for (;;) {
    // A block only for the time of one SSL_read: when OpenSSL has no whole record to decrypt
    // it writes nothing into it, and the block goes straight back to the free list before the
    // wait (OpenSSL frees its own record buffer then too, SSL_MODE_RELEASE_BUFFERS, unless part
    // of a record waits in it).
    plain_block block = plain_block::take();
    std::size_t n = 0;
    const bool done = read_once(std::span(block.data(), block.size()), n);
    if (done && n > 0) plain_ = std::move(block);
    block.give_back();
    if (!out_.empty()) co_await answer();
    if (done) co_return std::span<const std::byte>(plain_.data(), n);
    co_await fill();
  }
}

task<> session::write_all(std::span<const std::byte> buf) {
  auto keep = shared_from_this();
  while (!buf.empty()) {
    ERR_clear_error();
    std::size_t n = 0;
    const int rc = SSL_write_ex(ssl, buf.data(), std::min(buf.size(), write_step), &n);
    if (rc != 1) throw failure("write", rc);
    buf = buf.subspan(n);
    co_await flush(true);
  }
}

task<> session::shutdown() {
  auto keep = shared_from_this();
  if (handshake_done && !(SSL_get_shutdown(ssl) & SSL_SENT_SHUTDOWN)) {
    ERR_clear_error();
    SSL_shutdown(ssl);  // queues close_notify; the peer's is read by whoever reads on
    co_await flush(true);
  }
  if (next.is_open()) next.shutdown();
}

tls_error session::failure(const char* verb, int rc) {
  const int kind = SSL_get_error(ssl, rc);
  const unsigned long first = ERR_peek_error();
  const int reason = ERR_GET_REASON(first);
  const bool handshaking = !handshake_done;
  std::string where = context_of(verb);
  auto make = [&](errc code, std::string detail) {
    ERR_clear_error();
    return tls_error(make_error_code(code), where, detail);
  };
  // The stream ended with no close_notify: OpenSSL 3 says "unexpected eof while reading" (or,
  // with an empty error queue, SSL_ERROR_SYSCALL).
  if ((kind == SSL_ERROR_SYSCALL && first == 0) ||
      (kind == SSL_ERROR_SSL && reason == SSL_R_UNEXPECTED_EOF_WHILE_READING)) {
    if (handshaking) return make(errc::handshake_failed, "connection closed during the handshake");
    return make(errc::truncated, "");
  }
  switch (reason) {
    case SSL_R_CERTIFICATE_VERIFY_FAILED: {
      const long v = SSL_get_verify_result(ssl);
      return make(errc::certificate_verify_failed, X509_verify_cert_error_string(v));
    }
    case SSL_R_PEER_DID_NOT_RETURN_A_CERTIFICATE:
      return make(errc::certificate_verify_failed, "the client sent no certificate");
    case SSL_R_HTTP_REQUEST:
    case SSL_R_HTTPS_PROXY_REQUEST:
      return make(errc::plain_http, "");
    case SSL_R_NO_RENEGOTIATION:
      return make(errc::renegotiation_refused, "");
    case SSL_R_WRONG_VERSION_NUMBER:
    case SSL_R_PACKET_LENGTH_TOO_LONG:
    case SSL_R_UNKNOWN_PROTOCOL:
      if (handshaking) return make(errc::not_tls, ERR_reason_error_string(first));
      break;
    default:
      break;
  }
  return make(handshaking ? errc::handshake_failed : errc::protocol_error, take_openssl_errors());
}

}  // namespace coronet::tls::detail
