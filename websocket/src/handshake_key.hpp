// The handshake's keys (RFC 6455 4.1, 4.2.2) and the random bytes a client masks with.
#pragma once

#include <cstddef>
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

}  // namespace coronet::websocket::detail
