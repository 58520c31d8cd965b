// Full submission and completion queues: on a tiny io_uring (CORONET_URING_ENTRIES=4:8, so 4 SQ
// and 8 CQ entries) hundreds of operations at once (connects, accepts, reads, writes, timers)
// each complete exactly once with their right result. Each turn queues far more SQEs than fit
// (the backend submits early and takes fresh slots) and far more completions arrive than the
// CQ holds (the kernel keeps the overflow, IORING_FEAT_NODROP, and the backend must get it
// flushed). On Asio the knob means nothing: the same load runs there as a plain load test.
#include <gtest/gtest.h>

#include <chrono>
#include <cstddef>
#include <fstream>
#include <string>
#include <system_error>
#include <vector>

#ifdef __linux__
#include <unistd.h>
#endif

#include "coronet/core.hpp"
#include "coronet/io.hpp"
#include "io_test_support.hpp"

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define CORONET_TEST_SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define CORONET_TEST_SANITIZED 1
#endif
#endif

namespace coronet::test {
namespace {

using namespace std::chrono_literals;

// Sanitizers make each operation several times slower: fewer of them still overrun 4 SQEs.
#ifdef CORONET_TEST_SANITIZED
constexpr std::size_t k_connections = 100;
#else
constexpr std::size_t k_connections = 300;
#endif
constexpr std::size_t k_timers = 300;

#ifdef __linux__
// "SqMask: 0x3" etc. from the fdinfo of this process's io_uring descriptor (Linux 5.x+ prints
// the masks): proof that the knob took effect. Empty when there is no ring.
std::string ring_fdinfo() {
  for (int fd = 0; fd <= highest_open_fd(); ++fd) {
    char target[64] = {};
    const std::string link = "/proc/self/fd/" + std::to_string(fd);
    const ssize_t n = ::readlink(link.c_str(), target, sizeof target - 1);
    if (n <= 0 || std::string(target) != "anon_inode:[io_uring]") continue;
    std::ifstream in("/proc/self/fdinfo/" + std::to_string(fd));
    return std::string(std::istreambuf_iterator<char>(in), {});
  }
  return {};
}
#endif

task<> client(std::uint16_t port, std::size_t i, std::vector<int>& done) {
  stream s = co_await tcp::connect("127.0.0.1", port);
  const auto data = pattern(2048 + i * 7, std::uint32_t(i));
  const auto back = co_await round_trip(s, data);
  CO_ASSERT(back == data);
  ++done[i];
}

task<> timer(std::size_t i, std::vector<int>& done) {
  co_await sleep_for(std::chrono::milliseconds(i % 20));
  ++done[i];
}

struct load_result {
  std::vector<int> connections, timers;
  std::string fdinfo;
  std::string backend;
};

task<load_result> load() {
  load_result r;
  r.connections.assign(k_connections, 0);
  r.timers.assign(k_timers, 0);
  r.backend = std::string(backend_name());
#ifdef __linux__
  r.fdinfo = ring_fdinfo();
#endif
  auto l = tcp::listener::bind({"127.0.0.1", 0});
  task_group g;
  g.spawn(serve_echo(l, k_connections));
  // All started in one turn, before any completes.
  for (std::size_t i = 0; i < k_connections; ++i) g.spawn(client(l.port(), i, r.connections));
  for (std::size_t i = 0; i < k_timers; ++i) g.spawn(timer(i, r.timers));
  co_await g.join();
  co_return r;
}

TEST(FullQueues, HundredsOfOperationsOnATinyRingEachCompleteOnce) {
  scoped_env entries("CORONET_URING_ENTRIES", "4:8");
  const load_result r = run(with_timeout(120s, load()));
  for (std::size_t i = 0; i < r.connections.size(); ++i)
    ASSERT_EQ(r.connections[i], 1) << "connection " << i;
  for (std::size_t i = 0; i < r.timers.size(); ++i) ASSERT_EQ(r.timers[i], 1) << "timer " << i;
#ifdef __linux__
  if (r.backend == "io_uring") {
    EXPECT_NE(r.fdinfo.find("SqMask:\t0x3"), std::string::npos) << r.fdinfo;
    EXPECT_NE(r.fdinfo.find("CqMask:\t0x7"), std::string::npos) << r.fdinfo;
  }
#endif
}

#ifdef __linux__
TEST(FullQueues, BadRingSizeIsRejectedWithTheVariableNamed) {
  if (backend_from_env() != "io_uring") GTEST_SKIP() << "the knob is io_uring's";
  for (const char* bad : {"0", "abc", "4:2", "8x", "100000"}) {
    scoped_env entries("CORONET_URING_ENTRIES", bad);
    try {
      run([]() -> task<> { co_return; }());
      ADD_FAILURE() << "accepted CORONET_URING_ENTRIES=" << bad;
    } catch (const std::system_error& e) {
      EXPECT_EQ(e.code(), std::errc::invalid_argument) << e.what();
      EXPECT_NE(std::string(e.what()).find("CORONET_URING_ENTRIES"), std::string::npos) << e.what();
    }
  }
}
#endif

}  // namespace
}  // namespace coronet::test
