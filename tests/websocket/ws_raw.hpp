// WebSocket spoken by hand, for the protocol tests: frames built byte by byte (masked or not,
// any bits, any length field), frames parsed out of what a peer sent, and a blocking raw
// client on tests/http's raw_client that does the handshake and then sends exactly the bytes a
// test crafts, so that what a coronet server answers can be checked to the byte.
//
//   coronet::http_test::server_thread srv(coronet::websocket::accept(coronet::ws_test::echo));
//   coronet::ws_test::raw_ws c(srv.port());
//   c.send(coronet::ws_test::frame(0x81, "hi"));          // FIN + text, masked
//   coronet::ws_test::raw_frame f = c.read_frame();        // f.op == 1, f.payload == "hi"
//
// expect_violation() is the bad-input test in one call: after the handshake the bytes go out,
// the server must answer with a close frame carrying the code and then close the connection;
// a good client is still served afterwards and no descriptor is left open.
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <thread>

#include "http_test_support.hpp"  // tests/http: server_thread, raw_client
#include "ws_test_support.hpp"

namespace coronet::ws_test {

using http_test::io_timeout;

// A frame as a peer sent it (payload unmasked).
struct raw_frame {
  bool fin = false;
  std::uint8_t rsv = 0;  // RSV1..3 as bits 0x4, 0x2, 0x1
  std::uint8_t op = 0;
  bool masked = false;
  std::string payload;

  // A close frame's code (0 without one) and reason.
  std::uint16_t close_code() const;
  std::string close_reason() const;
};

// A frame: `b0` is the first byte as sent (FIN, RSV1-3, opcode: 0x81 is a final text frame),
// masked with a fixed key unless `masked` is false. `length` overrides the length field (a lie
// about the payload, or the 64-bit form's top bit).
std::string frame(std::uint8_t b0, std::string_view payload, bool masked = true,
                  std::optional<std::uint64_t> length = std::nullopt);
// A close frame's payload: the code in network order, then the reason.
std::string close_payload(std::uint16_t code, std::string_view reason = {});
// Parses one frame off the front of `buffer` (removing it); nullopt while it is incomplete.
std::optional<raw_frame> parse_frame(std::string& buffer);
std::optional<raw_frame> parse_frame(std::string_view& buffer);

// The handshake's fixed key (RFC 6455 1.3's example) and its accept value.
inline constexpr std::string_view sample_key = "dGhlIHNhbXBsZSBub25jZQ==";
inline constexpr std::string_view sample_accept = "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=";
// An upgrade request for `path`; `extra`: more header lines, each ending in CRLF.
std::string upgrade_request(std::string_view path = "/", std::string_view extra = {});

class raw_ws {
 public:
  // Connects to 127.0.0.1:port and completes the handshake (checking the 101 and its accept
  // key); `extra` header lines go with the request.
  explicit raw_ws(std::uint16_t port, std::string_view extra = {});

  void send(std::string_view bytes) { c_.send(bytes); }
  // The next frame, within `timeout`; throws when the connection ends first.
  raw_frame read_frame(std::chrono::milliseconds timeout = io_timeout);
  // The next `n` frames must all be `op` with `payload` (a flood's answers, read in bulk).
  void expect_frames(std::size_t n, std::uint8_t op, std::string_view payload);
  // The next frame must be a close with `code` (and, when given, `reason`); then the server
  // must close the connection (nothing else may arrive).
  void expect_close(std::uint16_t code, std::optional<std::string_view> reason = std::nullopt);
  // Waits for the end of the connection; false if it is still open after `timeout`.
  bool closed_within(std::chrono::milliseconds timeout = io_timeout);
  // A message sent and its echo checked (the server runs ws_test::echo).
  void echo_round_trip(std::string_view text);
  // The close handshake from this side: close 1000, the server's answer, its TCP close.
  void close_normally();

  const http_test::raw_response& handshake() const noexcept { return handshake_; }
  http_test::raw_client& socket() noexcept { return c_; }

 private:
  http_test::raw_client c_;
  http_test::raw_response handshake_;
};

// The bad-input test: a server running `handler` (ws_test::echo by default) with options `o`
// gets `bytes` after a good handshake and must answer with close `code`, then EOF; then a good
// client still gets its echo, and the process is back to the descriptors it had before.
void expect_violation(std::string_view bytes, std::uint16_t code, websocket::server_options o = {});
// The same with a bad peer of the test's own (`extra`: its handshake's header lines), which
// checks the server's answer itself.
void expect_violation_with(std::string_view extra, const std::function<void(raw_ws&)>& bad_peer,
                           websocket::server_options o = {});

// Polls `pred` until it holds or `limit` passes (for state only another thread changes, such as
// the server closing a descriptor after its peer left).
template <class Pred>
bool eventually(Pred pred, std::chrono::milliseconds limit = io_timeout) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < deadline) {
    if (pred()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  return pred();
}

}  // namespace coronet::ws_test
