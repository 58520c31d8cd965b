#include "frame.hpp"

#include <algorithm>
#include <cstring>

namespace coronet::websocket::detail {
namespace {

std::size_t needed(const std::byte* p, std::size_t n) noexcept {
  if (n < 2) return 2;
  const auto b1 = std::to_integer<std::uint8_t>(p[1]);
  std::size_t size = 2;
  const std::uint8_t len7 = b1 & 0x7f;
  if (len7 == 126) size += 2;
  if (len7 == 127) size += 8;
  if (b1 & 0x80) size += 4;
  return size;
}

}  // namespace

bool header_reader::parse(const std::byte* p, std::size_t n) noexcept {
  (void)n;
  const auto b0 = std::to_integer<std::uint8_t>(p[0]);
  const auto b1 = std::to_integer<std::uint8_t>(p[1]);
  h_.fin = (b0 & 0x80) != 0;
  h_.rsv1 = (b0 & 0x40) != 0;
  h_.rsv2 = (b0 & 0x20) != 0;
  h_.rsv3 = (b0 & 0x10) != 0;
  h_.op = b0 & 0x0f;
  h_.masked = (b1 & 0x80) != 0;
  const std::uint8_t len7 = b1 & 0x7f;
  std::size_t at = 2;
  if (len7 < 126) {
    h_.length = len7;
  } else if (len7 == 126) {
    h_.length = (std::uint64_t{std::to_integer<std::uint8_t>(p[2])} << 8) |
                std::to_integer<std::uint8_t>(p[3]);
    at = 4;
  } else {
    std::uint64_t v = 0;
    for (int i = 0; i < 8; ++i) v = (v << 8) | std::to_integer<std::uint8_t>(p[2 + i]);
    h_.length = v;
    at = 10;
    if (v >> 63) error_ = "64-bit payload length with its most significant bit set";
  }
  if (h_.masked) std::memcpy(h_.mask.data(), p + at, 4);
  return true;
}

bool header_reader::read(std::span<const std::byte>& in) noexcept {
  error_ = nullptr;
  if (have_ == 0 && in.size() >= 2) {
    // The whole header is usually there: parse it in place.
    const std::size_t size = needed(in.data(), in.size());
    if (in.size() >= size) {
      parse(in.data(), size);
      in = in.subspan(size);
      return true;
    }
  }
  for (;;) {
    const std::size_t size = needed(buf_.data(), have_);
    if (have_ >= size) {
      parse(buf_.data(), size);
      have_ = 0;
      return true;
    }
    if (in.empty()) return false;
    const std::size_t take = std::min(size - have_, in.size());
    std::memcpy(buf_.data() + have_, in.data(), take);
    have_ += take;
    in = in.subspan(take);
  }
}

std::size_t header_size(std::uint64_t length, bool masked) noexcept {
  const std::size_t base = length < 126 ? 2 : length <= 0xffff ? 4 : 10;
  return base + (masked ? 4 : 0);
}

std::size_t write_header(std::byte* out, bool fin, opcode op, bool rsv1, std::uint64_t length,
                         const std::byte* mask) noexcept {
  std::uint8_t b0 = static_cast<std::uint8_t>(op);
  if (fin) b0 |= 0x80;
  if (rsv1) b0 |= 0x40;
  out[0] = std::byte{b0};
  const std::uint8_t m = mask ? 0x80 : 0;
  std::size_t at = 2;
  if (length < 126) {
    out[1] = std::byte(static_cast<std::uint8_t>(m | length));
  } else if (length <= 0xffff) {
    out[1] = std::byte(static_cast<std::uint8_t>(m | 126));
    out[2] = std::byte(static_cast<std::uint8_t>(length >> 8));
    out[3] = std::byte(static_cast<std::uint8_t>(length));
    at = 4;
  } else {
    out[1] = std::byte(static_cast<std::uint8_t>(m | 127));
    for (int i = 0; i < 8; ++i)
      out[2 + i] = std::byte(static_cast<std::uint8_t>(length >> (56 - 8 * i)));
    at = 10;
  }
  if (mask) {
    std::memcpy(out + at, mask, 4);
    at += 4;
  }
  return at;
}

std::size_t mask_copy(std::byte* dst, const std::byte* src, std::size_t n,
                      const std::array<std::byte, 4>& mask, std::size_t offset) noexcept {
  // The mask rotated to `offset`, repeated over 8 bytes: a word at a time, then the tail.
  std::array<std::byte, 8> key;
  for (std::size_t i = 0; i < 8; ++i) key[i] = mask[(offset + i) & 3];
  std::uint64_t k;
  std::memcpy(&k, key.data(), 8);
  std::size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    std::uint64_t v;
    std::memcpy(&v, src + i, 8);
    v ^= k;
    std::memcpy(dst + i, &v, 8);
  }
  for (; i < n; ++i) dst[i] = src[i] ^ key[i & 7];
  return (offset + n) & 3;
}

}  // namespace coronet::websocket::detail
