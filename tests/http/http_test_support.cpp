#include "http_test_support.hpp"

#ifdef _WIN32
#include <winsock2.h>
#include <ws2tcpip.h>
#else
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>
#endif

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <system_error>

#include "coronet/detail/native.hpp"  // from_windows_error, last_socket_error

namespace coronet::http_test {
namespace {

bool iequal(std::string_view a, std::string_view b) {
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

bool is_token_char(char c) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
  return std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

std::string show(std::string_view bytes) {
  std::string out;
  for (char c : bytes.substr(0, 600)) {
    if (c == '\r') {
      out += "\\r";
    } else if (c == '\n') {
      out += "\\n";
    } else if (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) >= 0x7f) {
      char hex[8];
      std::snprintf(hex, sizeof hex, "\\x%02x", static_cast<unsigned char>(c));
      out += hex;
    } else {
      out += c;
    }
  }
  if (bytes.size() > 600) out += "...";
  return out;
}

[[noreturn]] void malformed(const std::string& why, std::string_view bytes) {
  throw bad_response("malformed response (" + why + "): \"" + show(bytes) + "\"");
}

// Splits `head` (without its final CRLF CRLF) into lines, refusing a bare CR or LF.
std::vector<std::string_view> lines_of(std::string_view head) {
  std::vector<std::string_view> lines;
  std::string_view rest = head;
  for (;;) {
    const auto eol = rest.find("\r\n");
    const std::string_view line = rest.substr(0, eol);
    if (line.find_first_of("\r\n") != std::string_view::npos) malformed("bare CR or LF", head);
    lines.push_back(line);
    if (eol == std::string_view::npos) break;
    rest.remove_prefix(eol + 2);
  }
  return lines;
}

std::optional<std::uint64_t> parse_number(std::string_view s, int base) {
  if (s.empty()) return std::nullopt;
  std::uint64_t n = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), n, base);
  if (ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
  return n;
}

}  // namespace

// --- raw_response ------------------------------------------------------------------------------

std::optional<std::string> raw_response::header(std::string_view name) const {
  for (const auto& [n, v] : headers)
    if (iequal(n, name)) return v;
  return std::nullopt;
}

std::size_t raw_response::count(std::string_view name) const {
  return static_cast<std::size_t>(std::count_if(
      headers.begin(), headers.end(), [&](const auto& h) { return iequal(h.first, name); }));
}

bool raw_response::says_close() const {
  const auto v = header("Connection");
  return v && iequal(*v, "close");
}

bool raw_response::says_keep_alive() const {
  const auto v = header("Connection");
  return v && iequal(*v, "keep-alive");
}

std::optional<raw_response> parse_response(std::string& buffer, bool head_request, bool eof) {
  const auto head_end = buffer.find("\r\n\r\n");
  if (head_end == std::string::npos) {
    if (eof && !buffer.empty()) malformed("closed in the middle of the head", buffer);
    return std::nullopt;
  }
  raw_response r;
  r.head = buffer.substr(0, head_end + 4);
  const auto lines = lines_of(std::string_view(buffer).substr(0, head_end));

  // Status line: HTTP-version SP 3DIGIT SP reason.
  const std::string_view status_line = lines.front();
  if (status_line.size() < 12 || !status_line.starts_with("HTTP/1.") || status_line[8] != ' ' ||
      (status_line.size() > 12 && status_line[12] != ' '))
    malformed("status line", r.head);
  r.version = std::string(status_line.substr(0, 8));
  const auto code = parse_number(status_line.substr(9, 3), 10);
  if (!code || *code < 100 || *code > 999) malformed("status code", r.head);
  r.status = static_cast<int>(*code);
  if (status_line.size() > 13) r.reason = std::string(status_line.substr(13));

  for (std::size_t i = 1; i < lines.size(); ++i) {
    const std::string_view line = lines[i];
    const auto colon = line.find(':');
    if (colon == std::string_view::npos || colon == 0) malformed("header line", r.head);
    const std::string_view name = line.substr(0, colon);
    if (!std::all_of(name.begin(), name.end(), is_token_char)) malformed("header name", r.head);
    r.headers.emplace_back(std::string(name), std::string(trim(line.substr(colon + 1))));
  }

  std::size_t at = head_end + 4;
  const bool no_body = head_request || r.status < 200 || r.status == 204 || r.status == 304;
  if (!no_body) {
    if (r.count("Transfer-Encoding") > 0) {
      if (r.count("Transfer-Encoding") != 1 || !iequal(*r.header("Transfer-Encoding"), "chunked"))
        malformed("transfer coding", r.head);
      if (r.has("Content-Length")) malformed("both Content-Length and chunked", r.head);
      r.chunked = true;
      for (;;) {
        const auto eol = buffer.find("\r\n", at);
        if (eol == std::string::npos) {
          if (eof) malformed("closed in a chunk size line", buffer);
          return std::nullopt;
        }
        const auto size = parse_number(std::string_view(buffer).substr(at, eol - at), 16);
        if (!size) malformed("chunk size", std::string_view(buffer).substr(at));
        at = eol + 2;
        if (*size == 0) {
          // No trailers from coronet: the empty line follows at once.
          if (buffer.size() < at + 2) {
            if (eof) malformed("closed before the end of a chunked body", buffer);
            return std::nullopt;
          }
          if (buffer.compare(at, 2, "\r\n") != 0) malformed("after the last chunk", buffer);
          at += 2;
          break;
        }
        if (buffer.size() < at + *size + 2) {
          if (eof) malformed("closed in a chunk", buffer);
          return std::nullopt;
        }
        r.body.append(buffer, at, *size);
        r.chunk_sizes.push_back(*size);
        at += *size;
        if (buffer.compare(at, 2, "\r\n") != 0) malformed("chunk not followed by CRLF", buffer);
        at += 2;
      }
    } else if (r.count("Content-Length") > 0) {
      if (r.count("Content-Length") != 1) malformed("several Content-Length lines", r.head);
      const auto length = parse_number(*r.header("Content-Length"), 10);
      if (!length) malformed("Content-Length", r.head);
      if (buffer.size() < at + *length) {
        if (eof)
          malformed("closed after " + std::to_string(buffer.size() - at) + " of " +
                        std::to_string(*length) + " body bytes",
                    r.head);
        return std::nullopt;
      }
      r.body = buffer.substr(at, *length);
      at += *length;
    } else {
      if (!eof) return std::nullopt;
      r.until_close = true;
      r.body = buffer.substr(at);
      at = buffer.size();
    }
  }
  buffer.erase(0, at);
  return r;
}

