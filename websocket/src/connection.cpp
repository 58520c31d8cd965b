#include "coronet/websocket/connection.hpp"

#include <stdexcept>

#include "state.hpp"

namespace coronet::websocket {
namespace {

detail::state& checked(const std::shared_ptr<detail::state>& s) {
  if (!s) throw std::logic_error("websocket: use of an empty connection");
  return *s;
}

const http::request empty_request{};
const http::response empty_response{};
const socket_address no_address{};

}  // namespace

connection::connection() noexcept = default;
connection::connection(std::shared_ptr<detail::state> s) noexcept : s_(std::move(s)) {}
connection::connection(connection&&) noexcept = default;
connection& connection::operator=(connection&& o) noexcept {
  if (this != &o) {
    if (s_) s_->abort();
    s_ = std::move(o.s_);
  }
  return *this;
}
connection::~connection() {
  if (s_) s_->abort();
}

task<std::optional<message>> connection::receive() {
  return checked(s_).receive();
}
task<std::optional<fragment>> connection::receive_fragment() {
  return checked(s_).receive_fragment();
}

task<> connection::send(const message& m) {
  return checked(s_).send_message(m.is_text() ? detail::opcode::text : detail::opcode::binary,
                                  std::as_bytes(std::span(m.data)));
}
task<> connection::send_text(std::string_view text) {
  return checked(s_).send_message(detail::opcode::text, std::as_bytes(std::span(text)));
}
task<> connection::send_binary(std::span<const std::byte> bytes) {
  return checked(s_).send_message(detail::opcode::binary, bytes);
}
task<> connection::send_fragment(message_type type, std::span<const std::byte> bytes, bool last) {
  return checked(s_).send_fragment(type, bytes, last);
}
task<> connection::ping(std::span<const std::byte> payload) {
  return checked(s_).send_control(detail::opcode::ping, payload);
}
task<> connection::pong(std::span<const std::byte> payload) {
  return checked(s_).send_control(detail::opcode::pong, payload);
}
task<> connection::close(std::uint16_t code, std::string_view reason) {
  return checked(s_).close(code, reason);
}
void connection::abort() noexcept {
  if (s_) s_->abort();
}

bool connection::is_open() const noexcept {
  return s_ && s_->is_open();
}
std::uint16_t connection::close_code() const noexcept {
  return s_ ? s_->peer_code : 0;
}
std::string_view connection::close_reason() const noexcept {
  return s_ ? std::string_view(s_->peer_reason) : std::string_view();
}
std::string_view connection::subprotocol() const noexcept {
  return s_ ? std::string_view(s_->protocol) : std::string_view();
}
bool connection::compressed() const noexcept {
  return s_ && s_->deflate.has_value();
}
bool connection::secure() const noexcept {
  return s_ && s_->sock.secure();
}
bool connection::is_server() const noexcept {
  return s_ && s_->server;
}
const socket_address& connection::remote_address() const noexcept {
  return s_ ? s_->sock.remote_address() : no_address;
}
const http::request& connection::request() const noexcept {
  return s_ ? s_->request : empty_request;
}
const http::response& connection::handshake_response() const noexcept {
  return s_ ? s_->response : empty_response;
}

}  // namespace coronet::websocket
