// WebSocket errors: std::system_error with a coronet::websocket::errc code (or the socket's errno,
// or a tls::errc under wss://), and a message naming the operation, the peer and the cause:
//   "receive 127.0.0.1:8080: protocol error: unmasked frame from a client"
//   "connect ws://127.0.0.1:8080/chat: handshake failed: the server answered 404 Not Found"
// A peer that breaks the protocol gets the close frame the RFC asks for (close_code_of) before
// its connection is closed.
#pragma once

#include <cstdint>
#include <system_error>

namespace coronet::websocket {

enum class errc {
  protocol_error = 1,  // a frame RFC 6455 forbids (1002)
  invalid_payload,     // a text message that is not UTF-8, bad compressed data, a bad close (1007)
  message_too_big,     // past options::max_message_size, compressed or not (1009)
  closed,              // the connection is closed: no more sending
  closed_abnormally,   // the peer went away without a close frame (1006)
  handshake_failed,    // the HTTP upgrade was refused or its answer is not a WebSocket one
  send_queue_full,     // options::max_buffered_bytes waiting to be sent: the peer does not read
  going_away,          // the server is shutting down (1001)
};

const std::error_category& category() noexcept;
inline std::error_code make_error_code(errc e) noexcept {
  return {static_cast<int>(e), category()};
}

// RFC 6455 7.4.1 status codes.
namespace close_code {
inline constexpr std::uint16_t normal = 1000;
inline constexpr std::uint16_t going_away = 1001;
inline constexpr std::uint16_t protocol_error = 1002;
inline constexpr std::uint16_t unsupported_data = 1003;
inline constexpr std::uint16_t no_status = 1005;  // received without a code (never sent)
inline constexpr std::uint16_t abnormal = 1006;   // closed without a close frame (never sent)
inline constexpr std::uint16_t invalid_payload = 1007;
inline constexpr std::uint16_t policy_violation = 1008;
inline constexpr std::uint16_t message_too_big = 1009;
inline constexpr std::uint16_t mandatory_extension = 1010;
inline constexpr std::uint16_t internal_error = 1011;
}  // namespace close_code

// The code a close frame carries for an error of ours (1002, 1007, 1009, 1001; 1011 otherwise).
std::uint16_t close_code_of(errc e) noexcept;

}  // namespace coronet::websocket

template <>
struct std::is_error_code_enum<coronet::websocket::errc> : std::true_type {};