// --- raw_client --------------------------------------------------------------------------------

namespace {

#ifdef _WIN32
// The raw client may run before anything in coronet has started Winsock.
struct winsock_init {
  winsock_init() {
    WSADATA wsa;
    ::WSAStartup(MAKEWORD(2, 2), &wsa);
  }
  ~winsock_init() { ::WSACleanup(); }
};

// The last socket error as an errno value (what coronet reports on Windows too).
int last_socket_error() {
  return coronet::detail::from_windows_error(static_cast<unsigned long>(::WSAGetLastError()));
}
void close_socket(coronet::native_handle_type s) {
  ::closesocket(static_cast<SOCKET>(s));
}
int poll_socket(pollfd* p, int timeout_ms) {
  return ::WSAPoll(p, 1, timeout_ms);
}
long send_some(coronet::native_handle_type s, std::string_view bytes) {
  return ::send(static_cast<SOCKET>(s), bytes.data(), static_cast<int>(bytes.size()), 0);
}
long recv_some(coronet::native_handle_type s, char* buf, std::size_t n) {
  return ::recv(static_cast<SOCKET>(s), buf, static_cast<int>(n), 0);
}
constexpr int shut_wr = SD_SEND;
#else
int last_socket_error() {
  return errno;
}
void close_socket(int s) {
  ::close(s);
}
int poll_socket(pollfd* p, int timeout_ms) {
  return ::poll(p, 1, timeout_ms);
}
long send_some(int s, std::string_view bytes) {
  return ::send(s, bytes.data(), bytes.size(), MSG_NOSIGNAL);
}
long recv_some(int s, char* buf, std::size_t n) {
  return ::recv(s, buf, n, 0);
}
constexpr int shut_wr = SHUT_WR;
#endif

}  // namespace

raw_client::raw_client(std::uint16_t port) {
#ifdef _WIN32
  static winsock_init winsock;
  const SOCKET s = ::socket(AF_INET, SOCK_STREAM, IPPROTO_TCP);
  fd_ = s == INVALID_SOCKET ? -1 : static_cast<coronet::native_handle_type>(s);
#else
  fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
#endif
  if (fd_ < 0) throw std::system_error(last_socket_error(), std::generic_category(), "socket");
  const int one = 1;
  // Each send() goes out as it is: the tests that split requests mean the splits.
  ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, reinterpret_cast<const char*>(&one), sizeof one);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd_, reinterpret_cast<const sockaddr*>(&a), sizeof a) != 0) {
    const int e = last_socket_error();
    close_socket(fd_);
    throw std::system_error(e, std::generic_category(),
                            "connect 127.0.0.1:" + std::to_string(port));
  }
}

raw_client::~raw_client() {
  if (fd_ >= 0) close_socket(fd_);
}

