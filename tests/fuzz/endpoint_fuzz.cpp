// Fuzz target: the parsers of where to connect and listen. Every input goes through all four:
// tcp::endpoint::parse ("host:port", "[v6]:port"), socket_address::parse_ip (numeric hosts),
// socket_address::unix_path (paths, "@abstract" names) and the HTTP client's URL reading
// (http::detail::parse_url). Each may refuse its input only with its documented error, and what
// it accepts must print back as what it read (no silent truncation at a NUL, no request-line
// injection through a URL).
#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>
#include <system_error>

#include "coronet/http/error.hpp"
#include "coronet/socket_address.hpp"
#include "coronet/tcp_endpoint.hpp"
#include "fuzz_support.hpp"
#include "url.hpp"

namespace {

using coronet::fuzz::fail;

void check_endpoint(std::string_view text) {
  coronet::tcp::endpoint ep;
  try {
    ep = coronet::tcp::endpoint::parse(text);
  } catch (const std::invalid_argument&) {
    return;
  }
  // What to_string() writes parses back to the same endpoint (hosts with brackets of their own
  // aside: "[[x]]:1" reads as host "[x]", which prints as "[x]:1").
  if (ep.host.find_first_of("[]") != std::string::npos) return;
  const std::string printed = ep.to_string();
  coronet::tcp::endpoint again;
  try {
    again = coronet::tcp::endpoint::parse(printed);
  } catch (const std::invalid_argument& e) {
    fail("endpoint::to_string() does not parse back", printed + ": " + e.what());
  }
  if (again.host != ep.host || again.port != ep.port)
    fail("endpoint round trip changed it", printed);
}

void check_ip(std::string_view host, std::uint16_t port) {
  const auto a = coronet::socket_address::parse_ip(host, port);
  if (!a) return;
  if (!a->is_ip() || a->port() != port) fail("parse_ip: not an IP address with the port given");
  // The text read is all of the address: an IPv4 address has one spelling (inet_pton takes
  // no leading zeros), so host() gives it back exactly.
  std::string_view bare = host;
  if (bare.size() >= 2 && bare.front() == '[' && bare.back() == ']')
    bare = bare.substr(1, bare.size() - 2);
  if (a->family() == AF_INET && a->host() != bare)
    fail("parse_ip read another address than written", std::string(host) + " -> " + a->host());
  const auto again = coronet::socket_address::parse_ip(a->host(), port);
  if (!again || !(*again == *a)) fail("parse_ip(host()) is not the same address", a->to_string());
  if (bare.find('\0') != std::string_view::npos) fail("parse_ip accepted a NUL");
}

void check_unix(std::string_view path) {
  coronet::socket_address a;
  try {
    a = coronet::socket_address::unix_path(path);
  } catch (const std::invalid_argument&) {
    return;
  }
  if (!a.is_unix()) fail("unix_path: not a Unix address");
  // The address names exactly what was asked for: an abstract name is any bytes, a path stops
  // at its first NUL for the kernel, so one with a NUL must be refused.
  // A leading NUL is Node's spelling of an abstract name, which path() gives as "@name".
  const bool nul_spelling = !path.empty() && path.front() == '\0';
  const std::string expected = nul_spelling ? "@" + std::string(path.substr(1)) : std::string(path);
  if (a.path() != expected) fail("unix_path: the address is not the path given", a.path());
}

bool printable_token_chars(std::string_view s) {
  for (char c : s)
    if (static_cast<unsigned char>(c) <= 0x20 || static_cast<unsigned char>(c) >= 0x7f)
      return false;
  return true;
}

void check_url(std::string_view text) {
  coronet::http::detail::url u;
  try {
    u = coronet::http::detail::parse_url(text);
  } catch (const std::system_error& e) {
    if (e.code() != coronet::http::errc::unsupported_url)
      fail("parse_url: unexpected error", e.what());
    return;
  }
  if (u.host.empty() || u.port == 0) fail("parse_url: no host or port");
  // These go on the request line and in the Host header as they are.
  if (u.request_target.empty() || u.request_target.front() != '/' ||
      !printable_token_chars(u.request_target))
    fail("parse_url: a request target that could break the request line", u.request_target);
  if (u.host_header.empty() || !printable_token_chars(u.host_header))
    fail("parse_url: a Host header that could break the head", u.host_header);
  // The host connected to is the host named: nothing a resolver would cut short or read
  // differently (a decoded %00 or %0A).
  for (const char c : u.host)
    if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7f)
      fail("parse_url: a host with control characters or spaces");
  if (u.key != (u.secure ? "https://" : "") + u.host + ":" + std::to_string(u.port))
    fail("parse_url: pool key");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  coronet::fuzz::input in(data, size);
  const unsigned high = in.byte();
  const auto port = static_cast<std::uint16_t>(high << 8 | in.byte());
  const std::string_view text = in.rest();
  check_endpoint(text);
  check_ip(text, port);
  check_unix(text);
  check_url(text);
  return 0;
}
