// Shutdown with hundreds of operations pending at once: reads, receives (some holding a lent
// buffer while they wait for the next), accepts, timers and connects that cannot complete. Ended
// by a stop request, every coroutine sees operation_canceled, the kernel writes into none of the
// read buffers afterwards, and every lent buffer is back; ended by run() returning, every frame is
// destroyed (its I/O cancelled and awaited) and every socket closed. Nothing hangs or leaks
// (the sanitize preset runs this under ASan).
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cstddef>
#include <memory>
#include <string>
#include <system_error>
#include <vector>

#include "coronet/core.hpp"
#include "coronet/detail/io_backend.hpp"
#include "coronet/io.hpp"
#include "io_test_support.hpp"

namespace coronet::test {
namespace {

using namespace std::chrono_literals;

constexpr std::size_t k_each = 100;    // of reads, receives, accepts, timers, connects: 500 in all
constexpr std::size_t k_holding = 30;  // of the receives: first take a buffer and keep it
constexpr std::size_t k_total = 5 * k_each;
constexpr std::byte k_fill{0xAA};

struct tally {
  std::size_t started = 0, cancelled = 0, destroyed = 0;
  std::size_t holding = 0;         // receives that hold a lent buffer while waiting for the next
  std::vector<std::string> other;  // anything but operation_canceled, or a normal completion
};

// Counts the frame's destruction, however the coroutine ends.
struct frame_guard {
  tally& t;
  ~frame_guard() { ++t.destroyed; }
};

// Runs `op` (an awaitable factory) and files its outcome.
template <class Op>
task<> pending(tally& t, const char* what, Op op) {
  frame_guard g{t};
  try {
    ++t.started;
    co_await op();
    t.other.push_back(std::string(what) + ": completed");
  } catch (const std::system_error& e) {
    if (e.code() == std::errc::operation_canceled)
      ++t.cancelled;
    else
      t.other.push_back(std::string(what) + ": " + e.what());
  }
}

struct fixture {
  std::vector<raw_pair> reads{k_each}, receives{k_each};
  std::vector<std::vector<std::byte>> buffers{k_each, std::vector<std::byte>(4096, k_fill)};
  std::unique_ptr<nofile_limit> limit = std::make_unique<nofile_limit>();
};

// Starts the 500 operations through `start` (a task_group's spawn, or coronet::spawn). Each
// coroutine owns what it uses (stream, listener; the connects share the listener they target),
// so that shutdown may destroy them in any order.
template <class Start>
task<> start_all(fixture& f, tally& t, Start start, std::vector<stream>* read_streams) {
  // The reads' streams are the caller's when it passes `read_streams` (to send on them after the
  // cancellation), else each read's own.
  for (std::size_t i = 0; i < k_each; ++i) {
    std::span<std::byte> buf = f.buffers[i];
    stream s(f.reads[i].take_first(), socket_address());
    if (read_streams) {
      read_streams->push_back(std::move(s));
      stream* kept = &read_streams->back();
      start(pending(t, "read", [kept, buf]() -> task<> { co_await kept->read_some(buf); }));
    } else {
      start(pending(t, "read",
                    [s = std::move(s), buf]() mutable -> task<> { co_await s.read_some(buf); }));
    }
  }
  // Some receives hold a buffer first: data for them is already there.
  for (std::size_t i = 0; i < k_holding; ++i)
    CO_ASSERT(raw_send(f.receives[i].peer(), "held", 4) == 4);
  for (std::size_t i = 0; i < k_each; ++i) {
    const bool hold = i < k_holding;
    start(pending(
        t, "receive",
        [s = stream(f.receives[i].take_first(), socket_address()), hold, &t]() mutable -> task<> {
          received first;
          if (hold) {
            received r = co_await s.receive();
            first = std::move(r);
            ++t.holding;
          }
          received next = co_await s.receive();
        }));
  }
  for (std::size_t i = 0; i < k_each; ++i) {
    start(pending(t, "accept", [l = tcp::listener::bind({"127.0.0.1", 0})]() mutable -> task<> {
      stream s = co_await l.accept();
    }));
  }
  for (std::size_t i = 0; i < k_each; ++i)
    start(pending(t, "timer", []() -> task<> { co_await sleep_for(1h); }));
  // The accept queue of `full` (backlog 0, never accepting) takes one or two; the other SYNs are
  // dropped and retried, so those connects stay pending. One that did connect waits in a read.
  auto full = std::make_shared<tcp::listener>(
      tcp::listener::bind({"127.0.0.1", 0}, tcp::listen_options{.backlog = 0}));
  for (std::size_t i = 0; i < k_each; ++i) {
    start(pending(t, "connect", [full]() -> task<> {
      stream s = co_await tcp::connect("127.0.0.1", full->port());
      std::array<std::byte, 16> buf;
      co_await s.read_some(buf);
    }));
  }
  // Every one has reached its await when all have started and a turn has passed; the holding
  // receives need their data first (a few turns, bounded).
  for (int turn = 0; turn < 10000 && (t.started < k_total || t.holding < k_holding); ++turn)
    co_await next_turn();
  CO_ASSERT(t.started == k_total);
  CO_ASSERT(t.holding == k_holding);
  co_await next_turn();
}

TEST(ShutdownCancellation, StopRequestCancelsFiveHundredPendingOperations) {
  fixture f;
  ASSERT_TRUE(f.limit->ensure_at_least(2048)) << "RLIMIT_NOFILE too low for 500 operations";
  tally t;
  std::size_t lent_after = 1;
  run([&]() -> task<> {
    std::vector<stream> reads;
    reads.reserve(k_each);  // the reads hold pointers into it
    task_group g;
    co_await start_all(
        f, t, [&g](task<> op) { g.spawn(std::move(op)); }, &reads);
    g.cancel();
    co_await g.join();
    lent_after = detail::current_backend().buffers_lent();
    // The cancelled reads' buffers are the caller's again: data sent now lands in none of them.
    for (auto& p : f.reads) CO_ASSERT(raw_send(p.peer(), "late", 4) == 4);
    for (auto& s : reads) {
      std::array<std::byte, 4> late;
      co_await s.read_exact(late);  // it is in the socket, where it belongs
    }
  }());
  EXPECT_EQ(t.cancelled, k_total) << ::testing::PrintToString(t.other);
  EXPECT_TRUE(t.other.empty()) << ::testing::PrintToString(t.other);
  EXPECT_EQ(t.destroyed, k_total);
  EXPECT_EQ(lent_after, 0u) << "lent buffers not given back";
  for (const auto& b : f.buffers)
    ASSERT_TRUE(std::all_of(b.begin(), b.end(), [](std::byte x) { return x == k_fill; }));
}

TEST(ShutdownCancellation, RunReturningDestroysFiveHundredPendingOperations) {
  fixture f;
  ASSERT_TRUE(f.limit->ensure_at_least(2048)) << "RLIMIT_NOFILE too low for 500 operations";
  tally t;
  run([&]() -> task<> {
    co_await start_all(
        f, t, [](task<> op) { spawn(std::move(op)); }, nullptr);
    // Returning with all 500 suspended: shutdown destroys each frame, cancelling its I/O and
    // waiting for the kernel before the frame's memory goes.
  }());
  EXPECT_EQ(t.destroyed, k_total);
  EXPECT_EQ(t.cancelled, 0u);  // destroyed, not resumed
  EXPECT_TRUE(t.other.empty()) << ::testing::PrintToString(t.other);
}

}  // namespace
}  // namespace coronet::test
