// tcp::connect with connect_options: the plain connect (tcp.cpp) under a time limit that names
// what timed out.
#include <string>
#include <system_error>
#include <utility>

#include "coronet/error.hpp"
#include "coronet/tcp_connect.hpp"
#include "coronet/with_timeout.hpp"

namespace coronet::tcp {

task<stream> connect(std::string host, std::uint16_t port, connect_options options) {
  if (options.timeout.count() <= 0) co_return co_await connect(std::move(host), port);
  const std::string where = "connect " + endpoint{host, port}.to_string();
  try {
    co_return co_await with_timeout(options.timeout, connect(std::move(host), port));
  } catch (const std::system_error& e) {
    if (e.code() != std::errc::timed_out) throw;
  }
  // Ours, or the kernel's own ETIMEDOUT: either way, say which connect it was.
  throw_error(std::make_error_code(std::errc::timed_out), where);
}

task<stream> connect(endpoint ep, connect_options options) {
  return connect(std::move(ep.host), ep.port, options);
}

}  // namespace coronet::tcp
