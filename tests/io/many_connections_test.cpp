// Many connections open and echoing at the same time on one scheduler.
#include <gtest/gtest.h>

#include <coroutine>
#include <cstddef>
#include <vector>

#include "coronet/core.hpp"
#include "coronet/io.hpp"
#include "io_test_support.hpp"

namespace coronet::test {
namespace {

// Releases every waiter once `count` of them have arrived.
class countdown {
 public:
  explicit countdown(std::size_t count) : remaining_(count) {}
  auto arrive_and_wait() {
    struct awaiter {
      countdown& c;
      bool await_ready() noexcept {
        if (--c.remaining_ != 0) return false;
        for (auto h : c.waiters_) scheduler::current().schedule(h);
        c.waiters_.clear();
        return true;
      }
      void await_suspend(std::coroutine_handle<> h) { c.waiters_.push_back(h); }
      void await_resume() noexcept {}
    };
    return awaiter{*this};
  }

 private:
  std::size_t remaining_;
  std::vector<std::coroutine_handle<>> waiters_;
};

// Connects, waits until every client is connected, then echoes its own data.
task<bool> client(std::uint16_t port, std::uint32_t id, countdown& all_connected) {
  stream s = co_await tcp::connect("127.0.0.1", port);
  co_await all_connected.arrive_and_wait();
  const auto data = pattern(16 * 1024, id);
  const auto got = co_await round_trip(s, data);
  co_return got == data;
}

TEST(ManyConnections, ThousandConcurrentEchoes) {
  constexpr std::size_t n = 1000;
#ifndef _WIN32  // Windows has no descriptor limit to raise
  nofile_limit limit;
  // Two descriptors per connection (both ends live in this process), plus some to spare.
  if (!limit.ensure_at_least(2 * n + 256))
    GTEST_SKIP() << "RLIMIT_NOFILE hard limit " << limit.original().rlim_max << " is below "
                 << 2 * n + 256 << ", needed for " << n << " loopback connections";
#endif

  const std::vector<bool> ok = run([&]() -> task<std::vector<bool>> {
    tcp::listen_options opt;
    opt.backlog = 4096;  // all clients connect at once; do not make them wait for SYN retries
    auto server = tcp::listener::bind({"127.0.0.1", 0}, opt);
    countdown all_connected(n);
    std::vector<task<bool>> clients;
    for (std::size_t i = 0; i < n; ++i)
      clients.push_back(client(server.port(), std::uint32_t(i + 1), all_connected));
    auto r = co_await when_all(serve_echo(server, n), when_all(std::move(clients)));
    co_return std::move(std::get<1>(r));
  });
  ASSERT_EQ(ok.size(), n);
  for (std::size_t i = 0; i < n; ++i)
    EXPECT_TRUE(ok[i]) << "client " << i << " got other data back";
}

}  // namespace
}  // namespace coronet::test
