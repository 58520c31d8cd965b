#include "request_target.hpp"

namespace coronet::http::detail {
namespace {

bool alpha(char c) noexcept {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}
bool digit(char c) noexcept {
  return c >= '0' && c <= '9';
}
bool hex(char c) noexcept {
  return digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

// RFC 3986 reg-name: unreserved, sub-delims and pct-encoded. An IPv4 address is one too.
bool reg_name(std::string_view s) noexcept {
  for (std::size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (alpha(c) || digit(c)) continue;
    if (std::string_view("-._~!$&'()*+,;=").find(c) != std::string_view::npos) continue;
    if (c == '%' && i + 2 < s.size() && hex(s[i + 1]) && hex(s[i + 2])) {
      i += 2;
      continue;
    }
    return false;
  }
  return true;
}

// The inside of "[...]": an IPv6 address (hex digits, colons, an IPv4 tail) or an IPvFuture
// ("v1.x"); the resolver, not the server, decides what the address means.
bool ip_literal(std::string_view s) noexcept {
  if (s.empty()) return false;
  if (s[0] == 'v' || s[0] == 'V') return s.size() > 1 && reg_name(s.substr(1));
  if (s.find(':') == std::string_view::npos) return false;
  for (const char c : s)
    if (!hex(c) && c != ':' && c != '.') return false;
  return true;
}

bool port(std::string_view s) noexcept {
  for (const char c : s)
    if (!digit(c)) return false;
  return true;
}

}  // namespace

bool valid_authority(std::string_view text) noexcept {
  if (text.empty()) return true;
  std::string_view host = text;
  std::string_view rest;
  if (text[0] == '[') {
    const auto close = text.find(']');
    if (close == std::string_view::npos || !ip_literal(text.substr(1, close - 1))) return false;
    rest = text.substr(close + 1);
    if (!rest.empty() && rest[0] != ':') return false;
  } else {
    const auto colon = text.find(':');
    if (colon != std::string_view::npos) {
      host = text.substr(0, colon);
      rest = text.substr(colon);
    }
    if (host.empty() || !reg_name(host)) return false;
  }
  return rest.empty() || port(rest.substr(1));
}

absolute_form split_absolute_form(std::string_view target) noexcept {
  // scheme "://": RFC 3986 3.1, a letter then letters, digits, "+", "-", ".".
  absolute_form f;
  if (target.empty() || !alpha(target[0])) return f;
  std::size_t i = 1;
  while (i < target.size() && (alpha(target[i]) || digit(target[i]) || target[i] == '+' ||
                               target[i] == '-' || target[i] == '.'))
    ++i;
  if (target.substr(i, 3) != "://") return f;
  const std::string_view rest = target.substr(i + 3);
  const auto end = rest.find_first_of("/?#");
  f.is = true;
  f.authority = rest.substr(0, end);
  f.origin = end == std::string_view::npos ? std::string_view() : rest.substr(end);
  return f;
}

}  // namespace coronet::http::detail
