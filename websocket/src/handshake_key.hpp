// The handshake's keys (RFC 6455 4.1, 4.2.2) and the random bytes a client masks with.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

namespace coronet::websocket::detail {

// Sec-WebSocket-Accept for a Sec-WebSocket-Key: base64(SHA-1(key + the RFC's GUID)).
std::string accept_key(std::string_view client_key);
// A fresh Sec-WebSocket-Key: 16 random bytes in base64.
std::string make_client_key();
// Whether a Sec-WebSocket-Key is the base64 of exactly 16 bytes.
bool valid_client_key(std::string_view key) noexcept;
std::string base64_encode(std::span<const std::byte> bytes);
// Random bytes for masking keys (RFC 6455 10.3: not predictable by the application).
void random_bytes(std::span<std::byte> out) noexcept;

// SHA-1 (FIPS 180-4), written here because the handshake needs nothing more from a crypto
// library and the mingw build has none. Not for security: the handshake's use of it is only a
// proof that the server speaks WebSocket.
//   sha1 h; h.update(a); h.update(b); auto digest = h.finish();
class sha1 {
 public:
  using digest = std::array<std::byte, 20>;
  void update(std::span<const std::byte> bytes) noexcept;
  void update(std::string_view s) noexcept { update(std::as_bytes(std::span(s))); }
  // The digest of everything updated; the object is spent afterwards.
  digest finish() noexcept;

 private:
  void block(const std::uint8_t* p) noexcept;

  std::array<std::uint32_t, 5> h_{0x67452301, 0xEFCDAB89, 0x98BADCFE, 0x10325476, 0xC3D2E1F0};
  std::array<std::uint8_t, 64> buf_{};
  std::size_t buffered_ = 0;
  std::uint64_t length_ = 0;  // bytes hashed so far
};

}  // namespace coronet::websocket::detail
