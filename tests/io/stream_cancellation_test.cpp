// Cancelling stream operations: what the awaiting coroutine sees, and that the kernel never
// touches a buffer after the operation that owned it has ended.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <stop_token>
#include <string>
#include <vector>

#include "coronet/core.hpp"
#include "coronet/io.hpp"
#include "io_test_support.hpp"

namespace coronet::test {
namespace {

using namespace std::chrono_literals;

constexpr std::byte fill{0xAA};

bool untouched(const std::vector<std::byte>& buf) {
  return std::all_of(buf.begin(), buf.end(), [](std::byte b) { return b == fill; });
}

task<std::size_t> read_into(stream& s, std::span<std::byte> buf) {
  co_return co_await s.read_some(buf);
}

task<> request_stop(std::stop_source& stop) {
  stop.request_stop();
  co_return;
}

task<> sleep_task(std::chrono::milliseconds d) {
  co_await sleep_for(d);
}

// After a cancelled read: the peer sends, a new buffer receives it, the old one kept its fill.
struct after_cancel {
  failure cancelled;
  std::string next;
  bool old_untouched = false;
};

task<after_cancel> read_after_cancel(raw_pair& p, stream& s, const std::vector<std::byte>& old,
                                     failure cancelled) {
  after_cancel out;
  out.cancelled = std::move(cancelled);
  CO_ASSERT(raw_send(p.peer(), "fresh data", 10) == 10);
  std::vector<std::byte> fresh(old.size());
  const std::size_t n = co_await s.read_some(fresh);
  out.next = to_string(std::span(fresh).first(n));
  out.old_untouched = untouched(old);
  co_return out;
}

void expect_clean_cancel(const after_cancel& r) {
  ASSERT_TRUE(r.cancelled.thrown);
  EXPECT_EQ(r.cancelled.code, std::errc::operation_canceled) << r.cancelled.what;
  EXPECT_EQ(r.next, "fresh data");
  EXPECT_TRUE(r.old_untouched) << "data sent after the cancellation landed in the old buffer";
}

TEST(StreamCancellation, StopSourceCancelsPendingReadAndReleasesTheBuffer) {
  raw_pair p;
  const after_cancel r = run([&]() -> task<after_cancel> {
    stream s(p.take_first(), socket_address());
    std::vector<std::byte> old(4096, fill);
    std::stop_source stop;
    // The reader starts (and suspends in its read) before the second child asks it to stop.
    auto both = co_await when_all(failure_of(with_stop_token(stop.get_token(), read_into(s, old))),
                                  request_stop(stop));
    co_return co_await read_after_cancel(p, s, old, std::get<0>(both));
  });
  expect_clean_cancel(r);
}

task<failure> read_or_time_out(stream& s, std::span<std::byte> buf) {
  return failure_of([](stream& s, std::span<std::byte> buf) -> task<> {
    auto r = co_await when_any(read_into(s, buf), sleep_task(20ms));
    // Nothing was sent, so the sleep wins; report the cancellation as the loser would see it.
    if (r.index() == 1) throw_errno(ECANCELED, "read timed out");
  }(s, buf));
}

TEST(StreamCancellation, WhenAnyTimeoutCancelsPendingReadAndReleasesTheBuffer) {
  raw_pair p;
  const after_cancel r = run([&]() -> task<after_cancel> {
    stream s(p.take_first(), socket_address());
    std::vector<std::byte> old(4096, fill);
    failure f = co_await read_or_time_out(s, old);
    co_return co_await read_after_cancel(p, s, old, std::move(f));
  });
  expect_clean_cancel(r);
}

TEST(StreamCancellation, StopRequestedBeforeReadFailsWithoutConsumingData) {
  raw_pair p;
  ASSERT_EQ(raw_send(p.peer(), "kept", 4), 4);
  auto r = run([&]() -> task<std::tuple<failure, std::string>> {
    stream s(p.take_first(), socket_address());
    std::vector<std::byte> buf(16, fill);
    std::stop_source stop;
    stop.request_stop();
    failure f = co_await failure_of(with_stop_token(stop.get_token(), read_into(s, buf)));
    CO_ASSERT(untouched(buf));
    const std::size_t n = co_await s.read_some(buf);
    co_return std::tuple{f, to_string(std::span(buf).first(n))};
  });
  EXPECT_EQ(std::get<0>(r).code, std::errc::operation_canceled) << std::get<0>(r).what;
  EXPECT_EQ(std::get<1>(r), "kept");
}

task<> read_counting(stream& s, std::span<std::byte> buf, std::size_t& n) {
  n = co_await s.read_some(buf);
}

TEST(StreamCancellation, CancelRacingArrivedDataLosesNothing) {
  // The data is there before the read starts and the stop request comes in the same turn: the
  // read may win (data returned) or the cancellation may (operation_canceled, data still queued).
  raw_pair p;
  ASSERT_EQ(raw_send(p.peer(), "race", 4), 4);
  const std::string got = run([&]() -> task<std::string> {
    stream s(p.take_first(), socket_address());
    std::vector<std::byte> buf(16);
    std::stop_source stop;
    std::size_t n = 0;
    auto both =
        co_await when_all(failure_of(with_stop_token(stop.get_token(), read_counting(s, buf, n))),
                          request_stop(stop));
    const failure& f = std::get<0>(both);
    CO_ASSERT(!f.thrown || f.code == std::errc::operation_canceled);
    if (f.thrown) n = co_await s.read_some(buf);
    co_return to_string(std::span(buf).first(n));
  });
  EXPECT_EQ(got, "race");
}

// Signals `started` just before suspending in a read that nothing will ever complete.
task<> read_forever(stream s, event& started) {
  std::vector<std::byte> buf(4096);
  started.set();
  for (;;) co_await s.read_some(buf);
}

TEST(StreamCancellation, SchedulerShutdownDestroysATaskSuspendedInRead) {
  raw_pair p;
  run([&]() -> task<> {
    event started;
    spawn(read_forever(stream(p.take_first(), socket_address()), started));
    co_await started.wait();
    // Return with the spawned task suspended in read_some: shutdown destroys its frame, which
    // must cancel the read and wait for the kernel before freeing the buffer.
  });
  // Its stream was closed with the frame: the raw end sees end of stream.
  EXPECT_EQ(raw_recv_one_after_wait(p.peer(), 10000), 0);
}

task<> write_forever(stream s, std::vector<std::byte> data, event& started) {
  started.set();
  for (;;) co_await s.write_all(data);
}

TEST(StreamCancellation, SchedulerShutdownDestroysATaskSuspendedInWriteAll) {
  // The peer never reads, so write_all is stuck with part of its buffer sent. What the peer gets
  // must be a prefix of the data: nothing from freed memory.
  const auto data = pattern(8 * 1024 * 1024, 11);
  raw_pair p;
  run([&]() -> task<> {
    event started;
    spawn(write_forever(stream(p.take_first(), socket_address()), data, started));
    co_await started.wait();
  });
  std::vector<std::byte> got;
  std::vector<std::byte> buf(64 * 1024);
  for (;;) {
    const long n = raw_recv(p.peer(), buf.data(), buf.size());
    ASSERT_GE(n, 0);
    if (n == 0) break;
    got.insert(got.end(), buf.begin(), buf.begin() + n);
  }
  ASSERT_LT(got.size(), data.size());
  EXPECT_TRUE(std::equal(got.begin(), got.end(), data.begin()));
}

task<> write_all_of(stream& s, std::span<const std::byte> data) {
  co_await s.write_all(data);
}

TEST(StreamCancellation, StopSourceCancelsBlockedWriteAll) {
  const auto data = pattern(8 * 1024 * 1024, 12);
  raw_pair p;
  const failure f = run([&]() -> task<failure> {
    stream s(p.take_first(), socket_address());
    std::stop_source stop;
    auto both = co_await when_all(
        failure_of(with_stop_token(stop.get_token(), write_all_of(s, data))), request_stop(stop));
    co_return std::get<0>(both);
  });
  ASSERT_TRUE(f.thrown);
  EXPECT_EQ(f.code, std::errc::operation_canceled) << f.what;
  EXPECT_EQ(f.what.rfind("write", 0), 0u) << f.what;
}

}  // namespace
}  // namespace coronet::test
