// The Date header value (RFC 9110 5.6.7, "Sun, 06 Nov 1994 08:49:37 GMT"), formatted once per
// second per thread: every response carries one and formatting it each time would show up.
#pragma once

#include <string_view>

namespace coronet::http::detail {

std::string_view http_date() noexcept;

}  // namespace coronet::http::detail
