// Conditions of coronet's HTTP layer, as std::error_code values of http::category().
//
//   try {
//     coronet::http::response r = co_await c.get("http://127.0.0.1:8888/hello");
//   } catch (const std::system_error& e) {
//     if (e.code() != coronet::http::errc::incomplete_message) throw;
//     std::cerr << "the server closed the connection mid-response\n";
//   }
#pragma once

#include <system_error>

namespace coronet::http {

enum class errc {
  malformed_message = 1,          // the peer sent something that is not HTTP/1.x
  header_too_large,               // the head is longer than the configured limit
  too_many_headers,               // more header lines than the configured limit
  body_too_large,                 // the body is longer than the configured limit
  unsupported_transfer_encoding,  // a transfer coding other than chunked
  incomplete_message,             // the peer closed the connection in the middle of a message
  unsupported_url,                // not an absolute http:// URL
  uri_too_long,                   // the request line alone is longer than the head's limit
};

const std::error_category& category() noexcept;

inline std::error_code make_error_code(errc e) noexcept {
  return {static_cast<int>(e), category()};
}

}  // namespace coronet::http

template <>
struct std::is_error_code_enum<coronet::http::errc> : std::true_type {};
