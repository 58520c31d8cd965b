// What TCP and Unix listeners share: a listening socket whose accept() survives its clients.
#pragma once

#include <sys/types.h>  // dev_t, ino_t (mingw has them too)

#include <string>
#include <string_view>

#include "coronet/detail/io_handle.hpp"
#include "coronet/socket_address.hpp"
#include "coronet/stream.hpp"
#include "coronet/task.hpp"

namespace coronet::detail {

class socket_listener {
 public:
  socket_listener() noexcept = default;
  // Adopt `fd`, bound and listening, on the current scheduler.
  socket_listener(native_handle_type fd, socket_address local);
  socket_listener(socket_listener&& o) noexcept;
  socket_listener& operator=(socket_listener&& o) noexcept;
  ~socket_listener() { close(); }

  // The next connection. Transient failures (the client gave up, EMFILE/ENFILE: out of
  // descriptors) are retried, the latter with a back-off from 10 ms up to 1 s, so that a server
  // under descriptor pressure keeps serving once descriptors are free again. Cancel safe: a
  // cancelled accept leaves the connection in the backlog for the next accept.
  task<stream> accept();

  // Stop listening: pending accepts end with operation_canceled. A Unix listener also removes
  // its socket file (if it is still the one it created).
  void close() noexcept;
  bool is_open() const noexcept { return handle_.fd >= 0; }
  const socket_address& local_address() const noexcept { return local_; }
  // For a socket other processes accept on too (listen_options::accept_one_at_a_time); call it
  // before the first accept().
  void set_accept_one_at_a_time(bool on) noexcept { handle_.accept_one_at_a_time = on; }
  native_handle_type native_handle() const noexcept { return handle_.fd; }

  // Unix listeners: the file to remove at close, identified by device and inode so that a file
  // someone else put there since is left alone.
  void own_path(std::string path, dev_t dev, ino_t ino) {
    path_ = std::move(path);
    dev_ = dev;
    ino_ = ino;
  }
  void disown_path() noexcept { path_.clear(); }

 private:
  io_handle handle_;
  io_backend* backend_ = nullptr;
  socket_address local_;
  std::string path_;
  dev_t dev_ = 0;
  ino_t ino_ = 0;
};

// Open a socket, connect it to `addr` and return the stream; errors read
// "connect 127.0.0.1:8888: Connection refused".
task<stream> connect_to(socket_address addr);

// For the listeners' from_native(): the local address of `fd` when it is a listening socket of
// an IP family (`unix_family` false) or AF_UNIX (true). Otherwise closes `fd` and throws
// std::system_error (ENOTSOCK, EINVAL) saying `what`.
socket_address listening_address(native_handle_type fd, bool unix_family, std::string_view what);

}  // namespace coronet::detail
