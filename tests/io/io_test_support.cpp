#include "io_test_support.hpp"

#ifdef _WIN32
#include <windows.h>
#else
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>
#endif

#include <cerrno>
#include <cstdlib>
#include <filesystem>

namespace coronet::test {

task<> echo(stream s) {
  std::vector<std::byte> buf(64 * 1024);
  while (std::size_t n = co_await s.read_some(buf)) co_await s.write_all(std::span(buf).first(n));
}

task<> serve_echo(basic_listener& l, std::size_t n) {
  task_group sessions;
  for (std::size_t i = 0; i < n; ++i) {
    stream s = co_await l.accept();
    sessions.spawn(echo(std::move(s)));
  }
  co_await sessions.join();
}

task<> serve_echo_forever(basic_listener& l) {
  task_group sessions;
  std::exception_ptr stopped;
  try {
    for (;;) {
      stream s = co_await l.accept();
      sessions.spawn(echo(std::move(s)));
    }
  } catch (...) {
    stopped = std::current_exception();
  }
  sessions.cancel();
  co_await sessions.join();
  std::rethrow_exception(stopped);
}

namespace {
task<> write_then_shutdown(stream& s, std::span<const std::byte> data) {
  co_await s.write_all(data);
  s.shutdown();
}
}  // namespace

task<std::vector<std::byte>> read_to_end(stream& s) {
  std::vector<std::byte> out;
  std::vector<std::byte> buf(64 * 1024);
  while (std::size_t n = co_await s.read_some(buf))
    out.insert(out.end(), buf.begin(), buf.begin() + n);
  co_return out;
}

task<std::vector<std::byte>> round_trip(stream& s, std::span<const std::byte> data) {
  auto r = co_await when_all(write_then_shutdown(s, data), read_to_end(s));
  co_return std::move(std::get<1>(r));
}

#ifdef _WIN32

namespace {
[[noreturn]] void throw_wsa(const char* what) {
  throw std::system_error(WSAGetLastError(), std::system_category(), what);
}
}  // namespace

raw_pair::raw_pair() {
  // Before any coronet call nothing may have started Winsock yet: balanced by WSACleanup below.
  WSADATA wsa;
  if (::WSAStartup(MAKEWORD(2, 2), &wsa) != 0) throw_wsa("WSAStartup");
  SOCKET l = ::socket(AF_INET, SOCK_STREAM, IPPROTO_TCP);
  if (l == INVALID_SOCKET) throw_wsa("socket");
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  int len = sizeof a;
  SOCKET c = INVALID_SOCKET;
  SOCKET s = INVALID_SOCKET;
  if (::bind(l, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 || ::listen(l, 1) != 0 ||
      ::getsockname(l, reinterpret_cast<sockaddr*>(&a), &len) != 0) {
    ::closesocket(l);
    throw_wsa("listen");
  }
  c = ::socket(AF_INET, SOCK_STREAM, IPPROTO_TCP);
  if (c == INVALID_SOCKET || ::connect(c, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 ||
      (s = ::accept(l, nullptr, nullptr)) == INVALID_SOCKET) {
    const int e = WSAGetLastError();
    if (c != INVALID_SOCKET) ::closesocket(c);
    ::closesocket(l);
    throw std::system_error(e, std::system_category(), "loopback pair");
  }
  ::closesocket(l);
  fds[0] = static_cast<native_handle_type>(c);
  fds[1] = static_cast<native_handle_type>(s);
}

raw_pair::~raw_pair() {
  for (native_handle_type fd : fds)
    if (fd >= 0) ::closesocket(static_cast<SOCKET>(fd));
  ::WSACleanup();
}

long raw_send(native_handle_type fd, const void* data, std::size_t n) {
  return ::send(static_cast<SOCKET>(fd), static_cast<const char*>(data), static_cast<int>(n), 0);
}

long raw_recv(native_handle_type fd, void* data, std::size_t n) {
  return ::recv(static_cast<SOCKET>(fd), static_cast<char*>(data), static_cast<int>(n), 0);
}

long raw_recv_one_after_wait(native_handle_type fd, int timeout_ms) {
  WSAPOLLFD pfd{static_cast<SOCKET>(fd), POLLRDNORM, 0};
  if (::WSAPoll(&pfd, 1, timeout_ms) != 1) return -1;
  char c;
  return ::recv(static_cast<SOCKET>(fd), &c, 1, 0);
}

int socket_option(native_handle_type fd, int level, int name) {
  int v = 0;
  int n = sizeof v;
  if (::getsockopt(static_cast<SOCKET>(fd), level, name, reinterpret_cast<char*>(&v), &n) != 0)
    throw_wsa("getsockopt");
  return v;
}

scoped_env::scoped_env(const char* name, std::optional<std::string> value) : name_(name) {
  if (const char* old = std::getenv(name)) old_ = old;
  ::_putenv_s(name, value ? value->c_str() : "");
}

scoped_env::~scoped_env() {
  ::_putenv_s(name_.c_str(), old_ ? old_->c_str() : "");
}

#else  // POSIX

raw_pair::raw_pair() {
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) != 0)
    throw std::system_error(errno, std::system_category(), "socketpair");
}

raw_pair::~raw_pair() {
  for (int fd : fds)
    if (fd >= 0) ::close(fd);
}

long raw_send(native_handle_type fd, const void* data, std::size_t n) {
  return ::send(fd, data, n, MSG_NOSIGNAL);
}

long raw_recv(native_handle_type fd, void* data, std::size_t n) {
  return ::recv(fd, data, n, 0);
}

long raw_recv_one_after_wait(native_handle_type fd, int timeout_ms) {
  pollfd pfd{fd, POLLIN, 0};
  if (::poll(&pfd, 1, timeout_ms) != 1) return -1;
  char c;
  return ::recv(fd, &c, 1, MSG_DONTWAIT);
}

nofile_limit::nofile_limit() {
  if (::getrlimit(RLIMIT_NOFILE, &saved_) != 0)
    throw std::system_error(errno, std::system_category(), "getrlimit");
}

nofile_limit::~nofile_limit() {
  ::setrlimit(RLIMIT_NOFILE, &saved_);
}

bool nofile_limit::ensure_at_least(rlim_t n) {
  rlimit cur{};
  ::getrlimit(RLIMIT_NOFILE, &cur);
  if (cur.rlim_cur >= n) return true;
  if (cur.rlim_max != RLIM_INFINITY && cur.rlim_max < n) return false;
  set_soft(n);
  return true;
}

void nofile_limit::set_soft(rlim_t n) {
  rlimit r = saved_;
  r.rlim_cur = n;
  if (::setrlimit(RLIMIT_NOFILE, &r) != 0)
    throw std::system_error(errno, std::system_category(), "setrlimit");
}

scoped_env::scoped_env(const char* name, std::optional<std::string> value) : name_(name) {
  if (const char* old = std::getenv(name)) old_ = old;
  if (value)
    ::setenv(name, value->c_str(), 1);
  else
    ::unsetenv(name);
}

scoped_env::~scoped_env() {
  if (old_)
    ::setenv(name_.c_str(), old_->c_str(), 1);
  else
    ::unsetenv(name_.c_str());
}

int highest_open_fd() {
  int highest = -1;
  for (const auto& e : std::filesystem::directory_iterator("/proc/self/fd")) {
    const int fd = std::atoi(e.path().filename().c_str());
    if (fd > highest) highest = fd;
  }
  return highest;
}

int socket_option(native_handle_type fd, int level, int name) {
  int v = 0;
  socklen_t n = sizeof v;
  if (::getsockopt(fd, level, name, &v, &n) != 0)
    throw std::system_error(errno, std::system_category(), "getsockopt");
  return v;
}

#endif  // _WIN32

}  // namespace coronet::test
