#ifndef _WIN32
#include <netdb.h>
#include <netinet/in.h>
#endif

#include <cerrno>
#include <charconv>
#include <stdexcept>
#include <system_error>

#include "bind_retry.hpp"
#include "coronet/detail/native.hpp"
#include "coronet/detail/socket_listener.hpp"
#include "coronet/error.hpp"
#include "coronet/resolve.hpp"
#include "coronet/tcp_connect.hpp"
#include "coronet/tcp_listener.hpp"
#include "tcp_bind.hpp"

namespace coronet::tcp {

endpoint endpoint::parse(std::string_view text) {
  const auto colon = text.rfind(':');
  if (colon == std::string_view::npos || colon + 1 == text.size())
    throw std::invalid_argument("expected HOST:PORT, got '" + std::string(text) + "'");
  std::string_view host = text.substr(0, colon);
  std::string_view port = text.substr(colon + 1);
  if (host.find(':') != std::string_view::npos && !(host.starts_with('[') && host.ends_with(']')))
    throw std::invalid_argument("an IPv6 address needs brackets: '" + std::string(text) + "'");
  if (host.starts_with('[')) {
    if (!host.ends_with(']'))
      throw std::invalid_argument("unbalanced '[' in '" + std::string(text) + "'");
    host = host.substr(1, host.size() - 2);
  }
  unsigned value = 0;
  auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
  if (ec != std::errc() || end != port.data() + port.size() || value > 65535)
    throw std::invalid_argument("bad port in '" + std::string(text) + "'");
  return endpoint{std::string(host), std::uint16_t(value)};
}

std::string endpoint::to_string() const {
  if (host.find(':') != std::string::npos) return "[" + host + "]:" + std::to_string(port);
  return host + ":" + std::to_string(port);
}

namespace detail {

socket_address passive_address(const endpoint& ep) {
  if (ep.host.empty()) {
    // Every address: the IPv6 wildcard also takes IPv4 when the system has IPv6.
    const native_handle_type probe = coronet::detail::open_stream_socket(AF_INET6);
    if (probe >= 0) {
      coronet::detail::close_native(probe);
      return socket_address::ip("::", ep.port);
    }
    return socket_address::ip("0.0.0.0", ep.port);
  }
  if (auto a = socket_address::parse_ip(ep.host, ep.port)) return *a;
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE | AI_ADDRCONFIG;
  addrinfo* res = nullptr;
  const std::string port = std::to_string(ep.port);
  const int rc = ::getaddrinfo(ep.host.c_str(), port.c_str(), &hints, &res);
  if (rc != 0) throw_error(std::error_code(rc, resolver_category()), "bind " + ep.to_string());
  socket_address a = socket_address::from_native(res->ai_addr, res->ai_addrlen);
  ::freeaddrinfo(res);
  return a;
}

namespace {
void set_flag(native_handle_type fd, int level, int name, bool on, const socket_address& addr) {
  if (!coronet::detail::set_socket_option(fd, level, name, on)) {
    const int err = coronet::detail::last_socket_error();
    coronet::detail::close_native(fd);
    throw_errno(err, "bind " + addr.to_string() + ": setsockopt");
  }
}

// One try: socket, options, bind, listen. 0 with the listening socket in `fd`, or the error of
// bind or listen (the socket closed); throws when the socket cannot be made or set up.
int try_bind(const socket_address& addr, const listen_options& opt, native_handle_type& fd) {
  fd = coronet::detail::open_stream_socket(addr.family());
  if (fd < 0) {
    const int err = coronet::detail::last_socket_error();  // before building the message
    throw_errno(err, "bind " + addr.to_string() + ": socket");
  }
#ifdef _WIN32
  // Windows' SO_REUSEADDR lets another socket take over a port in use, which is not what it
  // means on POSIX; a port in TIME_WAIT can be bound there without it. So reuse_address is
  // left to the default, and SO_EXCLUSIVEADDRUSE keeps others from taking the port.
  set_flag(fd, SOL_SOCKET, SO_EXCLUSIVEADDRUSE, true, addr);
#else
  if (opt.reuse_address) set_flag(fd, SOL_SOCKET, SO_REUSEADDR, true, addr);
  if (opt.reuse_port) set_flag(fd, SOL_SOCKET, SO_REUSEPORT, true, addr);
#endif
  if (addr.family() == AF_INET6) set_flag(fd, IPPROTO_IPV6, IPV6_V6ONLY, opt.v6_only, addr);
  if (::bind(fd, addr.native(), addr.size()) != 0 || ::listen(fd, opt.backlog) != 0) {
    const int err = coronet::detail::last_socket_error();
    coronet::detail::close_native(fd);
    fd = invalid_native_handle;
    return err;
  }
  return 0;
}
}  // namespace

native_handle_type bind_socket(const socket_address& addr, const listen_options& opt,
                               socket_address& local) {
  if (!addr.is_ip())
    throw std::invalid_argument("tcp::listener::bind: not an IP address: " + addr.to_string());
#ifdef _WIN32
  if (opt.reuse_port) throw_errno(EOPNOTSUPP, "bind " + addr.to_string() + ": reuse_port");
#endif
  // A fresh socket per try: listen can fail on a socket bind accepted (a socket that was not yet
  // listening when we bound, and is now), and a bound socket cannot be bound again.
  native_handle_type fd = invalid_native_handle;
  int err = 0;
  coronet::detail::retry_while_in_use(opt.bind_retry, [&] {
    err = try_bind(addr, opt, fd);
    return err != EADDRINUSE;
  });
  if (err != 0) throw_errno(err, "bind " + addr.to_string());
  *local.size_ptr() = socket_address::capacity();
  ::getsockname(fd, local.native(), local.size_ptr());
  return fd;
}

}  // namespace detail

listener listener::bind(const endpoint& ep, const listen_options& opt) {
  return bind(detail::passive_address(ep), opt);
}

listener listener::bind(const socket_address& addr, const listen_options& opt) {
  socket_address local;
  const native_handle_type fd = detail::bind_socket(addr, opt, local);
  listener l(fd, local);
  l.set_accept_one_at_a_time(opt.accept_one_at_a_time);
  return l;
}

listener listener::from_native(native_handle_type fd) {
  socket_address local =
      coronet::detail::listening_address(fd, false, "tcp::listener::from_native");
  return listener(fd, std::move(local));
}

task<stream> connect(socket_address addr) {
  return coronet::detail::connect_to(std::move(addr));
}

task<stream> connect(endpoint ep) {
  return connect(std::move(ep.host), ep.port);
}

task<stream> connect(std::string host, std::uint16_t port) {
  std::vector<socket_address> addrs = co_await resolve(host, port);
  std::exception_ptr last;
  for (auto& a : addrs) {
    try {
      co_return co_await coronet::detail::connect_to(a);
    } catch (const std::system_error& e) {
      if (is_cancellation(e)) throw;
      last = std::current_exception();
    }
  }
  if (last) std::rethrow_exception(last);
  throw_errno(EADDRNOTAVAIL, "connect " + endpoint{host, port}.to_string());
}

}  // namespace coronet::tcp
