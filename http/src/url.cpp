#include "url.hpp"

#include <boost/url/parse.hpp>
#include <boost/url/url_view.hpp>
#include <charconv>

#include "coronet/error.hpp"
#include "coronet/http/error.hpp"

namespace coronet::http::detail {

url parse_url(std::string_view text) {
  auto parsed = boost::urls::parse_uri(text);
  if (!parsed) throw_error(make_error_code(errc::unsupported_url), "parse URL");
  const boost::urls::url_view& u = *parsed;
  if (u.scheme_id() != boost::urls::scheme::http)
    throw_error(make_error_code(errc::unsupported_url), "only http:// URLs are supported");
  url t;
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
  t.key = t.host + ":" + std::to_string(t.port);
  return t;
}

}  // namespace coronet::http::detail
