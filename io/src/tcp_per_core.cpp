// tcp::listen_per_core, tcp::serve_per_core: bind every core's SO_REUSEPORT socket up front,
// then run_per_core with each core adopting its own.
#include "coronet/tcp_per_core.hpp"

#ifndef _WIN32
#include <netinet/in.h>
#endif

#include <cerrno>
#include <utility>
#include <vector>

#include "bind_retry.hpp"
#include "coronet/error.hpp"
#include "coronet/serve.hpp"
#include "stop_signals.hpp"
#include "tcp_bind.hpp"

namespace coronet::tcp {
namespace {

// The bound sockets no core has adopted yet; whatever is left is closed.
class bound_sockets {
 public:
  explicit bound_sockets(std::size_t n) : fds_(n, invalid_native_handle) {}
  bound_sockets(const bound_sockets&) = delete;
  bound_sockets& operator=(const bound_sockets&) = delete;
  ~bound_sockets() {
    for (native_handle_type fd : fds_)
      if (fd != invalid_native_handle) coronet::detail::close_native(fd);
  }
  void set(std::size_t i, native_handle_type fd) noexcept { fds_[i] = fd; }
  native_handle_type take(std::size_t i) noexcept {
    return std::exchange(fds_[i], invalid_native_handle);
  }

 private:
  std::vector<native_handle_type> fds_;
};

// Whether anything holds `addr`: bind (never listen: a connection must not land in a socket that
// is closed at once) a socket without SO_REUSEPORT, which conflicts with every socket bound there,
// reuse-port group or not. Throws "bind ADDR: Address already in use" if it does, once
// opt.bind_retry has passed: a killed server's socket may be on its way out (bind_retry.hpp).
void refuse_if_taken(const socket_address& addr, const listen_options& opt) {
  int err = 0;
  coronet::detail::retry_while_in_use(opt.bind_retry, [&] {
    const native_handle_type fd = coronet::detail::open_stream_socket(addr.family());
    if (fd < 0) {
      const int e = coronet::detail::last_socket_error();
      throw_errno(e, "bind " + addr.to_string() + ": socket");
    }
    // As the real sockets will be: a port in TIME_WAIT is free, and v6_only decides whether an
    // IPv4 server on the port is a conflict.
    if (opt.reuse_address) coronet::detail::set_socket_option(fd, SOL_SOCKET, SO_REUSEADDR, 1);
    if (addr.family() == AF_INET6)
      coronet::detail::set_socket_option(fd, IPPROTO_IPV6, IPV6_V6ONLY, opt.v6_only);
    const bool taken = ::bind(fd, addr.native(), addr.size()) != 0;
    err = taken ? coronet::detail::last_socket_error() : 0;
    coronet::detail::close_native(fd);
    return err != EADDRINUSE;
  });
  if (err != 0) throw_errno(err, "bind " + addr.to_string());
}

using serve_fn = std::function<task<>(listener&, unsigned)>;

task<> serve_core(bound_sockets& sockets, const serve_fn& serve, unsigned core) {
  listener l = listener::from_native(sockets.take(core));
  co_await serve(l, core);
}
}  // namespace

int listen_per_core(const endpoint& ep, std::function<task<>(listener&, unsigned core)> serve,
                    const per_core_server_options& options) {
  per_core_options cores = options.cores;
  if (cores.threads == 0) cores.threads = default_core_count();
  const unsigned n = cores.threads;
  const socket_address addr = detail::passive_address(ep);
  listen_options opt = options.listen;
#ifdef _WIN32
  // No SO_REUSEPORT: fail before anything is bound, as bind() itself would.
  if (n > 1) throw_errno(EOPNOTSUPP, "bind " + addr.to_string() + ": reuse_port");
#endif
  if (n > 1) {
    if (options.exclusive && addr.port() != 0) refuse_if_taken(addr, opt);
    opt.reuse_port = true;
  }
  bound_sockets sockets(n);
  socket_address local;
  sockets.set(0, detail::bind_socket(addr, opt, local));
  // Port 0: the others join the port the system gave the first.
  const socket_address same = socket_address::ip(addr.host(), local.port());
  for (unsigned core = 1; core < n; ++core) {
    socket_address ignored;
    sockets.set(core, detail::bind_socket(same, opt, ignored));
  }
  if (options.on_listening) {
    // Whoever reads "listening on ..." may signal at once: the signals must wait for run_per_core
    // from now on (it blocks them too, for the case without a callback).
    if (cores.stop_on_signal) coronet::detail::block_stop_signals();
    options.on_listening(local);
  }
  return run_per_core(cores, [&](unsigned core) { return serve_core(sockets, serve, core); });
}

int serve_per_core(const endpoint& ep, std::function<task<>(stream, unsigned core)> on_connection,
                   const per_core_server_options& options) {
  return listen_per_core(
      ep,
      [&](listener& l, unsigned core) {
        return serve(
            l, [&on_connection, core](stream s) { return on_connection(std::move(s), core); },
            options.serving);
      },
      options);
}

}  // namespace coronet::tcp
