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
  std::uint16_t port = 80;  // 443 for https://
  bool secure = false;      // https://
  std::string host_header;  // "host[:port]" as the URL wrote it
  std::string request_target;
  // "Basic <base64(user:password)>" from the URL's userinfo (percent-decoded); empty without.
  std::string authorization;
  std::string key;  // pool key: "host:port", "https://host:port" for https
};

// Throws std::system_error with http::errc::unsupported_url for anything but an absolute
// http:// URL (or https:// where TLS is built in) with a host and a port in 1-65535 (or none). An
// IPv4 address with a trailing dot
// ("127.0.0.1.") is that address, as in a browser's (and Node's) URL parser; a name with one
// ("localhost.") goes to the resolver as written.
// `websocket`: ws:// and wss:// in place of http:// and https://.
url parse_url(std::string_view text, bool websocket = false);

}  // namespace coronet::http::detail
