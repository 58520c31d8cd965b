#include "process_test_support.hpp"

#include "wine.hpp"

#ifdef _WIN32
#include <windows.h>
#else
#include <sys/socket.h>
#endif

#include <array>
#include <atomic>
#include <cstdlib>
#include <stdexcept>

namespace process_test {

std::string helper() {
  return PROCESS_TEST_CHILD;
}

std::string node_file(std::string_view name) {
  return std::string(PROCESS_TEST_NODE_DIR) + "/" + std::string(name);
}

#ifdef _WIN32
void set_env(const std::string& name, const std::string& value) {
  ::_putenv_s(name.c_str(), value.c_str());
  ::SetEnvironmentVariableA(name.c_str(), value.c_str());
}

void unset_env(const std::string& name) {
  ::_putenv_s(name.c_str(), "");
  ::SetEnvironmentVariableA(name.c_str(), nullptr);
}

std::string without_system_variables(const std::string& lines) {
  const bool wine = coronet::test::running_under_wine();
  std::string kept;
  std::string_view rest = lines;
  while (!rest.empty()) {
    const auto nl = rest.find('\n');
    const std::string_view line =
        rest.substr(0, nl == std::string_view::npos ? rest.size() : nl + 1);
    rest.remove_prefix(line.size());
    if ((wine && line.starts_with("WINE")) || line.starts_with("SystemDrive=") ||
        line.starts_with("SystemRoot="))
      continue;
    kept += line;
  }
  return kept;
}

std::pair<coronet::stream, coronet::stream> stream_pair() {
  // Both ends overlapped, for the IOCP backend; one instance, so nobody else gets in between.
  static std::atomic<int> counter{0};
  const std::string name = "\\\\.\\pipe\\coronet-test-" + std::to_string(::GetCurrentProcessId()) +
                           "-" + std::to_string(++counter);
  HANDLE server = ::CreateNamedPipeA(
      name.c_str(), PIPE_ACCESS_DUPLEX | FILE_FLAG_OVERLAPPED | FILE_FLAG_FIRST_PIPE_INSTANCE,
      PIPE_TYPE_BYTE | PIPE_READMODE_BYTE | PIPE_WAIT | PIPE_REJECT_REMOTE_CLIENTS, 1, 65536, 65536,
      0, nullptr);
  if (server == INVALID_HANDLE_VALUE) throw std::runtime_error("CreateNamedPipe");
  HANDLE client = ::CreateFileA(name.c_str(), GENERIC_READ | GENERIC_WRITE, 0, nullptr,
                                OPEN_EXISTING, FILE_FLAG_OVERLAPPED, nullptr);
  if (client == INVALID_HANDLE_VALUE) {
    ::CloseHandle(server);
    throw std::runtime_error("CreateFile");
  }
  return {coronet::stream::from_pipe(reinterpret_cast<coronet::native_handle_type>(server), "a"),
          coronet::stream::from_pipe(reinterpret_cast<coronet::native_handle_type>(client), "b")};
}
#else
std::string without_system_variables(const std::string& lines) {
  return lines;
}

void set_env(const std::string& name, const std::string& value) {
  ::setenv(name.c_str(), value.c_str(), 1);
}

void unset_env(const std::string& name) {
  ::unsetenv(name.c_str());
}

std::pair<coronet::stream, coronet::stream> stream_pair() {
  int sv[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0)
    throw std::runtime_error("socketpair");
  return {coronet::stream(sv[0], {}), coronet::stream(sv[1], {})};
}
#endif

coronet::process::options piped_out() {
  coronet::process::options o;
  o.out = coronet::process::stdio::pipe;
  return o;
}

coronet::task<std::string> read_all(coronet::stream& s) {
  std::string all;
  std::array<char, 4096> buf;
  while (std::size_t n = co_await s.read_some(buf)) all.append(buf.data(), n);
  co_return all;
}

}  // namespace process_test
