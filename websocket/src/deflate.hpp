// permessage-deflate (RFC 7692) on zlib: the offer and answer, and the per-connection codecs.
#pragma once

#include <cstddef>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace coronet::websocket::detail {

struct deflate_options {
  bool enabled = true;
  bool server_no_context_takeover = false;
  bool client_no_context_takeover = false;
  int server_max_window_bits = 15;
  int client_max_window_bits = 15;
  int level = 6;
  int mem_level = 8;
  // Messages shorter than this are sent uncompressed (ws's default).
  std::size_t threshold = 1024;
};

// What was agreed for a connection.
struct deflate_params {
  bool server_no_context_takeover = false;
  bool client_no_context_takeover = false;
  int server_max_window_bits = 15;
  int client_max_window_bits = 15;
};

// The Sec-WebSocket-Extensions value a client offers.
std::string client_offer(const deflate_options& ours);
// Server: the first acceptable permessage-deflate offer in a client's Sec-WebSocket-Extensions
// value, and the value to answer with in `response_value`; nullopt when none is acceptable.
std::optional<deflate_params> accept_offer(std::string_view header_value,
                                           const deflate_options& ours,
                                           std::string& response_value);
// Client: the server's answer; nullopt when it is invalid (the client must fail the connection).
std::optional<deflate_params> accept_response(std::string_view value, const deflate_options& ours);

class deflater {
 public:
  deflater(const deflate_params& p, bool is_server, int level, int mem_level);
  ~deflater();
  deflater(const deflater&) = delete;
  deflater& operator=(const deflater&) = delete;
  // Compresses the next piece of a message, appending to `out`; with `fin` the piece ends the
  // message (the trailing 00 00 ff ff is stripped, RFC 7692 7.2.1).
  void compress(std::span<const std::byte> in, bool fin, std::string& out);

 private:
  struct impl;
  std::unique_ptr<impl> impl_;  // zlib's stream, made at first use
};

class inflater {
 public:
  enum class result { ok, too_big, corrupt };
  inflater(const deflate_params& p, bool is_server);
  ~inflater();
  inflater(const inflater&) = delete;
  inflater& operator=(const inflater&) = delete;
  // Decompresses the next piece of a compressed message, appending to `out`; `fin` on its last
  // piece. too_big as soon as `out` would pass `limit` bytes.
  result decompress(std::span<const std::byte> in, bool fin, std::size_t limit, std::string& out);

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace coronet::websocket::detail
