// TLS errors: std::system_error with a coronet::tls::errc code and a message saying what failed
// and for which peer, e.g.
//   "handshake 127.0.0.1:8443: certificate verify failed: self-signed certificate"
//   "read 127.0.0.1:8443: connection closed without close_notify (truncated)"
// Socket errors under TLS keep their errno codes (Connection reset by peer, ...).
#pragma once

#include <system_error>

namespace coronet::tls {

enum class errc {
  handshake_failed = 1,       // the peer and we agreed on nothing (protocol, cipher, ALPN, ...)
  certificate_verify_failed,  // the peer's certificate chain or name did not verify
  truncated,                  // the TCP stream ended without the peer's close_notify
  protocol_error,             // a malformed or unexpected record after the handshake
  not_tls,                    // the peer does not speak TLS (garbage instead of a hello)
  plain_http,                 // a plain HTTP request reached a TLS port
  renegotiation_refused,      // the peer tried to renegotiate
  bad_certificate_file,       // a certificate, key or CA file that cannot be read or parsed
};

const std::error_category& category() noexcept;
inline std::error_code make_error_code(errc e) noexcept {
  return {static_cast<int>(e), category()};
}

}  // namespace coronet::tls

template <>
struct std::is_error_code_enum<coronet::tls::errc> : std::true_type {};