void raw_client::send(std::string_view bytes) {
  while (!bytes.empty()) {
    const long n = send_some(fd_, bytes);
    if (n < 0) {
      const int e = last_socket_error();
      if (e == EINTR) continue;
      throw std::system_error(e, std::generic_category(), "send");
    }
    bytes.remove_prefix(static_cast<std::size_t>(n));
  }
}

bool raw_client::try_send(std::string_view bytes) noexcept {
  while (!bytes.empty()) {
    const long n = send_some(fd_, bytes);
    if (n < 0) {
      if (last_socket_error() == EINTR) continue;
      return false;
    }
    bytes.remove_prefix(static_cast<std::size_t>(n));
  }
  return true;
}

void raw_client::shutdown_write() {
  ::shutdown(fd_, shut_wr);
}

bool raw_client::fill(std::chrono::steady_clock::time_point deadline, const char* waiting_for) {
  if (eof_) return false;
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0)
      throw std::runtime_error(std::string("raw_client: timed out waiting for ") + waiting_for +
                               "; received so far: \"" + show(in_) + "\"");
    pollfd p{static_cast<decltype(pollfd::fd)>(fd_), POLLIN, 0};
    const int ready = poll_socket(&p, static_cast<int>(left.count()));
    if (ready < 0) {
      const int e = last_socket_error();
      if (e != EINTR) throw std::system_error(e, std::generic_category(), "poll");
    }
    if (ready <= 0) continue;
    char buf[64 * 1024];
    const long n = recv_some(fd_, buf, sizeof buf);
    if (n > 0) {
      in_.append(buf, static_cast<std::size_t>(n));
      return true;
    }
    if (n == 0) {
      eof_ = true;
      return false;
    }
    const int e = last_socket_error();
    if (e == EINTR || e == EAGAIN) continue;
    if (e == ECONNRESET || e == ECONNABORTED) {
      eof_ = reset_ = true;
      return false;
    }
    throw std::system_error(e, std::generic_category(), "recv");
  }
}

raw_response raw_client::read_response(bool head_request, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    if (auto r = parse_response(in_, head_request, eof_)) return std::move(*r);
    if (eof_)
      throw bad_response(std::string("the server ") + (reset_ ? "reset" : "closed") +
                         " the connection before a response; received: \"" + show(in_) + "\"");
    fill(deadline, "a response");
  }
}

std::string raw_client::read_to_eof(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (fill(deadline, "the end of the connection")) {
  }
  return std::exchange(in_, {});
}

bool raw_client::closed_within(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  try {
    while (fill(deadline, "the end of the connection")) {
    }
  } catch (const std::runtime_error&) {
    if (!eof_) return false;
    throw;
  }
  return true;
}

bool raw_client::readable_within(std::chrono::milliseconds timeout) {
  if (!in_.empty() || eof_) return true;
  pollfd p{static_cast<decltype(pollfd::fd)>(fd_), POLLIN, 0};
  const int ready = poll_socket(&p, static_cast<int>(timeout.count()));
  return ready > 0;
}

// --- requests ----------------------------------------------------------------------------------

std::string get(std::string_view target, std::string_view extra) {
  std::string r = "GET ";
  r.append(target).append(" HTTP/1.1\r\nHost: test\r\n").append(extra).append("\r\n");
  return r;
}

std::string post(std::string_view target, std::string_view body, std::string_view extra) {
  std::string r = "POST ";
  r.append(target).append(" HTTP/1.1\r\nHost: test\r\nContent-Length: ");
  r.append(std::to_string(body.size())).append("\r\n").append(extra).append("\r\n");
  r.append(body);
  return r;
}

std::string chunked(std::string_view body, std::size_t piece) {
  std::string out;
  while (!body.empty()) {
    const std::string_view c = body.substr(0, piece);
    char size[32];
    std::snprintf(size, sizeof size, "%zx\r\n", c.size());
    out.append(size).append(c).append("\r\n");
    body.remove_prefix(c.size());
  }
  out.append("0\r\n\r\n");
  return out;
}

raw_response fetch(std::uint16_t port, std::string_view request_bytes, bool head_request) {
  raw_client c(port);
  c.send(request_bytes);
  return c.read_response(head_request);
}

