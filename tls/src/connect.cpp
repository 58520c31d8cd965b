#include "coronet/tls/connect.hpp"

#include <system_error>

#include "coronet/error.hpp"
#include "coronet/tcp_connect.hpp"
#include "coronet/with_timeout.hpp"

namespace coronet::tls {
namespace {

task<stream> connect_and_handshake(std::string host, std::uint16_t port, context ctx,
                                   std::string name) {
  coronet::stream tcp = co_await tcp::connect(std::move(host), port);
  stream s = stream::client(std::move(tcp), ctx, std::move(name));
  co_await s.handshake();
  co_return s;
}

// "[::1]" names the address ::1 (as in a URL); certificates and SNI know it without brackets.
std::string bare(std::string host) {
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']')
    host = host.substr(1, host.size() - 2);
  return host;
}

}  // namespace

task<stream> connect(std::string host, std::uint16_t port, context ctx, connect_options options) {
  host = bare(std::move(host));
  std::string name = options.server_name.empty() ? host : std::move(options.server_name);
  std::string what = "connect " + host + ":" + std::to_string(port);
  task<stream> t = connect_and_handshake(std::move(host), port, std::move(ctx), std::move(name));
  if (options.timeout.count() <= 0) co_return co_await std::move(t);
  try {
    co_return co_await with_timeout(options.timeout, std::move(t));
  } catch (const std::system_error& e) {
    if (e.code() != std::errc::timed_out) throw;
  }
  throw_error(std::make_error_code(std::errc::timed_out), what + " (TLS)");
}

task<stream> connect(std::string host, std::uint16_t port, context ctx) {
  return connect(std::move(host), port, std::move(ctx), connect_options());
}

}  // namespace coronet::tls
