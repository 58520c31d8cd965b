#include "child_pipe.hpp"

#include <atomic>
#include <random>

#include "coronet/detail/native.hpp"
#include "coronet/error.hpp"

namespace coronet::process::detail {
namespace {

constexpr DWORD buffer_size = 64 * 1024;

// \\.\pipe\coronet-<pid>-<n>-<random>: the counter keeps this process's names apart, the random
// part makes the name hard to guess for another process that would connect first (the one
// instance and PIPE_REJECT_REMOTE_CLIENTS do the rest: a stranger that got in makes our own
// CreateFileW fail, and spawn with it).
std::wstring unique_name() {
  static std::atomic<unsigned long> counter{0};
  std::random_device rd;
  return L"\\\\.\\pipe\\coronet-" + std::to_wstring(::GetCurrentProcessId()) + L"-" +
         std::to_wstring(++counter) + L"-" + std::to_wstring(rd()) + std::to_wstring(rd());
}

[[noreturn]] void fail(const std::string& program, std::string_view call) {
  throw_errno(coronet::detail::from_windows_error(::GetLastError()),
              "spawn " + program + ": " + std::string(call));
}

}  // namespace

child_pipe make_child_pipe(pipe_direction d, bool child_overlapped, const std::string& program) {
  DWORD server_access = PIPE_ACCESS_DUPLEX;
  DWORD client_access = GENERIC_READ | GENERIC_WRITE;
  if (d == pipe_direction::to_child) {
    server_access = PIPE_ACCESS_OUTBOUND;
    // Reading needs only GENERIC_READ; FILE_WRITE_ATTRIBUTES lets the child's runtime change
    // the pipe's mode (SetNamedPipeHandleState), as libuv's child ends allow.
    client_access = GENERIC_READ | FILE_WRITE_ATTRIBUTES;
  } else if (d == pipe_direction::from_child) {
    server_access = PIPE_ACCESS_INBOUND;
    client_access = GENERIC_WRITE | FILE_READ_ATTRIBUTES;
  }

  child_pipe p;
  std::wstring name;
  for (int attempt = 0;; ++attempt) {
    name = unique_name();
    HANDLE h = ::CreateNamedPipeW(
        name.c_str(), server_access | FILE_FLAG_OVERLAPPED | FILE_FLAG_FIRST_PIPE_INSTANCE,
        PIPE_TYPE_BYTE | PIPE_READMODE_BYTE | PIPE_WAIT | PIPE_REJECT_REMOTE_CLIENTS, 1,
        buffer_size, buffer_size, 0, nullptr);
    if (h != INVALID_HANDLE_VALUE) {
      p.parent.reset(h);
      break;
    }
    // Access denied: the name is taken (FILE_FLAG_FIRST_PIPE_INSTANCE). Another random part.
    if (::GetLastError() != ERROR_ACCESS_DENIED || attempt == 3) fail(program, "CreateNamedPipeW");
  }

  SECURITY_ATTRIBUTES inheritable{sizeof(SECURITY_ATTRIBUTES), nullptr, TRUE};
  HANDLE c = ::CreateFileW(name.c_str(), client_access, 0, &inheritable, OPEN_EXISTING,
                           child_overlapped ? FILE_FLAG_OVERLAPPED : 0, nullptr);
  if (c == INVALID_HANDLE_VALUE) fail(program, "CreateFileW (pipe)");
  p.child.reset(c);
  // The client is connected from CreateFileW on: the server end can read and write without a
  // ConnectNamedPipe (which would only report ERROR_PIPE_CONNECTED).
  return p;
}

}  // namespace coronet::process::detail
