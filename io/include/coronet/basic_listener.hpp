// basic_listener: what every socket listener offers (tcp::listener, unix::listener): accept the
// next connection, close, the local address. The listening socket and its backend live in io's
// own sources; a listener is a handle to them.
//
//   coronet::tcp::listener server = coronet::tcp::listener::bind({"0.0.0.0", 8888});
//   coronet::stream s = co_await server.accept();
//
// Cancel safety: accept() is safe. A cancelled accept leaves the connection in the backlog for
// the next accept (on io_uring an accept that wins the race with its cancellation is returned,
// and one whose coroutine is destroyed is closed).
#pragma once

#include <memory>

#include "coronet/native_handle.hpp"
#include "coronet/socket_address.hpp"
#include "coronet/stream.hpp"
#include "coronet/task.hpp"

namespace coronet {

namespace detail {
class socket_listener;
}

class basic_listener {
 public:
  basic_listener() noexcept;
  basic_listener(basic_listener&& o) noexcept;
  basic_listener& operator=(basic_listener&& o) noexcept;
  ~basic_listener();  // closes

  // The next connection. Transient failures (the client gave up, EMFILE/ENFILE: out of
  // descriptors) are retried, the latter with a back-off from 10 ms up to 1 s, so that a server
  // under descriptor pressure keeps serving once descriptors are free again.
  task<stream> accept();

  // Stop listening: pending accepts end with operation_canceled, new clients are refused. A Unix
  // listener also removes its socket file (if it is still the one it created).
  void close() noexcept;
  bool is_open() const noexcept;
  // Empty for a listener that was never bound.
  const socket_address& local_address() const noexcept;
  // For a socket other processes accept on too (listen_options::accept_one_at_a_time): one
  // connection per accept(). Call it before the first accept().
  void set_accept_one_at_a_time(bool on) noexcept;
  native_handle_type native_handle() const noexcept;

 protected:
  // Adopt `fd`, bound and listening, on the current scheduler (io's sources make listeners).
  basic_listener(native_handle_type fd, socket_address local);
  detail::socket_listener& impl() const noexcept { return *impl_; }

 private:
  std::unique_ptr<detail::socket_listener> impl_;
};

}  // namespace coronet
