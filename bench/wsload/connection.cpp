#include "connection.hpp"

#include <sys/socket.h>
#include <unistd.h>
#include <zlib.h>

#include <cerrno>
#include <cstring>

namespace wsload {
namespace {

constexpr std::size_t initial_rx = 64 * 1024;
constexpr std::uint64_t max_frame = 64u << 20;
constexpr unsigned char deflate_tail[] = {0x00, 0x00, 0xff, 0xff};

std::uint32_t seed_for(int fd) {
  return 0x9e3779b9u ^ (static_cast<std::uint32_t>(fd) * 2246822519u);
}

}  // namespace

connection::connection(opened o)
    : fd_(o.fd),
      deflate_(o.deflate),
      mask_state_(seed_for(o.fd)),
      rx_(initial_rx),
      inflated_(16 * 1024) {
  std::memcpy(rx_.data(), o.leftover.data(), std::min(o.leftover.size(), rx_.size()));
  rx_end_ = std::min(o.leftover.size(), rx_.size());
}

connection::~connection() {
  close();
  if (inflater_ != nullptr) {
    inflateEnd(inflater_);
    delete inflater_;
  }
}

void connection::close() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

int connection::fail(std::string why) {
  error_ = std::move(why);
  return -1;
}

connection::io connection::send_message(std::span<const unsigned char> payload, bool compressed) {
  if (tx_sent_ < tx_.size()) {
    error_ = "a message sent while the previous one is still going out";
    return io::failed;
  }
  const std::size_t n = payload.size();
  tx_.resize(14 + n);
  unsigned char* p = tx_.data();
  std::size_t h = 0;
  p[h++] = static_cast<unsigned char>(0x80 | (compressed ? 0x40 : 0) | 0x1);  // FIN, text
  if (n < 126) {
    p[h++] = static_cast<unsigned char>(0x80 | n);
  } else if (n < 65536) {
    p[h++] = 0x80 | 126;
    p[h++] = static_cast<unsigned char>(n >> 8);
    p[h++] = static_cast<unsigned char>(n);
  } else {
    p[h++] = 0x80 | 127;
    for (int shift = 56; shift >= 0; shift -= 8)
      p[h++] = static_cast<unsigned char>(std::uint64_t{n} >> shift);
  }
  // xorshift32: a different masking key on every frame, as a browser's would be.
  mask_state_ ^= mask_state_ << 13;
  mask_state_ ^= mask_state_ >> 17;
  mask_state_ ^= mask_state_ << 5;
  unsigned char key[4];
  std::memcpy(key, &mask_state_, 4);
  std::memcpy(p + h, key, 4);
  h += 4;
  // Eight bytes at a time: the key repeats every four, so a doubled key covers eight.
  std::uint64_t key8;
  std::memcpy(&key8, key, 4);
  std::memcpy(reinterpret_cast<unsigned char*>(&key8) + 4, key, 4);
  std::size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    std::uint64_t w;
    std::memcpy(&w, payload.data() + i, 8);
    w ^= key8;
    std::memcpy(p + h + i, &w, 8);
  }
  for (; i < n; ++i) p[h + i] = payload[i] ^ key[i % 4];
  tx_.resize(h + n);
  tx_sent_ = 0;
  return flush();
}

connection::io connection::flush() {
  while (tx_sent_ < tx_.size()) {
    ssize_t n = ::send(fd_, tx_.data() + tx_sent_, tx_.size() - tx_sent_, MSG_NOSIGNAL);
    if (n > 0) {
      tx_sent_ += static_cast<std::size_t>(n);
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return io::blocked;
    error_ = n < 0 ? std::string("send: ") + std::strerror(errno) : "send returned 0";
    return io::failed;
  }
  tx_.clear();
  tx_sent_ = 0;
  return io::done;
}

int connection::receive(std::span<const unsigned char> expected) {
  int messages = parse(expected);  // what the handshake's read left over, or a partial frame
  if (messages < 0) return -1;
  for (;;) {
    if (rx_end_ == rx_.size()) {
      if (rx_begin_ > 0) {
        std::memmove(rx_.data(), rx_.data() + rx_begin_, rx_end_ - rx_begin_);
        rx_end_ -= rx_begin_;
        rx_begin_ = 0;
      } else {
        rx_.resize(rx_.size() * 2);
      }
    }
    ssize_t n = ::recv(fd_, rx_.data() + rx_end_, rx_.size() - rx_end_, 0);
    if (n > 0) {
      bool filled = rx_end_ + static_cast<std::size_t>(n) == rx_.size();
      rx_end_ += static_cast<std::size_t>(n);
      int more = parse(expected);
      if (more < 0) return -1;
      messages += more;
      if (!filled) return messages;  // level-triggered epoll reports anything further
      continue;
    }
    if (n == 0) return fail("connection closed by the server");
    if (errno == EINTR) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK) return messages;
    return fail(std::string("recv: ") + std::strerror(errno));
  }
}

