// permessage-deflate (RFC 7692) on zlib: the offer and answer, and the per-connection codecs.
//
// Memory: a connection's deflater holds zlib's deflate state, (1 << (window_bits + 2)) +
// (1 << (mem_level + 9)) bytes plus about 6 KiB: 262 KiB at window 15 and mem_level 8. Its
// inflater holds 1 << window_bits bytes plus about 7 KiB: 39 KiB at window 15. Both are made at
// their first message, so an idle connection, or one that only receives, holds none of it.
//
// Window bits: 8 may be agreed (a peer asking for it is answered, not declined), but zlib's raw
// deflate refuses 8, so both codecs run with at least 9. That keeps the promise of 8: zlib's
// deflate never reaches back further than the window less 262 bytes (MAX_DIST in zlib's
// deflate.h), 250 bytes with a 512-byte window, so what it writes inflates with a 256-byte one.
#pragma once

#include <cstddef>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "coronet/websocket/connection.hpp"

namespace coronet::websocket::detail {

// The settings are the public ones (coronet/websocket/connection.hpp).
using deflate_options = coronet::websocket::deflate_options;

// What was agreed for a connection.
struct deflate_params {
  bool server_no_context_takeover = false;
  bool client_no_context_takeover = false;
  int server_max_window_bits = 15;
  int client_max_window_bits = 15;
};

// The Sec-WebSocket-Extensions value a client offers: "permessage-deflate;
// client_max_window_bits" (what browsers and ws send) plus what `ours` asks beyond the defaults;
// empty when !ours.enabled.
std::string client_offer(const deflate_options& ours);
// Server: the first acceptable permessage-deflate offer in a client's Sec-WebSocket-Extensions
// value, and the value to answer with in `response_value`; nullopt (and `response_value`
// emptied) when none is acceptable. An offer with an unknown or repeated parameter or a bad
// value is declined, not fatal (RFC 7692 5); so is everything from a syntax error on.
//   auto p = accept_offer("permessage-deflate; client_max_window_bits", {}, answer);
//   // *p has windows 15, answer == "permessage-deflate"
std::optional<deflate_params> accept_offer(std::string_view header_value,
                                           const deflate_options& ours,
                                           std::string& response_value);
// Client: the server's answer to client_offer(ours); nullopt when it is invalid (the client must
// fail the connection, RFC 7692 5): another or a second extension, an unknown or repeated
// parameter, a bad value, or a window larger than we offered.
std::optional<deflate_params> accept_response(std::string_view value, const deflate_options& ours);

class deflater {
 public:
  // `level` 0..9 and `mem_level` 1..9 as zlib takes them (out of range: clamped).
  deflater(const deflate_params& p, bool is_server, int level, int mem_level);
  ~deflater();
  deflater(const deflater&) = delete;
  deflater& operator=(const deflater&) = delete;
  // Compresses the next piece of a message, appending to `out`; with `fin` the piece ends the
  // message (the trailing 00 00 ff ff is stripped, RFC 7692 7.2.1, and without context takeover
  // on this side the next message starts afresh). Every piece is flushed (Z_SYNC_FLUSH), so a
  // fragment carries all of its input. Throws std::bad_alloc when zlib cannot allocate.
  void compress(std::span<const std::byte> in, bool fin, std::string& out);

 private:
  struct impl;
  std::unique_ptr<impl> impl_;  // zlib's stream, made at first use
  int window_bits_;
  int level_;
  int mem_level_;
  bool no_context_takeover_;
};

class inflater {
 public:
  enum class result { ok, too_big, corrupt };
  inflater(const deflate_params& p, bool is_server);
  ~inflater();
  inflater(const inflater&) = delete;
  inflater& operator=(const inflater&) = delete;
  // Decompresses the next piece of a compressed message, appending to `out`; `fin` on its last
  // piece. too_big as soon as the message's output (all its pieces together) would pass `limit`
  // bytes: it inflates in bounded steps, so a bomb stops there, having appended at most `limit`
  // bytes. corrupt when the data is not deflate. After either, the peer's compression context is
  // lost: the connection must fail (1009 or 1007); the inflater starts afresh if used again.
  // Throws std::bad_alloc when zlib cannot allocate.
  result decompress(std::span<const std::byte> in, bool fin, std::size_t limit, std::string& out);

 private:
  struct impl;
  std::unique_ptr<impl> impl_;  // zlib's stream, made at first use
  int window_bits_;
  bool no_context_takeover_;
  std::size_t message_size_ = 0;  // inflated so far for the message under way
  // A block with BFINAL ended the peer's stream and nothing of this message came after it.
  bool stream_restarted_ = false;
};

}  // namespace coronet::websocket::detail
