#include "handshake.hpp"

#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string_view>

#include "harness.hpp"

namespace wsload {
namespace {

// Every connection sends RFC 6455's sample key (section 1.3) and so expects its sample answer:
// the server's computation is checked without a SHA-1 here. Servers do not remember keys.
constexpr std::string_view sample_key = "dGhlIHNhbXBsZSBub25jZQ==";
constexpr std::string_view sample_accept = "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=";

constexpr int handshake_timeout_sec = 5;

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// The value of header `name` in the response head, or nullptr-like empty with found = false.
bool header_value(std::string_view head, std::string_view name, std::string_view& value) {
  std::size_t pos = head.find("\r\n");
  while (pos != std::string_view::npos && pos + 2 < head.size()) {
    std::size_t start = pos + 2;
    std::size_t end = head.find("\r\n", start);
    if (end == std::string_view::npos) end = head.size();
    std::string_view line = head.substr(start, end - start);
    std::size_t colon = line.find(':');
    if (colon != std::string_view::npos && iequals(trim(line.substr(0, colon)), name)) {
      value = trim(line.substr(colon + 1));
      return true;
    }
    pos = end;
  }
  return false;
}

// Reads the server's Sec-WebSocket-Extensions answer: permessage-deflate and its parameters.
bool parse_extensions(std::string_view value, deflate_terms& terms, std::string& error) {
  terms = {};
  if (value.empty()) return true;
  // One extension is all we offered: "permessage-deflate; p1; p2=v".
  std::size_t semi = value.find(';');
  if (trim(value.substr(0, semi)) != "permessage-deflate" ||
      value.find(',') != std::string_view::npos) {
    error = "unexpected Sec-WebSocket-Extensions: " + std::string(value);
    return false;
  }
  terms.on = true;
  while (semi != std::string_view::npos) {
    value.remove_prefix(semi + 1);
    semi = value.find(';');
    std::string_view param = trim(value.substr(0, semi));
    std::size_t eq = param.find('=');
    std::string_view name = trim(param.substr(0, eq));
    std::string_view arg = eq == std::string_view::npos ? "" : trim(param.substr(eq + 1));
    if (arg.size() >= 2 && arg.front() == '"' && arg.back() == '"')
      arg = arg.substr(1, arg.size() - 2);
    if (name == "server_no_context_takeover") {
      terms.server_no_context_takeover = true;
    } else if (name == "client_max_window_bits") {
      int bits = std::atoi(std::string(arg).c_str());
      if (bits < 8 || bits > 15) {
        error = "bad client_max_window_bits in the answer";
        return false;
      }
      terms.client_max_window_bits = std::max(bits, 9);  // raw deflate's smallest window
    } else if (name != "client_no_context_takeover" && name != "server_max_window_bits") {
      error = "unknown permessage-deflate parameter in the answer: " + std::string(name);
      return false;
    }
  }
  return true;
}

}  // namespace

server_address::server_address(const options& opt) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* res = nullptr;
  std::string port = std::to_string(opt.port);
  int rc = getaddrinfo(opt.host.c_str(), port.c_str(), &hints, &res);
  if (rc != 0 || res == nullptr) {
    std::fprintf(stderr, "%s: cannot resolve %s: %s\n", program_name, opt.host.c_str(),
                 gai_strerror(rc));
    std::exit(exit_failure);
  }
  std::memcpy(&addr_, res->ai_addr, res->ai_addrlen);
  addr_len_ = res->ai_addrlen;
  freeaddrinfo(res);
  host_header_ =
      (opt.host.find(':') != std::string::npos ? "[" + opt.host + "]" : opt.host) + ":" + port;
}

std::string server_address::describe() const {
  return host_header_;
}

bool server_address::open(const options& opt, opened& out, std::string& error) const {
  out = {};
  int fd = socket(addr_.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    error = std::string("socket: ") + std::strerror(errno);
    return false;
  }
  auto failed = [&](std::string why) {
    error = std::move(why);
    close(fd);
    return false;
  };
  timeval tv{};
  tv.tv_sec = handshake_timeout_sec;
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  if (connect(fd, reinterpret_cast<const sockaddr*>(&addr_), addr_len_) != 0)
    return failed(std::string("connect: ") + std::strerror(errno));

  std::string request = "GET " + opt.path + " HTTP/1.1\r\nHost: " + host_header_ +
                        "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: " +
                        std::string(sample_key) + "\r\nSec-WebSocket-Version: 13\r\n";
  if (opt.deflate)
    request +=
        "Sec-WebSocket-Extensions: permessage-deflate; client_no_context_takeover; "
        "client_max_window_bits\r\n";
  request += "\r\n";
  for (std::size_t sent = 0; sent < request.size();) {
    ssize_t n = send(fd, request.data() + sent, request.size() - sent, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return failed(std::string("send: ") + std::strerror(errno));
    sent += static_cast<std::size_t>(n);
  }

  std::string buf;
  std::size_t head_end;
  for (;;) {
    head_end = buf.find("\r\n\r\n");
    if (head_end != std::string::npos) break;
    if (buf.size() > 16384) return failed("response head longer than 16 KiB");
    char chunk[4096];
    ssize_t n = recv(fd, chunk, sizeof chunk, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0)
      return failed(std::string("reading the handshake response: ") + std::strerror(errno));
    if (n == 0) return failed("connection closed during the handshake");
    buf.append(chunk, static_cast<std::size_t>(n));
  }
  std::string_view head(buf.data(), head_end + 2);  // each header line ends in \r\n
  std::string_view status = head.substr(0, head.find("\r\n"));
  if (status.substr(0, 13) != "HTTP/1.1 101 ")
    return failed("handshake answered '" + std::string(status) + "', not 101");
  std::string_view accept;
  if (!header_value(head, "Sec-WebSocket-Accept", accept) || accept != sample_accept)
    return failed("missing or wrong Sec-WebSocket-Accept");
  std::string_view extensions;
  if (header_value(head, "Sec-WebSocket-Extensions", extensions)) {
    std::string why;
    if (!parse_extensions(extensions, out.deflate, why)) return failed(why);
    if (out.deflate.on && !opt.deflate) return failed("server answered an extension not offered");
  }
  out.leftover = buf.substr(head_end + 4);

  int flags = fcntl(fd, F_GETFL);
  if (flags < 0 || fcntl(fd, F_SETFL, flags | O_NONBLOCK) != 0)
    return failed(std::string("fcntl: ") + std::strerror(errno));
  out.fd = fd;
  return true;
}

void raise_fd_limit(int connections) {
  rlimit lim{};
  if (getrlimit(RLIMIT_NOFILE, &lim) != 0) return;
  rlim_t want = static_cast<rlim_t>(connections) + 64;
  if (lim.rlim_cur >= want) return;
  lim.rlim_cur = std::min(want, lim.rlim_max);
  setrlimit(RLIMIT_NOFILE, &lim);
}

}  // namespace wsload
