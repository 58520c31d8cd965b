#include "client_test_support.hpp"

#ifdef _WIN32
#include <winsock2.h>
#include <ws2tcpip.h>
#else
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>
#endif

#include <charconv>
#include <exception>
#include <utility>

namespace coronet::http_client_test {

recording_listener::recording_listener(std::string_view host)
    : inner_(tcp::listener::bind(tcp::endpoint{std::string(host), 0})) {}

task<stream> recording_listener::accept() {
  stream s = co_await inner_.accept();
  ports_.push_back(s.remote_address().port());
  co_return s;
}

std::string served::url(std::string_view target) const {
  const std::string host = host_.find(':') == std::string::npos ? host_ : "[" + host_ + "]";
  return scheme_ + "://" + host + ":" + std::to_string(port()) + std::string(target);
}

std::string local_url(std::uint16_t port, std::string_view target) {
  return "http://127.0.0.1:" + std::to_string(port) + std::string(target);
}

namespace {

// The test body, then a graceful close of the server whichever way the body ended.
task<> body_then_close(http::server& srv, std::function<task<>(served&)> body, served& s) {
  std::exception_ptr error;
  try {
    co_await body(s);
  } catch (...) {
    error = std::current_exception();
  }
  srv.close();
  if (error) std::rethrow_exception(error);
}

task<> serve_beside(http::server& srv, std::function<task<>(served&)> body, std::string host) {
  recording_listener l(host);
  served s(srv, l, host);
  co_await when_all(srv.serve(l), body_then_close(srv, std::move(body), s));
}

#ifdef CORONET_HAS_TLS
task<> serve_beside_tls(http::server& srv, tls::context ctx, std::function<task<>(served&)> body) {
  recording_listener l;
  served s(srv, l, "127.0.0.1", "https");
  co_await when_all(srv.serve(l, std::move(ctx)), body_then_close(srv, std::move(body), s));
}
#endif

}  // namespace

void in_loop(std::function<task<>()> body) {
  coronet::run([&]() -> task<> { co_await with_timeout(loop_deadline, body()); });
}

void with_server(http::server::handler h, std::function<task<>(served&)> body,
                 http::server_options o, std::string host) {
  http::server srv(std::move(h), std::move(o));
  in_loop([&]() { return serve_beside(srv, std::move(body), host); });
}

void with_server(http::server::stream_handler h, std::function<task<>(served&)> body,
                 http::server_options o) {
  http::server srv(std::move(h), std::move(o));
  in_loop([&]() { return serve_beside(srv, std::move(body), "127.0.0.1"); });
}

#ifdef CORONET_HAS_TLS
void with_https_server(http::server::handler h, tls::context ctx,
                       std::function<task<>(served&)> body, http::server_options o) {
  http::server srv(std::move(h), std::move(o));
  in_loop([&]() { return serve_beside_tls(srv, std::move(ctx), std::move(body)); });
}
#endif

std::string raw_request::header(std::string_view name) const {
  std::size_t at = head.find("\r\n");
  while (at != std::string::npos && at + 2 < head.size()) {
    const std::size_t end = head.find("\r\n", at + 2);
    if (end == std::string::npos) break;
    const std::string_view line = std::string_view(head).substr(at + 2, end - at - 2);
    const std::size_t colon = line.find(':');
    if (colon != std::string_view::npos && http::iequals(line.substr(0, colon), name)) {
      std::string_view value = line.substr(colon + 1);
      while (!value.empty() && (value.front() == ' ' || value.front() == '\t'))
        value.remove_prefix(1);
      return std::string(value);
    }
    at = end;
  }
  return {};
}

namespace {

// Reads into `pending` until it holds `delimiter`; false at end of stream first.
task<bool> read_until(stream& s, std::string& pending, std::string_view delimiter) {
  char buf[4096];
  while (pending.find(delimiter) == std::string::npos) {
    const std::size_t n = co_await s.read_some(std::span<char>(buf));
    if (n == 0) co_return false;
    pending.append(buf, n);
  }
  co_return true;
}

task<bool> read_at_least(stream& s, std::string& pending, std::size_t size) {
  char buf[4096];
  while (pending.size() < size) {
    const std::size_t n = co_await s.read_some(std::span<char>(buf));
    if (n == 0) co_return false;
    pending.append(buf, n);
  }
  co_return true;
}

}  // namespace

task<std::optional<raw_request>> read_request(stream& s, std::string& pending) {
  const bool got_head = co_await read_until(s, pending, "\r\n\r\n");
  if (!got_head) co_return std::nullopt;
  raw_request r;
  const std::size_t head_end = pending.find("\r\n\r\n") + 4;
  r.head = pending.substr(0, head_end);
  pending.erase(0, head_end);
  const std::string length = r.header("Content-Length");
  if (!length.empty()) {
    const std::size_t n = std::stoul(length);
    const bool got_body = co_await read_at_least(s, pending, n);
    if (!got_body) co_return std::nullopt;
    r.body = pending.substr(0, n);
    pending.erase(0, n);
  } else if (http::iequals(r.header("Transfer-Encoding"), "chunked")) {
    for (;;) {
      const bool got_size = co_await read_until(s, pending, "\r\n");
      if (!got_size) co_return std::nullopt;
      std::size_t size = 0;
      const std::size_t line_end = pending.find("\r\n");
      std::from_chars(pending.data(), pending.data() + line_end, size, 16);
      pending.erase(0, line_end + 2);
      const bool got_chunk = co_await read_at_least(s, pending, size + 2);
      if (!got_chunk) co_return std::nullopt;
      r.body.append(pending, 0, size);
      pending.erase(0, size + 2);  // the chunk and its CRLF (after the last chunk: no trailers)
      if (size == 0) break;
    }
  }
  co_return r;
}

task<stream> answer_once(tcp::listener& l, std::string reply, raw_request* seen, bool keep_open) {
  stream s = co_await l.accept();
  std::string pending;
  std::optional<raw_request> r = co_await read_request(s, pending);
  if (!r) throw std::runtime_error("answer_once: the client closed before a whole request");
  if (seen) *seen = *r;
  co_await s.write_all(reply);
  if (!keep_open) s.close();
  co_return s;
}

bool have_ipv6_loopback() {
  sockaddr_in6 a{};
  a.sin6_family = AF_INET6;
  a.sin6_addr = in6addr_loopback;
#ifdef _WIN32
  // This may run before anything in coronet has started Winsock.
  WSADATA wsa;
  if (::WSAStartup(MAKEWORD(2, 2), &wsa) != 0) return false;
  const SOCKET fd = ::socket(AF_INET6, SOCK_STREAM, IPPROTO_TCP);
  bool ok = false;
  if (fd != INVALID_SOCKET) {
    ok = ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
    ::closesocket(fd);
  }
  ::WSACleanup();
  return ok;
#else
  const int fd = ::socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  const bool ok = ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
  ::close(fd);
  return ok;
#endif
}

std::string pattern(std::size_t n) {
  std::string s;
  s.reserve(n);
  std::uint32_t x = 2463534242u;
  for (std::size_t i = 0; i < n; ++i) {
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    s.push_back(static_cast<char>('!' + x % 94));
  }
  return s;
}

}  // namespace coronet::http_client_test
