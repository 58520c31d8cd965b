// websocket::connection: one WebSocket (RFC 6455), on either side, over a plain or TLS socket.
//
//   for (;;) {
//     std::optional<coronet::websocket::message> m = co_await ws.receive();
//     if (!m) break;                  // the peer closed (ws.close_code() says how)
//     co_await ws.send(*m);           // echo, text as text and binary as binary
//   }
//
// receive() gives whole messages (fragments joined, permessage-deflate undone, text checked to
// be UTF-8); receive_fragment() and send_fragment() stream large ones piece by piece. Pings are
// answered as they arrive, and a close frame from the peer is answered with the close handshake.
// A peer that breaks the protocol gets the close code RFC 6455 asks for (1002 protocol error,
// 1007 bad UTF-8 or compressed data, 1009 too big) and its connection is closed; receive() then
// throws std::system_error with a websocket::errc (error.hpp) naming the peer.
//
// One receive and one send may be in flight at once, from different coroutines (a reader and a
// writer); sends from several coroutines are queued and go out whole, one after the other, and
// control frames (pings, pongs, close) go between the frames of a fragmented message. Every await
// is cancellable (coronet::with_timeout, a stop token). receive() is cancel safe: what arrived is
// kept for the next call. A send cancelled half way has left half a frame: the connection is
// then closed.
//
// Memory: a connection waiting in receive() holds no read buffer (bytes arrive in buffers the
// scheduler lends, and are copied out as frames are parsed). A message being received is held
// whole (up to max_message_size); with permessage-deflate, zlib's state (about 40 KiB to
// inflate, 256 KiB to deflate with 15-bit windows) is made on first use and kept with context
// takeover.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "coronet/http/message.hpp"
#include "coronet/http/upgrade.hpp"
#include "coronet/socket_address.hpp"
#include "coronet/task.hpp"
#include "coronet/websocket/error.hpp"

namespace coronet::websocket {

enum class message_type : std::uint8_t { text = 1, binary = 2 };

struct message {
  message_type type = message_type::text;
  std::string data;

  bool is_text() const noexcept { return type == message_type::text; }
  bool is_binary() const noexcept { return type == message_type::binary; }
};

// A piece of a message (receive_fragment): a view valid until the next receive.
struct fragment {
  message_type type = message_type::text;
  std::string_view data;
  bool first = false;  // the message's first piece
  bool last = false;   // its last
};

// RFC 7692 permessage-deflate. A client offers it; a server accepts an offer.
struct deflate_options {
  bool enabled = true;
  // Start each message with an empty window: less memory between messages, worse compression.
  bool server_no_context_takeover = false;
  bool client_no_context_takeover = false;
  // LZ77 window (8-15; zlib deflates with at least 9, so 8 is taken as 9).
  int server_max_window_bits = 15;
  int client_max_window_bits = 15;
  int level = 6;      // zlib's compression level (1 fast ... 9 small)
  int mem_level = 8;  // zlib's memLevel (1-9): deflate's memory
  // Messages shorter than this go out uncompressed (Node's ws: 1024).
  std::size_t threshold = 1024;
};

// Both sides' settings (server_options and client_options add their own).
struct options {
  // A whole message, after decompression; larger: closed with 1009. Node's ws allows 100 MiB;
  // 64 MiB bounds what one connection can make a server hold.
  std::size_t max_message_size = 64 * 1024 * 1024;
  deflate_options deflate;
  // Keep-alive: after this long with nothing from the peer, receive() sends a ping; after as long
  // again with nothing, the connection is closed (std::errc::timed_out). Zero: off.
  std::chrono::milliseconds ping_interval{0};
  // How long close() (and a graceful server close) waits for the peer's close frame.
  std::chrono::milliseconds close_timeout{5'000};
  // Bytes of sends waiting behind the one being written (a broadcast to a peer that does not
  // read): past it the connection is closed and the sends fail with errc::send_queue_full.
  std::size_t max_buffered_bytes = 16 * 1024 * 1024;
  // How long one frame may take to go out (a peer that stopped reading); zero: no limit.
  std::chrono::milliseconds send_timeout{0};
};

namespace detail {
class state;
}

class connection {
 public:
  connection() noexcept;
  connection(connection&&) noexcept;
  connection& operator=(connection&&) noexcept;
  // Closes the socket (no close handshake: call close() for that).
  ~connection();

  // The next whole message; nullopt once the close handshake is done (close_code(),
  // close_reason()). Throws std::system_error (websocket::errc, errno, tls::errc) when the peer
  // broke the protocol or the connection failed.
  task<std::optional<message>> receive();
  // The next piece of a message as it arrives (any size, never joined): for messages too large
  // to hold, so max_message_size does not apply (a piece is what one received buffer holds, or
  // inflates to). A text message's pieces are checked for UTF-8 as they come. nullopt at the
  // close. Do not mix with receive() within one message.
  task<std::optional<fragment>> receive_fragment();

  task<> send(const message& m);
  task<> send_text(std::string_view text);
  task<> send_binary(std::span<const std::byte> bytes);
  task<> send_binary(std::string_view bytes) {
    return send_binary(std::as_bytes(std::span(bytes)));
  }
  // One piece of a message sent in fragments: `type` is the message's (taken from its first
  // piece), `last` ends it. Other sends wait until the message is finished; pings and pongs don't.
  task<> send_fragment(message_type type, std::span<const std::byte> bytes, bool last);

  // Control frames: at most 125 bytes of payload.
  task<> ping(std::span<const std::byte> payload);
  task<> ping(std::string_view payload = {}) { return ping(std::as_bytes(std::span(payload))); }
  task<> pong(std::span<const std::byte> payload);

  // The close handshake: sends a close frame (`code`, `reason` up to 123 bytes), waits up to
  // options::close_timeout for the peer's, and closes the socket. Messages still arriving are
  // dropped (unless another coroutine is in receive(): it gets them). Never throws for the
  // peer's failures: the socket is closed in any case.
  task<> close(std::uint16_t code = close_code::normal, std::string_view reason = {});
  // Closes the socket now, without the handshake (the peer sees 1006).
  void abort() noexcept;

  bool is_open() const noexcept;
  // The peer's close frame: its code (close_code::no_status without one; abnormal when the
  // connection ended without a close frame) and reason. 0 while open.
  std::uint16_t close_code() const noexcept;
  std::string_view close_reason() const noexcept;

  // What the handshake settled: the subprotocol (empty: none), and whether permessage-deflate
  // is in use.
  std::string_view subprotocol() const noexcept;
  bool compressed() const noexcept;
  bool secure() const noexcept;
  bool is_server() const noexcept;
  const socket_address& remote_address() const noexcept;
  // Server: the upgrade request (headers, cookies, target). Client: the server's 101 answer in
  // handshake_response().
  const http::request& request() const noexcept;
  const http::response& handshake_response() const noexcept;

  // The connection's state, which its operations in flight share: a connection destroyed
  // under a pending receive() cancels it, and the receive still has the state to end in.
  explicit connection(std::shared_ptr<detail::state> s) noexcept;
  detail::state* state() const noexcept { return s_.get(); }

 private:
  std::shared_ptr<detail::state> s_;
};

}  // namespace coronet::websocket
