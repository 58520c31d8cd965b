// url: the client's reading of an http:// URL: where to connect, what the Host header and the
// request line say, and the key of the connection pool. Behind the client, and exposed here for
// the tests and tests/fuzz/endpoint_fuzz.cpp.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace coronet::http::detail {

struct url {
  std::string host;         // to connect to ("::1" without brackets)
  std::uint16_t port = 80;  //
  std::string host_header;  // "host[:port]" as the URL wrote it
  std::string request_target;
  std::string key;  // pool key
};

// Throws std::system_error with http::errc::unsupported_url for anything but an absolute
// http:// URL with a host and a port in 1-65535 (or none).
url parse_url(std::string_view text);

}  // namespace coronet::http::detail
