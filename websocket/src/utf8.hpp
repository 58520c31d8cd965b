// utf8_validator: checks a text message is UTF-8 as its fragments arrive (RFC 6455 8.1: 1007).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

namespace coronet::websocket::detail {

class utf8_validator {
 public:
  // The next bytes of a message; false as soon as they cannot be UTF-8 (and from then on until
  // reset()). A sequence cut at the end of `bytes` is kept for the next call.
  bool feed(std::span<const std::byte> bytes) noexcept;
  bool feed(std::string_view s) noexcept { return feed(std::as_bytes(std::span(s))); }
  // At the end of the message: false if it ends inside a sequence.
  bool finish() const noexcept;
  void reset() noexcept;

 private:
  std::uint32_t state_ = 0;
};

}  // namespace coronet::websocket::detail
