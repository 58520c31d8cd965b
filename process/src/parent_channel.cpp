#include "coronet/process/parent_channel.hpp"

#include <fcntl.h>
#include <sys/stat.h>

#include <cerrno>
#include <charconv>
#include <cstdlib>
#include <string>
#include <string_view>

#include "coronet/error.hpp"

namespace coronet::process {

std::optional<channel> parent_channel() {
  const char* fd_var = std::getenv("NODE_CHANNEL_FD");
  if (!fd_var) return std::nullopt;
  const std::string fd_text = fd_var;
  const char* mode_var = std::getenv("NODE_CHANNEL_SERIALIZATION_MODE");
  const std::string mode = mode_var ? mode_var : "json";
  // Taken out before anything can fail, so that a program started from here never inherits a
  // channel variable naming a descriptor it does not have.
  ::unsetenv("NODE_CHANNEL_FD");
  ::unsetenv("NODE_CHANNEL_SERIALIZATION_MODE");

  const std::string what = "parent channel NODE_CHANNEL_FD=" + fd_text;
  int fd = -1;
  const auto [end, ec] = std::from_chars(fd_text.data(), fd_text.data() + fd_text.size(), fd);
  if (ec != std::errc() || end != fd_text.data() + fd_text.size() || fd < 0)
    throw_errno(EINVAL, what);
  if (mode != "json")
    throw_error(std::make_error_code(std::errc::protocol_not_supported),
                what + ": serialization '" + mode + "' (coronet speaks 'json')");
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
