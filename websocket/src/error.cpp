#include "coronet/websocket/error.hpp"

#include <string>

namespace coronet::websocket {
namespace {

class websocket_category final : public std::error_category {
 public:
  const char* name() const noexcept override { return "coronet.websocket"; }
  std::string message(int c) const override {
    switch (static_cast<errc>(c)) {
      case errc::protocol_error:
        return "protocol error";
      case errc::invalid_payload:
        return "invalid payload";
      case errc::message_too_big:
        return "message too big";
      case errc::closed:
        return "the WebSocket connection is closed";
      case errc::closed_abnormally:
        return "connection closed without a close frame";
      case errc::handshake_failed:
        return "handshake failed";
      case errc::send_queue_full:
        return "send queue full (the peer does not read)";
      case errc::going_away:
        return "going away";
    }
    return "unknown WebSocket error";
  }
};

}  // namespace

const std::error_category& category() noexcept {
  static const websocket_category c;
  return c;
}

std::uint16_t close_code_of(errc e) noexcept {
  switch (e) {
    case errc::protocol_error:
      return close_code::protocol_error;
    case errc::invalid_payload:
      return close_code::invalid_payload;
    case errc::message_too_big:
      return close_code::message_too_big;
    case errc::going_away:
      return close_code::going_away;
    case errc::send_queue_full:
      return close_code::policy_violation;
    default:
      return close_code::internal_error;
  }
}

}  // namespace coronet::websocket
