// listen_options::bind_retry: bind waits, for a bounded time, for an address still held by a
// socket that is about to go (a killed server's, which io_uring keeps for a few milliseconds
// after the process is gone; tests/samples/restart_test.cpp kills real servers). Here a plain
// socket of this process holds the address and a thread closes it while bind retries. A live
// server's address is never taken: bind fails once the bound has passed, and a Unix server's
// socket file stays.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <future>
#include <string>
#include <thread>

#include "coronet/core.hpp"
#include "coronet/io.hpp"
#include "io_test_support.hpp"
#include "temp_dir.hpp"

namespace coronet::test {
namespace {

using namespace std::chrono_literals;
using steady = std::chrono::steady_clock;

// Long enough never to run out in these tests, where the address is freed within milliseconds:
// reaching it means the retry did not see the address freed.
constexpr std::chrono::milliseconds patient{20'000};

// A listening socket nobody accepts on, bound to `addr`; -1 with a test failure if it cannot be.
int hold(const socket_address& addr) {
  const int fd = ::socket(addr.family(), SOCK_STREAM | SOCK_CLOEXEC, 0);
  EXPECT_GE(fd, 0);
  EXPECT_EQ(::bind(fd, addr.native(), addr.size()), 0) << addr.to_string();
  EXPECT_EQ(::listen(fd, 8), 0);
  return fd;
}

// Closes `fd` a little after `go` is ready (set just before bind is called), from another thread:
// the address is freed while the bind started at `go` is retrying, as a killed server's is when the
// kernel finishes it. (The delay orders nothing the test depends on: bind succeeds whenever the
// close comes within `patient`; without the retry bind fails at once, unless this thread ran ahead
// by the delay.)
std::jthread release_later(int fd, std::shared_future<void> go) {
  return std::jthread([fd, go] {
    go.wait();
    std::this_thread::sleep_for(30ms);
    ::close(fd);
  });
}

task<std::string> echo_through(basic_listener& l, task<stream> connecting) {
  auto r = co_await when_any(serve_echo_forever(l), [](task<stream> c) -> task<std::string> {
    stream s = co_await std::move(c);
    auto got = co_await round_trip(s, bytes("after the wait"));
    co_return to_string(got);
  }(std::move(connecting)));
  co_return std::get<1>(std::move(r));
}

std::uint16_t port_of(int fd) {
  sockaddr_in a{};
  socklen_t len = sizeof a;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  return ntohs(a.sin_port);
}

TEST(BindRetry, TcpPortFreedWhileBindRetriesIsBound) {
  const int held = hold(socket_address::ip("127.0.0.1", 0));
  const std::uint16_t port = port_of(held);
  std::promise<void> go;
  std::jthread releaser = release_later(held, go.get_future().share());
  go.set_value();
  const std::string got = run([&]() -> task<std::string> {
    auto l = tcp::listener::bind({"127.0.0.1", port}, {.bind_retry = patient});
    co_return co_await echo_through(l, tcp::connect("127.0.0.1", port));
  });
  releaser.join();
  EXPECT_EQ(got, "after the wait");
}

TEST(BindRetry, TcpPortOfALiveServerFailsOnceTheBoundHasPassed) {
  std::uint16_t port = 0;
  steady::duration waited{};
  auto r = run([&]() -> task<std::tuple<failure, std::string>> {
    auto live = tcp::listener::bind({"127.0.0.1", 0});
    port = live.port();
    const auto start = steady::now();
    failure f = co_await failure_of([](std::uint16_t port) -> task<> {
      auto second = tcp::listener::bind({"127.0.0.1", port}, {.bind_retry = 100ms});
      co_return;
    }(port));
    waited = steady::now() - start;
    std::string got = co_await echo_through(live, tcp::connect("127.0.0.1", port));
    co_return std::tuple{f, got};
  });
  const failure& f = std::get<0>(r);
  ASSERT_TRUE(f.thrown);
  EXPECT_EQ(f.code, std::errc::address_in_use) << f.what;
  EXPECT_EQ(f.what, "bind 127.0.0.1:" + std::to_string(port) + ": Address already in use");
  EXPECT_GE(waited, 100ms) << "tried again until the bound";
  EXPECT_EQ(std::get<1>(r), "after the wait") << "the live server still serves";
}

// 0 turns the retry off: the conflict is reported at once, not after the default bound (a
// single failed bind takes microseconds; the margin is for a loaded machine).
TEST(BindRetry, ZeroFailsAtOnce) {
  const int held = hold(socket_address::ip("127.0.0.1", 0));
  const std::uint16_t port = port_of(held);
  steady::duration waited{};
  const failure f = run([&]() -> task<failure> {
    const auto start = steady::now();
    failure f = co_await failure_of([](std::uint16_t port) -> task<> {
      auto l = tcp::listener::bind({"127.0.0.1", port}, {.bind_retry = 0ms});
      co_return;
    }(port));
    waited = steady::now() - start;
    co_return f;
  });
  ::close(held);
  EXPECT_EQ(f.code, std::errc::address_in_use) << f.what;
  EXPECT_LT(waited, tcp::listen_options{}.bind_retry * 3 / 4);
}

TEST(BindRetry, UnixSocketFreedWhileBindRetriesIsReplaced) {
  temp_dir dir;
  const std::string path = dir.file("dying.sock");
  const int held = hold(socket_address::unix_path(path));
  std::promise<void> go;
  std::jthread releaser = release_later(held, go.get_future().share());
  go.set_value();
  const std::string got = run([&]() -> task<std::string> {
    auto l = unix::listener::bind(path, {.bind_retry = patient});
    co_return co_await echo_through(l, unix::connect(path));
  });
  releaser.join();
  EXPECT_EQ(got, "after the wait");
}

TEST(BindRetry, UnixAbstractNameFreedWhileBindRetriesIsBound) {
  const std::string name = "@coronet-bind-retry-" + std::to_string(::getpid());
  const int held = hold(socket_address::unix_path(name));
  std::promise<void> go;
  std::jthread releaser = release_later(held, go.get_future().share());
  go.set_value();
  const std::string got = run([&]() -> task<std::string> {
    auto l = unix::listener::bind(name, {.bind_retry = patient});
    co_return co_await echo_through(l, unix::connect(name));
  });
  releaser.join();
  EXPECT_EQ(got, "after the wait");
}

// Asked again and again whether it is live, a live server is neither replaced nor sent a probe
// connection, and the second bind fails once the bound has passed.
TEST(BindRetry, UnixSocketOfALiveServerFailsOnceTheBoundHasPassedAndStays) {
  temp_dir dir;
  const std::string path = dir.file("live.sock");
  const int live = hold(socket_address::unix_path(path));
  struct stat before {};
  ASSERT_EQ(::lstat(path.c_str(), &before), 0);
  steady::duration waited{};
  const failure f = run([&]() -> task<failure> {
    const auto start = steady::now();
    failure f = co_await failure_of([](std::string path) -> task<> {
      auto second = unix::listener::bind(path, {.bind_retry = 100ms});
      co_return;
    }(path));
    waited = steady::now() - start;
    co_return f;
  });
  ASSERT_TRUE(f.thrown);
  EXPECT_EQ(f.code, std::errc::address_in_use) << f.what;
  EXPECT_EQ(f.what, "bind " + path + ": Address already in use");
  EXPECT_GE(waited, 100ms) << "tried again until the bound";
  struct stat after {};
  ASSERT_EQ(::lstat(path.c_str(), &after), 0) << "the live server's socket file is still there";
  EXPECT_EQ(after.st_ino, before.st_ino);
  EXPECT_TRUE(S_ISSOCK(after.st_mode));
  ::fcntl(live, F_SETFL, O_NONBLOCK);
  EXPECT_LT(::accept4(live, nullptr, nullptr, SOCK_CLOEXEC), 0);
  EXPECT_EQ(errno, EAGAIN) << "no probe connection reached the live server";
  ::close(live);
}

// Waiting cannot turn a file of another kind into a socket: that fails at once, whatever the
// bound (here far longer than the test may take).
TEST(BindRetry, UnixPathHeldByARegularFileFailsAtOnce) {
  temp_dir dir;
  const std::string path = dir.file("precious.txt");
  std::ofstream(path) << "keep me";
  steady::duration waited{};
  const failure f = run([&]() -> task<failure> {
    const auto start = steady::now();
    failure f = co_await failure_of([](std::string path) -> task<> {
      auto l = unix::listener::bind(path, {.bind_retry = patient});
      co_return;
    }(path));
    waited = steady::now() - start;
    co_return f;
  });
  EXPECT_EQ(f.code, std::errc::address_in_use) << f.what;
  EXPECT_LT(waited, patient / 4);
}

}  // namespace
}  // namespace coronet::test
