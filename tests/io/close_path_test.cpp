// close() on io_uring without synchronous cancellation (kernels 5.19 to 5.x, forced here with
// CORONET_NO_SYNC_CANCEL): a linked pair of SQEs, cancel-by-descriptor then close. On a tiny SQ
// (CORONET_URING_ENTRIES=4:8) the SQ often has one free slot when a stream closes; the backend
// once took that slot for the cancel and then, for the close, submitted the full SQ with the
// cancel SQE still unprepared, so the kernel ran whatever request that slot held before (an old
// recv, send or close, on a descriptor number by then reused): connections reset, data lost,
// crashes. Hundreds of echo connections opened and closed must all come back intact.
#include <gtest/gtest.h>

#include <chrono>
#include <cstddef>
#include <vector>

#include "coronet/core.hpp"
#include "coronet/io.hpp"
#include "io_test_support.hpp"

namespace coronet::test {
namespace {

using namespace std::chrono_literals;

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
constexpr std::size_t k_connections = 100;  // sanitizers: slower, still far beyond 4 SQEs
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
constexpr std::size_t k_connections = 100;
#else
constexpr std::size_t k_connections = 300;
#endif
#else
constexpr std::size_t k_connections = 300;
#endif

task<> client(std::uint16_t port, std::size_t i, std::vector<int>& intact) {
  stream s = co_await tcp::connect("127.0.0.1", port);
  const auto data = pattern(4096 + i * 13, std::uint32_t(i));
  const auto back = co_await round_trip(s, data);
  if (back == data) ++intact[i];
}  // closes `s`: one close() per client, and one per server session

task<std::vector<int>> load() {
  std::vector<int> intact(k_connections, 0);
  auto l = tcp::listener::bind({"127.0.0.1", 0});
  task_group g;
  g.spawn(serve_echo(l, k_connections));
  for (std::size_t i = 0; i < k_connections; ++i) g.spawn(client(l.port(), i, intact));
  co_await g.join();
  co_return intact;
}

TEST(ClosePath, LinkedCancelAndCloseOnAFullSubmissionQueue) {
  if (backend_from_env() != "io_uring") GTEST_SKIP() << "io_uring's close path";
  scoped_env entries("CORONET_URING_ENTRIES", "4:8");
  scoped_env no_sync("CORONET_NO_SYNC_CANCEL", "1");
  const std::vector<int> intact = run(with_timeout(120s, load()));
  for (std::size_t i = 0; i < intact.size(); ++i) ASSERT_EQ(intact[i], 1) << "connection " << i;
}

}  // namespace
}  // namespace coronet::test
