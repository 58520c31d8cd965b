#include "transport.hpp"

#include <cerrno>
#include <stdexcept>

#include "coronet/detail/native.hpp"

namespace coronet::http::detail {

stream& transport::socket() noexcept {
#ifdef CORONET_HAS_TLS
  if (secure_) return tls_.next_layer();
#endif
  return plain_;
}

const stream& transport::socket() const noexcept {
#ifdef CORONET_HAS_TLS
  if (secure_) return tls_.next_layer();
#endif
  return plain_;
}

int transport::peek() const noexcept {
#ifdef CORONET_HAS_TLS
  if (secure_ && tls_.has_buffered_input()) return 1;
#endif
  return coronet::detail::peek_socket(socket().native_handle());
}

void transport::close() noexcept {
#ifdef CORONET_HAS_TLS
  if (secure_) return tls_.close();
#endif
  plain_.close();
}

#ifdef CORONET_HAS_TLS
task<> transport::handshake() {
  return tls_.handshake();
}
task<std::size_t> transport::secure_read(std::span<std::byte> buf) {
  return tls_.read_some(buf);
}
task<std::span<const std::byte>> transport::secure_receive() {
  return tls_.receive();
}
task<> transport::secure_write(std::string_view data) {
  return tls_.write_all(data);
}
task<> transport::secure_shutdown() {
  return tls_.shutdown();
}
#else
namespace {
[[noreturn]] void no_tls() {
  throw std::logic_error("http: TLS is not built in (CORONET_TLS=OFF)");
}
}  // namespace
task<> transport::handshake() {
  no_tls();
}
task<std::size_t> transport::secure_read(std::span<std::byte>) {
  no_tls();
}
task<std::span<const std::byte>> transport::secure_receive() {
  no_tls();
}
task<> transport::secure_write(std::string_view) {
  no_tls();
}
task<> transport::secure_shutdown() {
  no_tls();
}
#endif

}  // namespace coronet::http::detail
