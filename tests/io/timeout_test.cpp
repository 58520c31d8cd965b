// Timeouts on stream operations: with_timeout and deadline around receive(), and tcp::connect's
// connect_options::timeout.
#include <gtest/gtest.h>
#ifndef _WIN32
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>
#endif

#include <chrono>
#include <string>
#include <type_traits>
#include <vector>

#include "coronet/core.hpp"
#include "coronet/io.hpp"
#include "io_test_support.hpp"

namespace coronet::test {
namespace {

using namespace std::chrono_literals;

TEST(Timeout, WithTimeoutTakesReceiveAndLosesNothingWhenItExpires) {
  raw_pair p;
  run([&]() -> task<> {
    stream s(p.take_first(), {});
    static_assert(std::is_same_v<decltype(with_timeout(1s, s.receive())), task<received>>);
    CO_ASSERT(raw_send(p.peer(), "abc", 3) == 3);
    received r = co_await with_timeout(long_sleep, s.receive());
    EXPECT_EQ(r.view(), "abc");
    r.release();
    stopwatch clock;
    std::error_code ec = co_await error_of(with_timeout(20ms, s.receive()));
    EXPECT_EQ(ec, std::errc::timed_out);
    EXPECT_GE(clock.elapsed(), 20ms);
    // The timed-out receive was cancelled cleanly: the stream reads on.
    CO_ASSERT(raw_send(p.peer(), "d", 1) == 1);
    received next = co_await with_timeout(long_sleep, s.receive());
    EXPECT_EQ(next.view(), "d");
  });
}

TEST(Timeout, DeadlineEndsAnIdleConnectionAndResetKeepsABusyOneGoing) {
  raw_pair p;
  run([&]() -> task<> {
    stream s(p.take_first(), {});
    deadline idle(200ms, "idle");
    // Data keeps coming in 50 ms steps for longer than the idle period: each reset() keeps the
    // connection; then the peer goes quiet and the deadline ends it.
    int messages = 0;
    std::error_code ended;
    try {
      for (;;) {
        if (messages < 6) {
          CO_ASSERT(raw_send(p.peer(), "m", 1) == 1);
        }
        received r = co_await idle.guard(s.receive());
        if (!r) break;
        ++messages;
        idle.reset();
        co_await sleep_for(50ms);
      }
    } catch (const std::system_error& e) {
      ended = e.code();
      EXPECT_EQ(std::string(e.what()), "idle: Connection timed out");
    }
    EXPECT_EQ(ended, std::errc::timed_out);
    EXPECT_EQ(messages, 6);
  });
}

#ifndef _WIN32
// A listening socket whose accept queue is full: Linux drops further SYNs, so a connect to it
// waits (the kernel retries for about two minutes).
struct full_listener {
  int fd = -1;
  std::vector<int> fillers;
  std::uint16_t port = 0;
  full_listener() {
    fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    if (::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 || ::listen(fd, 0) != 0 ||
        ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) != 0)
      throw std::system_error(errno, std::generic_category(), "full_listener");
    port = ntohs(a.sin_port);
    for (int i = 0; i < 3; ++i) {  // more than the queue holds; non-blocking: some never finish
      int c = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
      (void)::connect(c, reinterpret_cast<sockaddr*>(&a), sizeof a);
      fillers.push_back(c);
    }
  }
  ~full_listener() {
    for (int c : fillers) ::close(c);
    ::close(fd);
  }
};

TEST(Timeout, ConnectTimeoutNamesTheAddress) {
  full_listener l;
  stopwatch clock;
  auto f = run([&]() -> task<failure> {
    tcp::connect_options o;
    o.timeout = 100ms;
    co_return co_await failure_of(tcp::connect("127.0.0.1", l.port, o));
  });
  if (!f.thrown) GTEST_SKIP() << "this kernel completed a connect to a full accept queue";
  EXPECT_EQ(f.code, std::errc::timed_out) << f.what;
  EXPECT_EQ(f.what, "connect 127.0.0.1:" + std::to_string(l.port) + ": Connection timed out");
  EXPECT_GE(clock.elapsed(), 100ms);
  EXPECT_LT(clock.elapsed(), prompt);
}
#endif

TEST(Timeout, ConnectWithATimeoutConnectsWhenInTime) {
  run([]() -> task<> {
    auto server = tcp::listener::bind({"127.0.0.1", 0});
    tcp::connect_options o;
    o.timeout = 5s;
    auto r = co_await when_all(server.accept(), tcp::connect("127.0.0.1", server.port(), o));
    EXPECT_TRUE(std::get<1>(r).is_open());
  });
}

}  // namespace
}  // namespace coronet::test
