// request_target: the forms of a request's target and the syntax of an authority (RFC 9112 3.2,
// RFC 3986 3.2.2), which the server checks before a handler sees the request and which
// request::path() and request::authority() read.
#pragma once

#include <string_view>

namespace coronet::http::detail {

// "host[:port]": a reg-name (letters, digits, "-._~", sub-delims, %XX), an IPv4 address or a
// bracketed IP literal ("[::1]"), with an optional port of digits. The empty value is valid (a
// Host for a target without an authority, RFC 9112 3.2); "a b", "a/b", "::1", "a:b" are not.
bool valid_authority(std::string_view text) noexcept;

// The parts of an absolute-form target ("http://example.com:8080/a?b"): whether it is one, its
// authority and what follows it (path and query, empty when there is neither).
struct absolute_form {
  bool is = false;
  std::string_view authority;
  std::string_view origin;
};
absolute_form split_absolute_form(std::string_view target) noexcept;

}  // namespace coronet::http::detail
