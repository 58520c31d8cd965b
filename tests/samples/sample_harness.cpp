#include "sample_harness.hpp"

#ifdef _WIN32
#include <winsock2.h>
#include <ws2tcpip.h>
#else
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>
#endif

#include <cerrno>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <stdexcept>
#include <system_error>

namespace sample_test {

std::string sample_path(std::string_view name) {
  return std::string(CORONET_SAMPLES_DIR) + "/" + std::string(name);
}

std::string node_script(std::string_view name) {
  return std::string(CORONET_SOURCE_DIR) + "/tests/samples/node/" + std::string(name);
}

std::optional<std::string> find_program(std::string_view name) {
#ifdef _WIN32
  constexpr char separator = ';';
  const std::string file = "/" + std::string(name) + ".exe";
#else
  constexpr char separator = ':';
  const std::string file = "/" + std::string(name);
#endif
  const char* path = std::getenv("PATH");
  std::string_view dirs = path ? path : "";
  while (!dirs.empty()) {
    const auto colon = dirs.find(separator);
    std::string dir(dirs.substr(0, colon));
    dirs = colon == std::string_view::npos ? std::string_view() : dirs.substr(colon + 1);
    const std::string candidate = (dir.empty() ? std::string(".") : dir) + file;
#ifdef _WIN32
    std::error_code ec;
    if (std::filesystem::is_regular_file(candidate, ec)) return candidate;
#else
    if (::access(candidate.c_str(), X_OK) == 0) return candidate;
#endif
  }
  return std::nullopt;
}

std::optional<std::string> find_node() {
  return find_program("node");
}

std::uint16_t listening_port(child_process& server, std::string_view address) {
  const std::string line = server.read_line().value_or("(end of output)");
  const std::string prefix = "listening on " + std::string(address) + ":";
  const int port = line.starts_with(prefix) ? std::atoi(line.c_str() + prefix.size()) : 0;
  if (port <= 0 || port > 65535 || line != prefix + std::to_string(port))
    throw std::runtime_error("expected '" + prefix + "PORT', got '" + line + "'");
  return std::uint16_t(port);
}

std::vector<std::string> client_lines(int count, std::string_view message) {
  std::vector<std::string> lines{"connected."};
  for (int i = 0; i < count; ++i) {
    lines.push_back("send: " + std::string(message));
    lines.push_back("receive: " + std::string(message));
  }
  return lines;
}

namespace {
std::vector<std::string> server_lines(std::string connected, std::string disconnected, int count,
                                      std::string_view message) {
  std::vector<std::string> lines{std::move(connected)};
  for (int i = 0; i < count; ++i) {
    lines.push_back("receive: " + std::string(message));
    lines.push_back("send: " + std::string(message));
  }
  lines.push_back(std::move(disconnected));
  return lines;
}
}  // namespace

std::vector<std::string> tcp_server_lines(int count, std::string_view message) {
  return server_lines("socket connected", "socket disconnected", count, message);
}

std::vector<std::string> pipe_server_lines(int count, std::string_view message) {
  return server_lines("socket connected.", "disconnected.", count, message);
}

run_result run_to_file(std::vector<std::string> argv) {
  temp_dir dir;
  const std::string out = dir.file("stdout");
  std::vector<std::string> sh{"/bin/sh", "-c", "exec \"$@\" > '" + out + "'", "sh"};
  sh.insert(sh.end(), argv.begin(), argv.end());
  child_process p(sh);
  run_result r;
  r.err = p.read_stderr();
  r.status = p.wait();
  std::ifstream in(out, std::ios::binary);
  r.out.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  return r;
}

#ifdef _WIN32
namespace {
// A refusing_port may come before anything in coronet has started Winsock.
struct winsock_init {
  winsock_init() {
    WSADATA wsa;
    ::WSAStartup(MAKEWORD(2, 2), &wsa);
  }
  ~winsock_init() { ::WSACleanup(); }
};
int last_socket_error() {
  static winsock_init winsock;
  return ::WSAGetLastError();
}
const std::error_category& socket_category() {
  return std::system_category();
}
std::intptr_t open_socket() {
  static winsock_init winsock;
  const SOCKET s = ::socket(AF_INET, SOCK_STREAM, IPPROTO_TCP);
  return s == INVALID_SOCKET ? -1 : static_cast<std::intptr_t>(s);
}
void close_socket(std::intptr_t s) {
  ::closesocket(static_cast<SOCKET>(s));
}
using address_length = int;
}  // namespace
#else
namespace {
int last_socket_error() {
  return errno;
}
const std::error_category& socket_category() {
  return std::generic_category();
}
int open_socket() {
  return ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
}
void close_socket(int s) {
  ::close(s);
}
using address_length = socklen_t;
}  // namespace
#endif

refusing_port::refusing_port() : fd_(open_socket()) {
  if (fd_ < 0) throw std::system_error(last_socket_error(), socket_category(), "socket");
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address_length len = sizeof a;
  if (::bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 ||
      ::getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len) != 0) {
    const int err = last_socket_error();
    close_socket(fd_);
    throw std::system_error(err, socket_category(), "bind 127.0.0.1:0");
  }
  port_ = ntohs(a.sin_port);
}

refusing_port::~refusing_port() {
  close_socket(fd_);
}

}  // namespace sample_test
