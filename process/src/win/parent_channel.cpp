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

#include "coronet/detail/native.hpp"
#include "coronet/error.hpp"

namespace coronet::process {

std::optional<channel> parent_channel() {
  const char* fd_var = std::getenv("NODE_CHANNEL_FD");
  if (!fd_var) return std::nullopt;
  const std::string fd_text = fd_var;
  const char* mode_var = std::getenv("NODE_CHANNEL_SERIALIZATION_MODE");
  const std::string mode = mode_var ? mode_var : "json";
  // Taken out before anything can fail, so that a program started from here never inherits a
  // channel variable naming a descriptor it does not have. Both copies of the environment: the
  // C runtime's (getenv) and the process's (which spawn() passes on).
  for (const auto* name : {L"NODE_CHANNEL_FD", L"NODE_CHANNEL_SERIALIZATION_MODE"}) {
    ::_wputenv_s(name, L"");
    ::SetEnvironmentVariableW(name, nullptr);
  }

  const std::string what = "parent channel NODE_CHANNEL_FD=" + fd_text;
  int fd = -1;
  const auto [end, ec] = std::from_chars(fd_text.data(), fd_text.data() + fd_text.size(), fd);
  if (ec != std::errc() || end != fd_text.data() + fd_text.size() || fd < 0)
    throw_errno(EINVAL, what);
  if (mode != "json")
    throw_error(std::make_error_code(std::errc::protocol_not_supported),
                what + ": serialization '" + mode + "' (coronet speaks 'json')");

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
