#include <fcntl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>

#include "bind_retry.hpp"
#include "coronet/detail/socket_listener.hpp"
#include "coronet/error.hpp"
#include "coronet/unix_connect.hpp"
#include "coronet/unix_listener.hpp"

namespace coronet::unix {
namespace {

// Whether the kernel lists a listening socket bound to `path` (/proc/net/unix: flag
// __SO_ACCEPTCON, 0x10000). Asking costs the live server nothing, where a probe connection would
// show up as a client connecting and leaving at once.
bool listed_as_listening(const std::string& path) {
  // Read with O_CLOEXEC, not std::ifstream (fopen without "e"): another thread's fork+exec must
  // not inherit even this short-lived descriptor.
  std::string table;
  if (const int fd = ::open("/proc/net/unix", O_RDONLY | O_CLOEXEC); fd >= 0) {
    char chunk[16384];
    ssize_t n;
    while ((n = ::read(fd, chunk, sizeof chunk)) > 0 || (n < 0 && errno == EINTR))
      if (n > 0) table.append(chunk, std::size_t(n));
    ::close(fd);
  }
  std::istringstream in(table);
  std::string line;
  std::getline(in, line);  // header
  std::error_code ec;
  const std::string absolute = std::filesystem::absolute(path, ec).string();
  while (std::getline(in, line)) {
    std::istringstream fields(line);
    std::string num, refs, proto, flags, type, state, inode, bound;
    if (!(fields >> num >> refs >> proto >> flags >> type >> state >> inode >> bound)) continue;
    if ((bound == path || bound == absolute) && (std::stoul(flags, nullptr, 16) & 0x10000))
      return true;
  }
  return false;
}

// Whether a server accepts on `addr`: a refused connection means the file is a leftover.
bool someone_listens(const socket_address& addr) {
  if (listed_as_listening(addr.path())) return true;
  // Bound under another spelling of the path (relative to another directory): ask directly.
  // Non-blocking: a live server with a full backlog answers EAGAIN instead of blocking us.
  const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0) return true;  // cannot tell: assume live, never delete what may be in use
  const int r = ::connect(fd, addr.native(), addr.size());
  const int err = errno;
  ::close(fd);
  return r == 0 || err != ECONNREFUSED;
}

// One try at binding `fd` to `addr`: 0, or the error. A socket file nobody listens on is a
// leftover, replaced. `listening` is set when the address is in use by a socket that listens, or
// may (an abstract name, which is never replaced; a file replaced under us).
int bind_or_replace_stale(int fd, const socket_address& addr, bool abstract, bool& listening) {
  if (::bind(fd, addr.native(), addr.size()) == 0) return 0;
  if (const int err = errno; err != EADDRINUSE) return err;
  listening = true;
  if (abstract) return EADDRINUSE;
  struct stat st {};
  const std::string p = addr.path();
  if (::lstat(p.c_str(), &st) != 0) return EADDRINUSE;  // gone since: try again
  if (!S_ISSOCK(st.st_mode)) {
    listening = false;  // a file of another kind: never clobbered, and waiting will not help
    return EADDRINUSE;
  }
  if (someone_listens(addr)) return EADDRINUSE;
  ::unlink(p.c_str());
  const int err = ::bind(fd, addr.native(), addr.size()) == 0 ? 0 : errno;
  // EADDRINUSE: another server bound the path between our unlink and bind; the next try asks
  // about it.
  listening = err == EADDRINUSE;
  return err;
}

}  // namespace

listener listener::bind(std::string_view path, const listen_options& opt) {
  const socket_address addr = socket_address::unix_path(path);
  const std::string where = "bind " + addr.to_string();
  const bool abstract = path.front() == '@' || path.front() == '\0';
  if (opt.mode && abstract)
    throw std::invalid_argument(where + ": an abstract socket has no file, so no mode");
  if (opt.mode && (*opt.mode & ~07777u) != 0)
    throw std::invalid_argument(where + ": mode " + std::to_string(*opt.mode) +
                                " has bits beyond 07777");
  const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    const int err = errno;  // before building the message, which may change it
    throw_errno(err, where + ": socket");
  }
  // The mode, without a moment where the file is more open than asked. Linux creates the file
  // with the socket's own mode less the umask, so the socket gets the mode first; the umask can
  // then only take bits away, and fchmodat below gives them back. A umask set around bind would
  // also work, but the umask is the process's: another thread creating a file meanwhile would
  // get ours. (BSDs and macOS ignore the socket's mode: there the file has 0777 less the umask
  // until fchmodat, and only a restrictive umask keeps that moment narrow.)
  if (opt.mode && ::fchmod(fd, static_cast<mode_t>(*opt.mode)) != 0) {
    const int err = errno;
    ::close(fd);
    throw_errno(err, where + ": fchmod");
  }
  // A socket that still listens at the path may be a killed server's on its way out
  // (bind_retry.hpp): asked again until opt.bind_retry has passed. A live server's listens all
  // along, so it is never replaced; anything else in the way fails at once.
  int err = 0;
  coronet::detail::retry_while_in_use(opt.bind_retry, [&] {
    bool listening = false;
    err = bind_or_replace_stale(fd, addr, abstract, listening);
    return !listening;
  });
  if (err == 0 && ::listen(fd, opt.backlog) != 0) err = errno;
  if (err != 0) {
    ::close(fd);
    throw_errno(err, where);
  }
  listener l(fd, addr);
  l.set_accept_one_at_a_time(opt.accept_one_at_a_time);
  if (!abstract) {
    struct stat st {};
    const std::string p(path);
    if (::lstat(p.c_str(), &st) == 0) l.impl().own_path(p, st.st_dev, st.st_ino);
    // Exactly the mode asked, bits the umask removed included. AT_SYMLINK_NOFOLLOW: should the
    // path have been swapped for a symbolic link since bind, its target is left alone (and the
    // bind fails, with the listener's close removing nothing that is not its own).
    if (opt.mode &&
        ::fchmodat(AT_FDCWD, p.c_str(), static_cast<mode_t>(*opt.mode), AT_SYMLINK_NOFOLLOW) != 0) {
      const int err = errno;
      throw_errno(err, where + ": chmod");
    }
  }
  return l;
}

listener listener::from_native(native_handle_type fd) {
  socket_address local = detail::listening_address(fd, true, "unix::listener::from_native");
  return listener(fd, std::move(local));
}

void listener::release_path() noexcept {
  if (is_open()) impl().disown_path();
}

task<stream> connect(std::string_view path) {
  return detail::connect_to(socket_address::unix_path(path));
}

}  // namespace coronet::unix
