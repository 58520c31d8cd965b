#include "coronet/http/message.hpp"

#include "request_target.hpp"

namespace coronet::http {
namespace {

bool keep_alive_of(int major, int minor, const fields& h) noexcept {
  if (h.has_token("Connection", "close")) return false;
  if (major > 1 || (major == 1 && minor >= 1)) return true;
  return h.has_token("Connection", "keep-alive");
}

}  // namespace

std::string_view request::path() const noexcept {
  const auto absolute = detail::split_absolute_form(target);
  const std::string_view t = absolute.is ? absolute.origin : std::string_view(target);
  const std::string_view p = t.substr(0, t.find('?'));
  return p.empty() && absolute.is ? std::string_view("/") : p;
}

std::string_view request::query() const noexcept {
  const std::string_view t = target;
  const auto q = t.find('?');
  return q == std::string_view::npos ? std::string_view() : t.substr(q + 1);
}

std::string_view request::authority() const noexcept {
  const auto absolute = detail::split_absolute_form(target);
  if (absolute.is) return absolute.authority;
  return headers.find("Host").value_or(std::string_view());
}

std::string_view request::param(std::string_view name) const noexcept {
  for (const auto& [n, v] : params)
    if (n == name) return v;
  return {};
}

bool request::keep_alive() const noexcept {
  return keep_alive_of(version_major, version_minor, headers);
}

void request::clear() noexcept {
  method.clear();
  target.clear();
  version_major = version_minor = 1;
  headers.clear();
  body.clear();
  params.clear();
}

response::response(int status_code, std::string body_text, std::string_view content_type)
    : status(status_code), body(std::move(body_text)) {
  if (!content_type.empty()) headers.add("Content-Type", content_type);
}

bool response::keep_alive() const noexcept {
  return keep_alive_of(version_major, version_minor, headers);
}

void response::clear() noexcept {
  status = 200;
  reason.clear();
  version_major = version_minor = 1;
  headers.clear();
  body.clear();
  upgrade = nullptr;
}

std::string_view reason_phrase(int status) noexcept {
  switch (status) {
    case 100:
      return "Continue";
    case 101:
      return "Switching Protocols";
    case 200:
      return "OK";
    case 201:
      return "Created";
    case 202:
      return "Accepted";
    case 204:
      return "No Content";
    case 206:
      return "Partial Content";
    case 301:
      return "Moved Permanently";
    case 302:
      return "Found";
    case 303:
      return "See Other";
    case 304:
      return "Not Modified";
    case 307:
      return "Temporary Redirect";
    case 308:
      return "Permanent Redirect";
    case 400:
      return "Bad Request";
    case 401:
      return "Unauthorized";
    case 403:
      return "Forbidden";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 408:
      return "Request Timeout";
    case 409:
      return "Conflict";
    case 411:
      return "Length Required";
    case 413:
      return "Payload Too Large";
    case 414:
      return "URI Too Long";
    case 415:
      return "Unsupported Media Type";
    case 417:
      return "Expectation Failed";
    case 426:
      return "Upgrade Required";
    case 429:
      return "Too Many Requests";
    case 431:
      return "Request Header Fields Too Large";
    case 500:
      return "Internal Server Error";
    case 501:
      return "Not Implemented";
    case 502:
      return "Bad Gateway";
    case 503:
      return "Service Unavailable";
    case 504:
      return "Gateway Timeout";
    case 505:
      return "HTTP Version Not Supported";
    default:
      return "Unknown";
  }
}

bool response_has_no_body(int status, std::string_view request_method) noexcept {
  return (status >= 100 && status < 200) || status == 204 || status == 304 ||
         request_method == "HEAD";
}

}  // namespace coronet::http
