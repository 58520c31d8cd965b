#include "coronet/detail/native.hpp"

#include <cerrno>

#ifdef _WIN32
#include <windows.h>
#include <boost/system/error_code.hpp>
#else
#include <sys/socket.h>
#include <unistd.h>
#endif

namespace coronet::detail {

#ifdef _WIN32

void close_native(native_handle_type h) noexcept {
  if (h < 0) return;
  // A SOCKET must go through closesocket (it may hold a layered provider's state); anything
  // else is a kernel HANDLE.
  const auto s = static_cast<SOCKET>(h);
  int type = 0;
  int len = sizeof type;
  if (::getsockopt(s, SOL_SOCKET, SO_TYPE, reinterpret_cast<char*>(&type), &len) == 0)
    ::closesocket(s);
  else
    ::CloseHandle(reinterpret_cast<HANDLE>(h));
}

int last_socket_error() noexcept {
  return from_windows_error(static_cast<unsigned long>(::WSAGetLastError()));
}

native_handle_type open_stream_socket(int family) noexcept {
  const SOCKET s = ::WSASocketW(family, SOCK_STREAM, 0, nullptr, 0,
                                WSA_FLAG_OVERLAPPED | WSA_FLAG_NO_HANDLE_INHERIT);
  return s == INVALID_SOCKET ? invalid_native_handle : static_cast<native_handle_type>(s);
}

int peek_socket(native_handle_type s) noexcept {
  // Sockets under the IOCP stay in blocking mode (MSG_DONTWAIT does not exist there): ask
  // WSAPoll first, so that the peeking recv runs only when it cannot block.
  WSAPOLLFD p{static_cast<SOCKET>(s), POLLRDNORM, 0};
  const int n = ::WSAPoll(&p, 1, 0);
  if (n < 0) return -last_socket_error();
  if (n == 0) return -EAGAIN;
  char c;
  const int r = ::recv(static_cast<SOCKET>(s), &c, 1, MSG_PEEK);
  if (r < 0) return -last_socket_error();
  return r > 0 ? 1 : 0;
}

bool set_socket_option(native_handle_type s, int level, int name, int value) noexcept {
  return ::setsockopt(static_cast<SOCKET>(s), level, name, reinterpret_cast<const char*>(&value),
                      sizeof value) == 0;
}

int from_windows_error(unsigned long code) noexcept {
  switch (code) {
    case ERROR_SUCCESS:
      return EIO;
    // Cancelled I/O, whichever way it was cancelled.
    case ERROR_OPERATION_ABORTED:  // also WSA_OPERATION_ABORTED
    case WSAEINTR:
    case WSAECANCELLED:
      return ECANCELED;
    // A pipe whose other end is gone: for a write, what EPIPE is on POSIX.
    case ERROR_BROKEN_PIPE:
    case ERROR_NO_DATA:
    case ERROR_PIPE_NOT_CONNECTED:
      return EPIPE;
    case ERROR_PIPE_BUSY:
      return EBUSY;
    case ERROR_SEM_TIMEOUT:
      return ETIMEDOUT;
    // IOCP reports socket failures with the NTSTATUS-derived Win32 codes, not WSA ones.
    case ERROR_CONNECTION_REFUSED:
      return ECONNREFUSED;
    case ERROR_NETNAME_DELETED:
    case ERROR_CONNECTION_ABORTED:
      return ECONNRESET;
    case ERROR_NETWORK_UNREACHABLE:
      return ENETUNREACH;
    case ERROR_HOST_UNREACHABLE:
      return EHOSTUNREACH;
    case ERROR_PORT_UNREACHABLE:
      return ECONNREFUSED;
    case ERROR_ADDRESS_ALREADY_ASSOCIATED:
      return EADDRINUSE;
    case ERROR_INVALID_HANDLE:
      return EBADF;
    case ERROR_TOO_MANY_OPEN_FILES:
      return EMFILE;
    // A file that is not a program for this machine: "Exec format error", as exec(2) says.
    case ERROR_BAD_EXE_FORMAT:
    case ERROR_BAD_FORMAT:
    case ERROR_EXE_MACHINE_TYPE_MISMATCH:
      return ENOEXEC;
  }
  // Boost.System knows the rest of the WSA and Win32 codes that have a POSIX meaning.
  const boost::system::error_condition c =
      boost::system::error_code(static_cast<int>(code), boost::system::system_category())
          .default_error_condition();
  if (c.category() == boost::system::generic_category() && c.value() > 0) return c.value();
  return EIO;
}

#else

void close_native(native_handle_type h) noexcept {
  if (h >= 0) ::close(h);
}

int last_socket_error() noexcept {
  return errno;
}

native_handle_type open_stream_socket(int family) noexcept {
  return ::socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0);
}

int peek_socket(native_handle_type s) noexcept {
  char c;
  for (;;) {
    const ssize_t n = ::recv(s, &c, 1, MSG_PEEK | MSG_DONTWAIT);
    if (n >= 0) return n > 0 ? 1 : 0;
    if (errno == EINTR) continue;
    return errno == EWOULDBLOCK ? -EAGAIN : -errno;
  }
}

bool set_socket_option(native_handle_type s, int level, int name, int value) noexcept {
  return ::setsockopt(s, level, name, &value, sizeof value) == 0;
}

#endif

}  // namespace coronet::detail
