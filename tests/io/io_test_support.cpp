#include "io_test_support.hpp"

#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <filesystem>

namespace coronet::test {

std::vector<std::byte> pattern(std::size_t n, std::uint32_t seed) {
  std::vector<std::byte> v(n);
  std::uint32_t x = seed * 2654435761u + 1;
  for (auto& b : v) {
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    b = std::byte(x);
  }
  return v;
}

std::span<const std::byte> bytes(std::string_view s) {
  return std::as_bytes(std::span(s.data(), s.size()));
}

std::string to_string(std::span<const std::byte> b) {
  return std::string(reinterpret_cast<const char*>(b.data()), b.size());
}

task<> echo(stream s) {
  std::vector<std::byte> buf(64 * 1024);
  while (std::size_t n = co_await s.read_some(buf)) co_await s.write_all(std::span(buf).first(n));
}

task<> serve_echo(detail::socket_listener& l, std::size_t n) {
  task_group sessions;
  for (std::size_t i = 0; i < n; ++i) {
    stream s = co_await l.accept();
    sessions.spawn(echo(std::move(s)));
  }
  co_await sessions.join();
}

task<> serve_echo_forever(detail::socket_listener& l) {
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

raw_pair::raw_pair() {
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) != 0)
    throw std::system_error(errno, std::system_category(), "socketpair");
}

raw_pair::~raw_pair() {
  for (int fd : fds)
    if (fd >= 0) ::close(fd);
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

int socket_option(int fd, int level, int name) {
  int v = 0;
  socklen_t n = sizeof v;
  if (::getsockopt(fd, level, name, &v, &n) != 0)
    throw std::system_error(errno, std::system_category(), "getsockopt");
  return v;
}

}  // namespace coronet::test
