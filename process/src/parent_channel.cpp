#include "coronet/process/parent_channel.hpp"

#include <fcntl.h>
#include <sys/stat.h>

#include <cerrno>
#include <charconv>
#include <cstdlib>
#include <string>
#include <string_view>

#include "channel_variables.hpp"
#include "coronet/error.hpp"

namespace coronet::process {

std::optional<channel> parent_channel() {
  const std::optional<detail::channel_variables> v = detail::take_channel_variables();
  if (!v) return std::nullopt;
  const int fd = v->fd;
  const std::string& what = v->what;
  const int flags = ::fcntl(fd, F_GETFD);
  if (flags < 0) throw_errno(errno, what);
  // Programs this one starts must not inherit the channel (libuv leaves it inheritable).
  if (::fcntl(fd, F_SETFD, flags | FD_CLOEXEC) != 0) throw_errno(errno, what);

  // A stale variable (inherited through a program that did not take it out) may name a
  // descriptor that is something else entirely: refuse it rather than write messages into it.
  struct stat st;
  if (::fstat(fd, &st) != 0) throw_errno(errno, what);
  if (S_ISSOCK(st.st_mode)) return channel(stream(fd, socket_address()));
  // A pipe (which some launchers use instead of a socketpair): read(2)/write(2) work on it too.
  if (S_ISFIFO(st.st_mode)) return channel(stream::from_pipe(fd, "parent channel"));
  throw_errno(ENOTSOCK, what);
}

}  // namespace coronet::process
