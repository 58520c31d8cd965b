#include "url.hpp"

#include <algorithm>
#include <boost/url/parse.hpp>
#include <boost/url/url_view.hpp>
#include <charconv>
#include <cstdint>

#include "coronet/error.hpp"
#include "coronet/http/error.hpp"

namespace coronet::http::detail {

namespace {

// "127.0.0.1." -> "127.0.0.1": the WHATWG URL parser (browsers, Node) reads an IPv4 address with
// one trailing dot as the address. Boost.URL 1.81 reads the digits as an IPv4 host and the
// rest (".:8080/x") as the path, so the dot goes before it parses.
std::string without_ipv4_trailing_dot(std::string_view text) {
  std::string out(text);
  const auto start = out.find("://");
  if (start == std::string::npos) return out;
  const auto authority = start + 3;
  const auto end = std::min(out.find_first_of("/?#", authority), out.size());
  const auto at = out.rfind('@', end);
  const auto host = at == std::string::npos || at < authority ? authority : at + 1;
  auto host_end = out.find(':', host);
  if (host_end == std::string::npos || host_end > end) host_end = end;
  const std::string_view h = std::string_view(out).substr(host, host_end - host);
  if (h.size() < 2 || h.back() != '.' ||
      h.find_first_not_of("0123456789.") != std::string_view::npos)
    return out;
  out.erase(host_end - 1, 1);
  return out;
}

std::string base64(std::string_view in) {
  static constexpr char digits[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((in.size() + 2) / 3 * 4);
  for (std::size_t i = 0; i < in.size(); i += 3) {
    const auto byte = [&](std::size_t k) -> std::uint32_t {
      return k < in.size() ? static_cast<unsigned char>(in[k]) : 0u;
    };
    const std::uint32_t n = byte(i) << 16 | byte(i + 1) << 8 | byte(i + 2);
    out.push_back(digits[n >> 18 & 63]);
    out.push_back(digits[n >> 12 & 63]);
    out.push_back(i + 1 < in.size() ? digits[n >> 6 & 63] : '=');
    out.push_back(i + 2 < in.size() ? digits[n & 63] : '=');
  }
  return out;
}

}  // namespace

url parse_url(std::string_view text, bool websocket) {
  const std::string normalized = without_ipv4_trailing_dot(text);
  auto parsed = boost::urls::parse_uri(normalized);
  if (!parsed) throw_error(make_error_code(errc::unsupported_url), "parse URL");
  const boost::urls::url_view& u = *parsed;
  url t;
  // ws:// and wss:// (an upgrade's URL) are http:// and https:// under other names.
  const auto scheme = u.scheme_id();
  const bool plain =
      scheme == boost::urls::scheme::http || (websocket && scheme == boost::urls::scheme::ws);
  const bool secure =
      scheme == boost::urls::scheme::https || (websocket && scheme == boost::urls::scheme::wss);
  const char* const names = websocket ? "ws:// and wss://" : "http:// and https://";
#ifdef CORONET_HAS_TLS
  if (secure) {
    t.secure = true;
    t.port = 443;
  } else if (!plain) {
    throw_error(make_error_code(errc::unsupported_url),
                std::string("only ") + names + " URLs are supported");
  }
#else
  if (!plain)
    throw_error(make_error_code(errc::unsupported_url),
                std::string("only ") + (websocket ? "ws://" : "http://") +
                    " URLs are supported (TLS is not built in)");
  (void)secure;
  (void)names;
#endif
  t.host = u.host_address();
  if (t.host.empty()) throw_error(make_error_code(errc::unsupported_url), "URL has no host");
  // The host is percent-decoded: "a%00b" would reach the resolver as "a" (it stops at the NUL),
  // another host than the URL names; no name has control characters or spaces.
  for (const char c : t.host)
    if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7f)
      throw_error(make_error_code(errc::unsupported_url), "URL host has a control character");
  if (u.has_port()) {
    const auto p = u.port();
    unsigned value = 0;
    auto [end, ec] = std::from_chars(p.data(), p.data() + p.size(), value);
    if (ec != std::errc() || end != p.data() + p.size() || value == 0 || value > 65535)
      throw_error(make_error_code(errc::unsupported_url), "bad port in URL");
    t.port = static_cast<std::uint16_t>(value);
  }
  t.host_header = u.encoded_host_and_port();
  t.request_target = u.encoded_path();
  if (t.request_target.empty()) t.request_target = "/";
  // Boost.URL 1.81 reads "http://[::1]009:0/" with the path "009:0/": not a request target.
  if (t.request_target.front() != '/')
    throw_error(make_error_code(errc::unsupported_url), "URL path does not start with '/'");
  if (u.has_query()) t.request_target.append("?").append(u.encoded_query());
  // The target goes on the request line as it is: a CR, LF, SP or other control character
  // would split it. Boost.URL's grammar admits none of them unencoded; this says so for sure.
  for (const char c : t.request_target)
    if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7f)
      throw_error(make_error_code(errc::unsupported_url), "URL with a control character or space");
  // Userinfo: Node sends "Basic " + base64(decoded user ":" decoded password) when either is
  // there ("http://u@h/" gives "u:"), and so does coronet.
  const std::string user = u.user();
  const std::string password = u.password();
  if (!user.empty() || !password.empty())
    t.authorization = "Basic " + base64(user + ":" + password);
  // One pool for both schemes: a plain connection must never carry an https:// request.
  t.key = (t.secure ? "https://" : "") + t.host + ":" + std::to_string(t.port);
  return t;
}

}  // namespace coronet::http::detail
