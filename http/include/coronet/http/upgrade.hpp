// upgraded: a connection taken over from HTTP after "101 Switching Protocols" (RFC 9110 7.8),
// for another protocol to speak on: what Node's 'upgrade' event hands over (the socket, and
// the bytes that came behind the request's head).
//
// Server: a handler answers an upgrade request with a 101 response whose `upgrade` is set; the
// server sends the head, then runs `upgrade` with the connection:
//
//   coronet::http::response r(101);
//   r.headers.add("Upgrade", "example/1");
//   r.upgrade = [](coronet::http::upgraded c) -> coronet::task<> {
//     for (;;) {
//       std::span<const std::byte> bytes = co_await c.receive();  // empty: the peer closed
//       if (bytes.empty()) break;
//       co_await c.write_all(bytes);
//     }
//   };
//   co_return r;
//
// Client: client::upgrade() sends the request on a connection of its own and gives the
// connection back with a 101 (coronet::websocket is built on both).
#pragma once

#include <cstddef>
#include <span>
#include <stop_token>
#include <string>
#include <string_view>

#include "coronet/http/detail/transport.hpp"
#include "coronet/received.hpp"
#include "coronet/socket_address.hpp"
#include "coronet/task.hpp"

namespace coronet::http {

class upgraded {
 public:
  upgraded() noexcept = default;
  // `leftover`: bytes read past the HTTP head, which receive() gives first.
  upgraded(detail::transport t, received leftover, std::string leftover_copy,
           std::stop_token closing) noexcept;
  upgraded(upgraded&&) noexcept = default;
  upgraded& operator=(upgraded&&) noexcept = default;
  ~upgraded() = default;

  // TLS (https://, wss://) underneath.
  bool secure() const noexcept { return t_.secure(); }
  bool is_open() const noexcept { return t_.socket().is_open(); }
  const socket_address& remote_address() const noexcept { return t_.socket().remote_address(); }
  // The socket (under TLS when secure()), for its options.
  stream& socket() noexcept { return t_.socket(); }

  // The next bytes from the peer: first those that came behind the HTTP head, then whatever
  // arrives. A view valid until the next receive() or release(); empty at the end of the stream
  // (over TLS: the peer's close_notify; a cut without it throws tls::errc::truncated). A plain
  // socket reads into buffers the scheduler lends (stream::receive), and so does TLS for its
  // records: a connection waiting here holds no read buffer. Cancel safe.
  task<std::span<const std::byte>> receive();
  // Gives back what receive() lent, before waiting for something else.
  void release() noexcept;

  task<> write_all(std::span<const std::byte> bytes);
  task<> write_all(std::string_view s) { return write_all(std::as_bytes(std::span(s))); }
  // No more writes: over TLS close_notify, then the socket's half-close.
  task<> shutdown();
  // Closes at once; pending operations end with operation_canceled.
  void close() noexcept { t_.close(); }

  // Server side: requested once the HTTP server closes gracefully (server::close()), so that a
  // protocol with a goodbye of its own (WebSocket's close 1001) can say it. Never requested on
  // the client side.
  std::stop_token closing_token() const noexcept { return closing_; }

  // The transport itself (a plain stream or a TLS one), for protocols that branch on it.
  detail::transport& transport() noexcept { return t_; }

 private:
  detail::transport t_;
  received chunk_;           // lent: the leftover first, then each receive()
  std::string copy_;         // a leftover the server had in a buffer of its own (TLS)
  std::size_t copy_at_ = 0;  // copy_ handed out up to here
  bool leftover_ = false;    // chunk_ holds the leftover, not handed out yet
  std::stop_token closing_;
};

}  // namespace coronet::http
