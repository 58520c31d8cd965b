// tls::stream: TLS over any coronet::stream (TCP, a Unix socket, a pipe).
//
//   coronet::tls::context ctx = coronet::tls::context::client();
//   coronet::stream tcp = co_await coronet::tcp::connect("example.org", 443);
//   coronet::tls::stream s = coronet::tls::stream::client(std::move(tcp), ctx, "example.org");
//   co_await s.handshake();
//   co_await s.write_all("GET / HTTP/1.1\r\nHost: example.org\r\nConnection: close\r\n\r\n");
//   std::array<std::byte, 16384> buf;
//   for (;;) {
//     std::size_t n = co_await s.read_some(buf);  // 0: the peer's close_notify
//     if (n == 0) break;
//   }
//
// OpenSSL never touches the socket: ciphertext goes through the stream's own operations (on
// io_uring, a receive into a buffer the scheduler lends, which OpenSSL reads from directly), so
// TLS runs on every backend, and cancellation and timeouts (with_timeout) work on every await as
// on plain streams, the handshake included.
//
// One read and one write may be in flight at once (from different coroutines), as on streams;
// the handshake must have finished first. Errors are std::system_error with a tls::errc (see
// error.hpp) or the socket's errno, naming the operation and the peer:
//   "handshake 127.0.0.1:8443: certificate verify failed: self-signed certificate".
// A stream that ends without the peer's close_notify fails the read with errc::truncated: a body
// cut short by an attacker never looks complete.
//
// Cancel safety: read_some and receive are safe (nothing read is lost); handshake, write_all and
// shutdown are not (the TLS session is then unusable: close it).
#pragma once

#include <cstddef>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "coronet/stream.hpp"
#include "coronet/task.hpp"
#include "coronet/tls/certificate.hpp"
#include "coronet/tls/context.hpp"

namespace coronet::tls {

namespace detail {
class session;
}

class stream {
 public:
  stream() noexcept;
  // The client's side over `next`. `server_name` is sent as SNI (unless an IP address) and, when
  // `ctx` verifies, is what the certificate must name (a DNS name or an IP address).
  static stream client(coronet::stream next, const context& ctx, std::string server_name);
  // The server's side over an accepted `next`.
  static stream server(coronet::stream next, const context& ctx);

  stream(stream&&) noexcept;
  stream& operator=(stream&&) noexcept;
  ~stream();

  // The TLS handshake. Throws std::system_error (tls::errc or errno) naming the peer.
  task<> handshake();

  // Up to buf.size() decrypted bytes; 0 once the peer sent close_notify.
  task<std::size_t> read_some(std::span<std::byte> buf);
  task<std::size_t> read_some(std::span<char> buf) {
    return read_some(std::as_writable_bytes(buf));
  }
  // Whatever decrypted bytes come next (up to 16 KiB), as a view valid until the next read
  // (receive, read_some, read_exact); empty once the peer sent close_notify. The block under the
  // view is taken from a per-thread free list once a record is there to decrypt and goes back at
  // the next read, and OpenSSL's record buffers are freed while the stream waits
  // (SSL_MODE_RELEASE_BUFFERS, SSL_free_buffers): a stream waiting here holds no read buffer (on
  // servers, whose ciphertext comes in lent buffers too). Cancel safe, as read_some.
  task<std::span<const std::byte>> receive();
  // Exactly buf.size() bytes, or std::system_error(coronet::error::end_of_stream).
  task<> read_exact(std::span<std::byte> buf);
  task<> write_all(std::span<const std::byte> buf);
  task<> write_all(std::string_view s) { return write_all(std::as_bytes(std::span(s))); }

  // Sends close_notify and half-closes the socket; reading goes on until the peer's close_notify.
  task<> shutdown();
  // Closes the socket at once (no close_notify); pending operations end with operation_canceled.
  void close() noexcept;
  bool is_open() const noexcept;

  // After the handshake: what was negotiated.
  std::string_view alpn() const noexcept;     // empty without ALPN
  std::string_view version() const noexcept;  // "TLSv1.3"
  std::string_view cipher() const noexcept;   // "TLS_AES_256_GCM_SHA384"
  std::string_view server_name()
      const noexcept;  // the SNI name (server side: as the client sent it)
  bool session_reused() const noexcept;
  certificate peer_certificate() const;  // empty if the peer sent none

  // Bytes received and not yet read by the application (decrypted, or still in records): a
  // reader would not wait for the socket.
  bool has_buffered_input() const noexcept;

  coronet::stream& next_layer() noexcept;
  const coronet::stream& next_layer() const noexcept;
  const socket_address& remote_address() const noexcept { return next_layer().remote_address(); }

  // OpenSSL's SSL*, for what coronet does not wrap.
  void* native_handle() const noexcept;

 private:
  explicit stream(std::shared_ptr<detail::session> s) noexcept;
  // Shared with the operations in flight: a stream destroyed while a read waits cancels it, and
  // the read's coroutine still has the session to finish in.
  std::shared_ptr<detail::session> s_;
};

}  // namespace coronet::tls
