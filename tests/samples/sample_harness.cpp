#include "sample_harness.hpp"

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <filesystem>
#include <stdexcept>
#include <system_error>

namespace sample_test {

std::string sample_path(std::string_view name) {
  return std::string(CORONET_SAMPLES_DIR) + "/" + std::string(name);
}

std::string node_script(std::string_view name) {
  return std::string(CORONET_SOURCE_DIR) + "/tests/samples/node/" + std::string(name);
}

std::optional<std::string> find_node() {
  const char* path = std::getenv("PATH");
  std::string_view dirs = path ? path : "";
  while (!dirs.empty()) {
    const auto colon = dirs.find(':');
    std::string dir(dirs.substr(0, colon));
    dirs = colon == std::string_view::npos ? std::string_view() : dirs.substr(colon + 1);
    const std::string candidate = (dir.empty() ? std::string(".") : dir) + "/node";
    if (::access(candidate.c_str(), X_OK) == 0) return candidate;
  }
  return std::nullopt;
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

refusing_port::refusing_port() : fd_(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) {
  if (fd_ < 0) throw std::system_error(errno, std::generic_category(), "socket");
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  if (::bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 ||
      ::getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len) != 0) {
    const int err = errno;
    ::close(fd_);
    throw std::system_error(err, std::generic_category(), "bind 127.0.0.1:0");
  }
  port_ = ntohs(a.sin_port);
}

refusing_port::~refusing_port() {
  ::close(fd_);
}

}  // namespace sample_test
