// RFC 6455 5.2 frames: the header read incrementally (its bytes may arrive in pieces), the header
// written, and the payload masked and unmasked. No I/O: the connection's reader and writer
// (reader.cpp, writer.cpp) and tests/fuzz/websocket_fuzz drive it.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

namespace coronet::websocket::detail {

enum class opcode : std::uint8_t {
  continuation = 0x0,
  text = 0x1,
  binary = 0x2,
  close = 0x8,
  ping = 0x9,
  pong = 0xa,
};

inline bool is_control(opcode op) noexcept {
  return (static_cast<std::uint8_t>(op) & 0x8) != 0;
}

struct frame_header {
  bool fin = false;
  bool rsv1 = false;  // permessage-deflate: the message is compressed
  bool rsv2 = false;
  bool rsv3 = false;
  std::uint8_t op = 0;  // any of 16: unknown ones are the reader's to refuse
  bool masked = false;
  std::uint64_t length = 0;
  std::array<std::byte, 4> mask{};
};

// Reads one header out of bytes that may come a few at a time.
class header_reader {
 public:
  // Takes header bytes from the front of `in` (removing them); true once the header is complete
  // (then header() is it, and the next call starts a new one). Fails (returns true with
  // error() set) on a 64-bit length with its top bit set (RFC 6455 5.2).
  bool read(std::span<const std::byte>& in) noexcept;
  const frame_header& header() const noexcept { return h_; }
  const char* error() const noexcept { return error_; }

 private:
  bool parse(const std::byte* p, std::size_t n) noexcept;
  std::array<std::byte, 14> buf_{};
  std::size_t have_ = 0;
  frame_header h_;
  const char* error_ = nullptr;
};

// The header's size for a payload of `length` bytes, masked or not (2 to 14 bytes).
std::size_t header_size(std::uint64_t length, bool masked) noexcept;
// Writes a header into `out` (header_size() bytes); `mask` null: unmasked.
std::size_t write_header(std::byte* out, bool fin, opcode op, bool rsv1, std::uint64_t length,
                         const std::byte* mask) noexcept;

// XORs `n` bytes of `src` with the mask into `dst` (which may be `src`), the mask's position
// being `offset` bytes into the payload; returns the new offset (mod 4).
std::size_t mask_copy(std::byte* dst, const std::byte* src, std::size_t n,
                      const std::array<std::byte, 4>& mask, std::size_t offset) noexcept;

}  // namespace coronet::websocket::detail
