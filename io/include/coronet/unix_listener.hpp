// unix::listener: accepts connections on a Unix domain socket, a filesystem path or a Linux
// abstract name ("@name", which leaves no file behind).
//
//   auto server = coronet::unix::listener::bind("/tmp/unix.sock");
//   for (;;) coronet::spawn(echo(co_await server.accept()));
//
// bind() refuses to clobber: a path where a live server answers, or any file that is not a
// socket, fails with "bind /tmp/unix.sock: Address already in use". A stale socket file (nobody
// accepts on it any more) is replaced. close() removes the file it created. A socket still
// listening for a server that was just killed (io_uring: until the kernel has torn its ring down)
// is waited for, up to listen_options::bind_retry, and replaced once it no longer listens.
//
// Who may connect: connecting needs write permission on the socket file. By default the file
// gets 0777 less the process's umask (what bind(2) does, and Node). listen_options::mode sets
// it explicitly (Node's readableAll and writableAll add 0444 and 0222 to the umask's mode once
// listening; here the bits are the ones asked, from the start):
//
//   auto server = coronet::unix::listener::bind("/run/app.sock", {.mode = 0600});  // owner only
//
// Abstract names (Linux): "@name", or "\0name" as Node writes it, is a socket in the network
// namespace's abstract space: no file, so no permissions either (any process of the namespace
// may connect: check the peer's credentials, SO_PEERCRED, where that matters), nothing to
// clean up. path() gives "@name". A mode with an abstract name is refused (invalid_argument).
#pragma once

#ifdef _WIN32
#error \
    "coronet::unix (Unix domain sockets) is POSIX only; on Windows use coronet::local or coronet::pipe (named pipes)"
#endif

#include <chrono>
#include <optional>
#include <string_view>

#include "coronet/basic_listener.hpp"

// GNU dialects (-std=gnu++20) predefine `unix` as 1, which would turn this namespace into a
// syntax error; the macro carries no information __unix__ does not.
#ifdef unix
#undef unix
#endif

namespace coronet::unix {

struct listen_options {
  int backlog = 511;
  // The socket file's permission bits (e.g. 0600, 0660), exactly, whatever the umask. Never
  // wider for a moment: the socket has them before bind creates the file (Linux), and they are
  // completed after bind only where the umask took some away. Empty: 0777 less the umask.
  // ({}: options that leave it out, {.bind_retry = 0ms}, then need no initializer for it under
  // -Wmissing-field-initializers.)
  std::optional<unsigned> mode{};
  // As tcp::listen_options::accept_one_at_a_time: for a socket other processes accept on too.
  bool accept_one_at_a_time = false;
  // How long bind() waits for a socket at the path to stop listening before it fails with
  // "Address already in use" (0: at once), as tcp::listen_options::bind_retry: a server killed
  // and restarted at once finds its old socket listening for a few milliseconds more. A live
  // server's socket is never replaced: it still listens when the time is up.
  std::chrono::milliseconds bind_retry{1000};
};

class listener : public basic_listener {
 public:
  listener() noexcept = default;
  static listener bind(std::string_view path, const listen_options& opt = {});
  // Adopt `fd`, a Unix socket that is already bound and listening, on the current scheduler.
  // Ownership passes to the listener, also when this throws: EINVAL (or ENOTSOCK) when `fd` is
  // not a listening Unix socket. Its close() leaves the socket file alone: whoever bound it owns
  // the path.
  static listener from_native(native_handle_type fd);

  // The path (or "@name") it listens on.
  std::string path() const { return local_address().path(); }
  // Give up the socket file: close() then leaves it in place. For a listener handed to another
  // process, which goes on listening on it (process::channel::send does this).
  void release_path() noexcept;

 private:
  using basic_listener::basic_listener;
};

}  // namespace coronet::unix