// Takes every whole frame out of rx_; returns the number of whole messages, or -1.
int connection::parse(std::span<const unsigned char> expected) {
  int messages = 0;
  for (;;) {
    const std::size_t avail = rx_end_ - rx_begin_;
    const unsigned char* p = rx_.data() + rx_begin_;
    if (avail < 2) break;
    const bool fin = (p[0] & 0x80) != 0;
    const bool rsv1 = (p[0] & 0x40) != 0;
    const unsigned opcode = p[0] & 0x0f;
    std::uint64_t len = p[1] & 0x7f;
    std::size_t header = 2;
    if ((p[1] & 0x80) != 0) return fail("masked frame from the server");
    if ((p[0] & 0x30) != 0) return fail("RSV2 or RSV3 set");
    if (len == 126) {
      if (avail < 4) break;
      len = (std::uint64_t{p[2]} << 8) | p[3];
      header = 4;
    } else if (len == 127) {
      if (avail < 10) break;
      len = 0;
      for (int i = 0; i < 8; ++i) len = (len << 8) | p[2 + i];
      header = 10;
    }
    if (len > max_frame) return fail("frame longer than 64 MiB");
    const std::size_t frame = header + static_cast<std::size_t>(len);
    if (avail < frame) {
      if (frame > rx_.size()) rx_.resize(frame);  // receive() compacts first, then grows
      break;
    }
    const unsigned char* payload = p + header;
    const std::size_t n = static_cast<std::size_t>(len);
    switch (opcode) {
      case 0x8: {
        unsigned code = n >= 2 ? (unsigned{payload[0]} << 8) | payload[1] : 1005;
        return fail("the server closed the connection (code " + std::to_string(code) + ")");
      }
      case 0x9:  // no server here pings; a pong would be owed, but the run does not depend on it
      case 0xa:
        break;
      case 0x1:
      case 0x2:
        if (in_message_) return fail("a new message inside a fragmented one");
        if (rsv1 && !deflate_.on) return fail("RSV1 without permessage-deflate");
        in_message_ = true;
        compressed_ = rsv1;
        message_bytes_ = 0;
        [[fallthrough]];
      case 0x0: {
        if (!in_message_) return fail("a continuation frame outside a message");
        if (opcode == 0 && rsv1) return fail("RSV1 on a continuation frame");
        bool ok = compressed_ ? inflate_piece(payload, n, expected) : check(payload, n, expected);
        if (ok && compressed_ && fin)
          ok = inflate_piece(deflate_tail, sizeof deflate_tail, expected);
        if (!ok) return -1;
        if (fin) {
          if (message_bytes_ != expected.size())
            return fail("a message of " + std::to_string(message_bytes_) + " bytes, expected " +
                        std::to_string(expected.size()));
          in_message_ = false;
          last_compressed_ = compressed_;
          if (compressed_ && deflate_.server_no_context_takeover) inflateReset(inflater_);
          ++messages;
        }
        break;
      }
      default:
        return fail("unknown opcode " + std::to_string(opcode));
    }
    rx_begin_ += frame;
  }
  if (rx_begin_ == rx_end_) rx_begin_ = rx_end_ = 0;
  return messages;
}

bool connection::check(const unsigned char* data, std::size_t n,
                       std::span<const unsigned char> expected) {
  if (n > expected.size() - message_bytes_) {
    fail(expected.empty() ? "a message when none was expected" : "a message longer than expected");
    return false;
  }
  if (std::memcmp(data, expected.data() + message_bytes_, n) != 0) {
    fail("the message differs from the one expected");
    return false;
  }
  message_bytes_ += n;
  return true;
}

bool connection::inflate_piece(const unsigned char* data, std::size_t n,
                               std::span<const unsigned char> expected) {
  if (inflater_ == nullptr) {
    inflater_ = new z_stream{};
    if (inflateInit2(inflater_, -15) != Z_OK) {  // a raw stream, any window up to 32 KiB
      fail("inflateInit2 failed");
      return false;
    }
  }
  inflater_->next_in = const_cast<Bytef*>(data);
  inflater_->avail_in = static_cast<uInt>(n);
  for (;;) {
    inflater_->next_out = inflated_.data();
    inflater_->avail_out = static_cast<uInt>(inflated_.size());
    int rc = inflate(inflater_, Z_SYNC_FLUSH);
    std::size_t produced = inflated_.size() - inflater_->avail_out;
    if (rc != Z_OK && rc != Z_BUF_ERROR) {
      fail(rc == Z_STREAM_END ? "a final deflate block (BFINAL) inside a message"
                              : "corrupt deflate data");
      return false;
    }
    if (produced > 0 && !check(inflated_.data(), produced, expected)) return false;
    if (inflater_->avail_out > 0 && (inflater_->avail_in == 0 || rc == Z_BUF_ERROR)) break;
  }
  if (inflater_->avail_in != 0) {
    fail("deflate data that inflate cannot take");
    return false;
  }
  return true;
}

}  // namespace wsload
