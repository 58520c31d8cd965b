// parent_channel() on Windows: descriptor 3 of this process's C runtime, which the parent set up
// through STARTUPINFOW.lpReserved2 (see crt_fds.hpp), holds the child's end of the channel pipe.
// The handle is copied out of the runtime (a non-inheritable duplicate, so that programs this
// one starts do not get it) and the descriptor closed.
//
// The parent must have opened that end for overlapped I/O, as coronet's fork() does: the stream
// goes through this process's IOCP backend. Node's fork() on Windows speaks libuv's framed pipe
// protocol, not JSON lines, so a Node parent cannot be this channel's peer on Windows.
#include "coronet/process/parent_channel.hpp"

#include <io.h>
#include <windows.h>

#include <cerrno>
#include <charconv>
#include <cstdlib>
#include <string>

#include "../channel_variables.hpp"
#include "coronet/detail/native.hpp"
#include "coronet/error.hpp"

namespace coronet::process {

std::optional<channel> parent_channel() {
  const std::optional<detail::channel_variables> v = detail::take_channel_variables();
  if (!v) return std::nullopt;
  const int fd = v->fd;
  const std::string& what = v->what;

  const intptr_t os = ::_get_osfhandle(fd);
  if (os == -1 || os == -2) throw_errno(EBADF, what);  // -2: a standard stream with no handle
  const HANDLE h = reinterpret_cast<HANDLE>(os);
  // A stale variable (inherited through a program that did not take it out) may name a
  // descriptor that is something else entirely: refuse it rather than write messages into it.
  if (::GetFileType(h) != FILE_TYPE_PIPE) throw_errno(ENOTSOCK, what);
  HANDLE copy = nullptr;
  if (!::DuplicateHandle(::GetCurrentProcess(), h, ::GetCurrentProcess(), &copy, 0, FALSE,
                         DUPLICATE_SAME_ACCESS))
    throw_errno(coronet::detail::from_windows_error(::GetLastError()), what);
  ::_close(fd);
  return channel(stream::from_pipe(reinterpret_cast<native_handle_type>(copy), "parent channel"));
}

}  // namespace coronet::process