void expect_rejected(std::string_view bad, int status) {
  recorder<std::string> targets;
  server_thread srv([&targets](http::request& req) -> task<http::response> {
    targets.add(req.target);
    co_return http::response(200, "served " + req.target);
  });
  raw_client c(srv.port());
  // The client may still be writing when the server answers and closes its side: the lingering
  // close reads what it sends, so the write completes and the answer is not reset away.
  std::string bytes(bad);
  bytes.append("GET /smuggled HTTP/1.1\r\nHost: test\r\n\r\n");
  c.send(bytes);
  const raw_response r = c.read_response();
  EXPECT_EQ(r.status, status) << r.head << r.body;
  EXPECT_EQ(r.reason, http::reason_phrase(status));
  EXPECT_TRUE(r.says_close()) << r.head;
  EXPECT_EQ(r.header("Content-Type"), "text/plain");
  // Nothing more: no answer to /smuggled, then the close.
  EXPECT_EQ(c.read_to_eof(), "");
  EXPECT_TRUE(c.eof());
  EXPECT_FALSE(c.reset()) << "the lingering close should end in FIN, not RST";
  for (const auto& t : targets.all()) EXPECT_NE(t, "/smuggled");
}

std::string text(std::size_t n, std::uint32_t seed) {
  static constexpr std::string_view alphabet =
      "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
  std::string s(n, ' ');
  std::uint32_t x = seed * 2654435761u + 1;
  for (auto& c : s) {
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    c = alphabet[x % alphabet.size()];
  }
  return s;
}

// --- notification ------------------------------------------------------------------------------

void notification::notify() {
  {
    std::lock_guard lock(m_);
    set_ = true;
  }
  cv_.notify_all();
}

bool notification::wait(std::chrono::milliseconds timeout) {
  std::unique_lock lock(m_);
  return cv_.wait_for(lock, timeout, [this] { return set_; });
}

bool notification::notified() const {
  std::lock_guard lock(m_);
  return set_;
}

// --- server_thread -----------------------------------------------------------------------------

server_thread::server_thread(http::server::handler h, http::server_options o) {
  start(std::make_unique<http::server>(std::move(h), std::move(o)));
}

server_thread::server_thread(http::server::stream_handler h, http::server_options o) {
  start(std::make_unique<http::server>(std::move(h), std::move(o)));
}

#ifdef CORONET_HAS_TLS
server_thread::server_thread(http::server::handler h, http::server_options o, tls::context tls)
    : tls_(std::move(tls)) {
  start(std::make_unique<http::server>(std::move(h), std::move(o)));
}

server_thread::server_thread(http::server::stream_handler h, http::server_options o,
                             tls::context tls)
    : tls_(std::move(tls)) {
  start(std::make_unique<http::server>(std::move(h), std::move(o)));
}
#endif

task<> server_thread::serve(tcp::listener& l) {
#ifdef CORONET_HAS_TLS
  if (tls_) return server_->serve(l, *tls_);
#endif
  return server_->serve(l);
}

void server_thread::start(std::unique_ptr<http::server> srv) {
  server_ = std::move(srv);
  std::promise<void> ready;
  auto started = ready.get_future();
  thread_ = std::thread([this, ready = std::move(ready)]() mutable {
    bool published = false;
    try {
      run([&]() -> task<> {
        auto l = tcp::listener::bind({"127.0.0.1", 0});
        test::event quit;
        quit_ = &quit;
        port_ = l.port();
        remote_ = scheduler::current().remote();
        published = true;
        ready.set_value();
        std::exception_ptr error;
        try {
          co_await with_stop_token(serve_stop_.get_token(), serve(l));
        } catch (...) {
          error = std::current_exception();
        }
        {
          std::lock_guard lock(m_);
          stopped_ = true;
          serve_error_ = error;
        }
        cv_.notify_all();
        co_await quit.wait();
        quit_ = nullptr;
      });
    } catch (...) {
      if (!published) ready.set_exception(std::current_exception());
    }
  });
  try {
    started.get();
  } catch (...) {
    thread_.join();
    throw;
  }
}

server_thread::~server_thread() {
  if (!stopped()) {
    cancel();
    if (!wait_stopped(io_timeout * 2)) {
      std::fprintf(stderr, "server_thread: serve() did not end after cancellation; aborting\n");
      std::abort();
    }
  }
  remote_.post([this] {
    if (quit_) quit_->set();
  });
  thread_.join();
}

void server_thread::close() {
  call([this] { server_->close(); });
}

void server_thread::cancel() {
  remote_.post([this] { serve_stop_.request_stop(); });
}

bool server_thread::wait_stopped(std::chrono::milliseconds timeout) {
  std::unique_lock lock(m_);
  return cv_.wait_for(lock, timeout, [this] { return stopped_; });
}

bool server_thread::stopped() const {
  std::lock_guard lock(m_);
  return stopped_;
}

std::exception_ptr server_thread::serve_error() const {
  std::lock_guard lock(m_);
  return serve_error_;
}

std::size_t server_thread::connection_count() {
  return call([this] { return server_->connection_count(); });
}

}  // namespace coronet::http_test
