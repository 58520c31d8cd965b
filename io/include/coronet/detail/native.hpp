// What differs between POSIX and Windows at the bottom of io/: the socket headers, the type of a
// native handle, closing one, and reading the last socket error as an errno value.
//
// The handle type itself is in coronet/native_handle.hpp, which needs no system header.
//
// Errors: coronet reports errno values on every system (generic_category), so that one check
// (`e.code() == std::errc::connection_refused`) works everywhere. Windows error codes (WSA*,
// ERROR_*) are translated where they arise, see from_windows_error().
#pragma once

#ifdef _WIN32
#include <winsock2.h>
#include <ws2tcpip.h>
#else
#include <sys/socket.h>
#endif

#include <cstdint>

#include "coronet/native_handle.hpp"

namespace coronet {

namespace detail {

// close(2) / closesocket / CloseHandle, whichever `h` needs; errors are ignored (there is
// nothing to do about them and the handle is gone either way).
void close_native(native_handle_type h) noexcept;

// errno after a failed socket call (on Windows: WSAGetLastError() translated).
int last_socket_error() noexcept;

// A new stream socket of `family`, not inherited by child processes (SOCK_CLOEXEC; Windows:
// WSA_FLAG_NO_HANDLE_INHERIT, and overlapped for IOCP). invalid_native_handle on failure, with
// the error in last_socket_error().
native_handle_type open_stream_socket(int family) noexcept;

// Without waiting, what a read on socket `s` would find now: 1 for data, 0 for end of stream,
// -EAGAIN for nothing yet, -errno for an error (a reset). Consumes nothing.
int peek_socket(native_handle_type s) noexcept;

// setsockopt with an int value; false on failure, with the error in last_socket_error().
bool set_socket_option(native_handle_type s, int level, int name, int value) noexcept;

#ifdef _WIN32
// A Windows error code (GetLastError, WSAGetLastError, an IOCP completion status) as the errno
// value with the same meaning, or EIO when there is none.
int from_windows_error(unsigned long code) noexcept;
#endif

}  // namespace detail
}  // namespace coronet
