// request and response: plain values for both sides of an HTTP/1.x exchange.
//
// The server fills a request and the handler returns a response; the client sends a request and
// gets a response back. Framing headers (Content-Length, Transfer-Encoding, Connection, Date)
// are written by coronet from the message, not taken from `headers`.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "coronet/http/fields.hpp"
#include "coronet/http/upgrade.hpp"
#include "coronet/task.hpp"

namespace coronet::http {

struct request {
  std::string method = "GET";
  // The request target as sent: "/hello?x=1" (what Node calls req.url).
  std::string target = "/";
  int version_major = 1, version_minor = 1;
  fields headers;
  // The whole body (a server handler taking `request&` gets it read already).
  std::string body;

  // The target without its query, and the query without its '?'; of an absolute-form target,
  // the path after its authority ("/" when there is none): "http://a/x?q" has path "/x".
  // Neither is percent-decoded.
  std::string_view path() const noexcept;
  std::string_view query() const noexcept;
  // Whom the request is for: the authority of an absolute-form target, which replaces Host
  // (RFC 9112 3.2.2), otherwise the Host header ("example.com:8080"; empty without one).
  std::string_view authority() const noexcept;
  // A path parameter the router matched (`/kv/:key` and "/kv/a%20b" give param("key") ==
  // "a b", percent-decoded); empty when there is none of that name.
  std::string_view param(std::string_view name) const noexcept;
  // The router's path parameters, name and decoded value, in the order of the pattern.
  std::vector<std::pair<std::string, std::string>> params;
  // Whether the connection stays open after this exchange (HTTP/1.1 unless "Connection: close",
  // HTTP/1.0 only with "Connection: keep-alive").
  bool keep_alive() const noexcept;
  // Empties everything but keeps the memory, for the next request on the same connection.
  void clear() noexcept;
};

struct response {
  int status = 200;
  // Empty: the standard phrase of `status` ("OK").
  std::string reason;
  int version_major = 1, version_minor = 1;
  fields headers;
  std::string body;
  // With status 101: the protocol the connection switches to (upgrade.hpp). The server sends
  // the head (Connection: Upgrade, no body), then runs this with the connection; when it
  // returns, the connection is closed. Ignored by the client.
  std::function<task<>(upgraded)> upgrade;

  response() = default;
  explicit response(int status_code, std::string body_text = {},
                    std::string_view content_type = {});

  bool keep_alive() const noexcept;
  void clear() noexcept;
};

// "Not Found" for 404; "Unknown" for a code with no standard phrase.
std::string_view reason_phrase(int status) noexcept;

// Whether a response with this status to this request method has no body (1xx, 204, 304, HEAD).
bool response_has_no_body(int status, std::string_view request_method) noexcept;

}  // namespace coronet::http
