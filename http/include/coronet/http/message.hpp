// request and response: plain values for both sides of an HTTP/1.x exchange.
//
// The server fills a request and the handler returns a response; the client sends a request and
// gets a response back. Framing headers (Content-Length, Transfer-Encoding, Connection, Date)
// are written by coronet from the message, not taken from `headers`.
#pragma once

#include <string>
#include <string_view>

#include "coronet/http/fields.hpp"

namespace coronet::http {

struct request {
  std::string method = "GET";
  // The request target as sent: "/hello?x=1" (what Node calls req.url).
  std::string target = "/";
  int version_major = 1, version_minor = 1;
  fields headers;
  // The whole body (a server handler taking `request&` gets it read already).
  std::string body;

  // The target without its query, and the query without its '?'.
  std::string_view path() const noexcept;
  std::string_view query() const noexcept;
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
