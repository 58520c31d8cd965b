// One client connection after its handshake: messages out as masked frames (RFC 6455 section 5.3,
// a fresh key per frame), and the server's frames in, each whole message checked against the one
// expected, inflated first when it came compressed (permessage-deflate, RSV1).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "handshake.hpp"

typedef struct z_stream_s z_stream;

namespace wsload {

class connection {
 public:
  enum class io { done, blocked, failed };

  explicit connection(opened o);
  connection(const connection&) = delete;
  connection& operator=(const connection&) = delete;
  ~connection();

  int fd() const { return fd_; }
  bool alive() const { return fd_ >= 0; }
  const deflate_terms& deflate() const { return deflate_; }
  const std::string& error() const { return error_; }

  // Sends `payload` as one text message (`compressed`: it is a permessage-deflate body, RSV1 set);
  // `blocked` when the socket took only part of it, and flush() sends the rest when writable.
  io send_message(std::span<const unsigned char> payload, bool compressed);
  io flush();

  // Reads what has arrived and checks every whole message in it against `expected`. Returns the
  // number of whole messages (usually 0 or 1), or -1 when the connection failed (a mismatch, a
  // protocol error, the server closing); error() says why.
  int receive(std::span<const unsigned char> expected);
  // Whether the last whole message came compressed.
  bool last_compressed() const { return last_compressed_; }

  // Closes the socket (no closing handshake: the run is over or the connection failed).
  void close();

 private:
  int parse(std::span<const unsigned char> expected);
  bool check(const unsigned char* data, std::size_t n, std::span<const unsigned char> expected);
  bool inflate_piece(const unsigned char* data, std::size_t n,
                     std::span<const unsigned char> expected);
  int fail(std::string why);

  int fd_ = -1;
  deflate_terms deflate_;
  std::uint32_t mask_state_;

  std::vector<unsigned char> tx_;
  std::size_t tx_sent_ = 0;

  std::vector<unsigned char> rx_;
  std::size_t rx_begin_ = 0;
  std::size_t rx_end_ = 0;

  bool in_message_ = false;
  bool compressed_ = false;  // the message being read
  bool last_compressed_ = false;
  std::size_t message_bytes_ = 0;  // of it, checked so far (inflated)
  z_stream* inflater_ = nullptr;   // made at the first compressed message
  std::vector<unsigned char> inflated_;

  std::string error_;
};

}  // namespace wsload
