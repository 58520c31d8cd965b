#include "coronet/tls/stream.hpp"

#include <openssl/ssl.h>

#include "coronet/error.hpp"
#include "session.hpp"

namespace coronet::tls {

stream::stream() noexcept = default;
stream::stream(std::shared_ptr<detail::session> s) noexcept : s_(std::move(s)) {}
stream::stream(stream&&) noexcept = default;
stream& stream::operator=(stream&& o) noexcept {
  if (this != &o) {
    close();
    s_ = std::move(o.s_);
  }
  return *this;
}

// Operations still in flight hold the session; closing the socket ends them (operation_canceled)
// and the last of them frees it.
stream::~stream() {
  close();
}

stream stream::client(coronet::stream next, const context& ctx, std::string server_name) {
  return stream(
      std::make_shared<detail::session>(std::move(next), ctx, true, std::move(server_name)));
}

stream stream::server(coronet::stream next, const context& ctx) {
  return stream(std::make_shared<detail::session>(std::move(next), ctx, false, std::string()));
}

task<> stream::handshake() {
  return s_->handshake();
}

task<std::size_t> stream::read_some(std::span<std::byte> buf) {
  return s_->read_some(buf);
}

task<std::span<const std::byte>> stream::receive() {
  return s_->receive();
}

task<> stream::read_exact(std::span<std::byte> buf) {
  auto keep = s_;
  while (!buf.empty()) {
    const std::size_t n = co_await keep->read_some(buf);
    if (n == 0)
      throw_error(make_error_code(coronet::error::end_of_stream), keep->context_of("read"));
    buf = buf.subspan(n);
  }
}

task<> stream::write_all(std::span<const std::byte> buf) {
  return s_->write_all(buf);
}

task<> stream::shutdown() {
  return s_->shutdown();
}

void stream::close() noexcept {
  if (s_) s_->next.close();
}

bool stream::is_open() const noexcept {
  return s_ && s_->next.is_open();
}

std::string_view stream::alpn() const noexcept {
  return s_->alpn;
}
std::string_view stream::version() const noexcept {
  return s_->version;
}
std::string_view stream::cipher() const noexcept {
  return s_->cipher;
}
std::string_view stream::server_name() const noexcept {
  return s_->server_name;
}
bool stream::session_reused() const noexcept {
  return SSL_session_reused(s_->ssl) == 1;
}

certificate stream::peer_certificate() const {
  return certificate::adopt(SSL_get1_peer_certificate(s_->ssl));
}

bool stream::has_buffered_input() const noexcept {
  return s_->has_buffered_input();
}

coronet::stream& stream::next_layer() noexcept {
  return s_->next;
}
const coronet::stream& stream::next_layer() const noexcept {
  return s_->next;
}

void* stream::native_handle() const noexcept {
  return s_->ssl;
}

}  // namespace coronet::tls
