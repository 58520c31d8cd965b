// transport: what an HTTP connection reads and writes, a plain stream or a TLS stream over one.
// The server's and client's connections take either through this one type, so keep-alive,
// limits and timeouts are written once (docs/architecture.md). Plain streams keep their own
// awaiters (no extra coroutine frame per read or write): callers branch on secure().
#pragma once

#include <cstddef>
#include <span>
#include <string_view>
#include <utility>

#include "coronet/stream.hpp"
#include "coronet/task.hpp"
#ifdef CORONET_HAS_TLS
#include "coronet/tls/stream.hpp"
#endif

namespace coronet::http::detail {

class transport {
 public:
  transport() noexcept = default;
  explicit transport(stream s) noexcept : plain_(std::move(s)) {}
#ifdef CORONET_HAS_TLS
  explicit transport(tls::stream s) noexcept : tls_(std::move(s)), secure_(true) {}
#endif

  bool secure() const noexcept {
    return secure_;
  }
  // The socket: the stream itself, or the one under TLS.
  stream& socket() noexcept;
  const stream& socket() const noexcept;

  // TLS only (secure()); without TLS support they are never called.
  task<> handshake();
  task<std::size_t> secure_read(std::span<std::byte> buf);
  // tls::stream::receive(): a view of decrypted bytes, valid until the next read.
  task<std::span<const std::byte>> secure_receive();
  task<> secure_write(std::string_view data);
  // close_notify, then the socket's half-close.
  task<> secure_shutdown();

  // Bytes that arrived and were not read yet (in the socket, or decrypted and waiting): a peek,
  // never consuming. For the server's lingering close and the client pool's idle check.
  int peek() const noexcept;
  void close() noexcept;

 private:
  stream plain_;
#ifdef CORONET_HAS_TLS
  tls::stream tls_;
#endif
  bool secure_ = false;
};

}  // namespace coronet::http::detail
