// stream::receive(): bytes in buffers the scheduler lends. On io_uring they come from the
// provided-buffer ring through one multishot receive per stream; elsewhere from a block pool.
// Either way: bytes in order, nothing lost to a cancellation or to read_some on the same
// stream, buffers back to the scheduler when released, and no exhaustion when a reader hoards.
#include <gtest/gtest.h>
#ifndef _WIN32
#include <fcntl.h>
#include <sys/utsname.h>
#include <unistd.h>
#endif

#include <chrono>
#include <cstddef>
#include <cstdio>
#include <cstring>
#include <stop_token>
#include <string>
#include <vector>

#include "coronet/core.hpp"
#include "coronet/detail/io_backend.hpp"
#include "coronet/io.hpp"
#include "io_test_support.hpp"

namespace coronet::test {
namespace {

task<> stop_now(std::stop_source& stop) {
  stop.request_stop();
  co_return;
}

task<received> receive_one(stream& s) {
  co_return co_await s.receive();
}

// Everything until end of stream, through receive().
task<std::vector<std::byte>> receive_to_end(stream& s) {
  std::vector<std::byte> all;
  for (;;) {
    received r = co_await s.receive();
    if (!r) break;
    all.insert(all.end(), r.bytes().begin(), r.bytes().end());
  }
  co_return all;
}

task<> send_all_and_close(stream& s, std::span<const std::byte> data) {
  co_await s.write_all(data);
  s.shutdown();
}

TEST(Receive, DeliversEverythingInOrderUntilEndOfStream) {
  raw_pair p;
  const std::vector<std::byte> data = pattern(4 << 20, 7);
  auto got = run([&]() -> task<std::vector<std::byte>> {
    stream reader(p.take_first(), socket_address());
    stream writer(std::exchange(p.fds[1], -1), socket_address());
    auto both = co_await when_all(receive_to_end(reader), send_all_and_close(writer, data));
    co_return std::move(std::get<0>(both));
  });
  EXPECT_TRUE(got == data) << "got " << got.size() << " bytes of " << data.size();
}

TEST(Receive, EndOfStreamIsEmptyAndStaysEmpty) {
  raw_pair p;
  ASSERT_EQ(raw_send(p.peer(), "last", 4), 4);
  auto r = run([&]() -> task<std::vector<std::string>> {
    stream s(p.take_first(), socket_address());
    stream peer(std::exchange(p.fds[1], -1), socket_address());
    peer.shutdown();
    std::vector<std::string> seen;
    for (int i = 0; i < 3; ++i) {
      received got = co_await s.receive();
      seen.emplace_back(got.view());
    }
    co_return seen;
  });
  EXPECT_EQ(r, (std::vector<std::string>{"last", "", ""}));
}

TEST(Receive, ReadSomeAfterReceiveKeepsTheOrderAndTakesWhatFits) {
  raw_pair p;
  auto r = run([&]() -> task<std::vector<std::string>> {
    stream s(p.take_first(), socket_address());
    std::vector<std::string> seen;
    CO_ASSERT(raw_send(p.peer(), "first", 5) == 5);
    received a = co_await s.receive();
    seen.emplace_back(a.view());
    a.release();
    // The stream now has a standing receive; read_some must still see the bytes in order, also
    // when its buffer is smaller than what arrived.
    CO_ASSERT(raw_send(p.peer(), "0123456789", 10) == 10);
    char small[4];
    std::size_t got = 0;
    std::string pieces;
    while (got < 10) {
      const std::size_t n = co_await s.read_some(std::span<char>(small));
      pieces.append(small, n);
      got += n;
    }
    seen.push_back(pieces);
    CO_ASSERT(raw_send(p.peer(), "after", 5) == 5);
    received b = co_await s.receive();
    seen.emplace_back(b.view());
    co_return seen;
  });
  EXPECT_EQ(r, (std::vector<std::string>{"first", "0123456789", "after"}));
}

TEST(Receive, CancelledReceiveLosesNothing) {
  raw_pair p;
  auto r = run([&]() -> task<std::pair<failure, std::string>> {
    stream s(p.take_first(), socket_address());
    std::stop_source stop;
    auto both = co_await when_all(failure_of(with_stop_token(stop.get_token(), receive_one(s))),
                                  stop_now(stop));
    CO_ASSERT(raw_send(p.peer(), "kept", 4) == 4);
    received next = co_await s.receive();
    co_return std::pair{std::get<0>(both), std::string(next.view())};
  });
  ASSERT_TRUE(r.first.thrown);
  EXPECT_EQ(r.first.code, std::errc::operation_canceled) << r.first.what;
  EXPECT_EQ(r.second, "kept");
}

TEST(Receive, CloseEndsAPendingReceive) {
  raw_pair p;
  failure f = run([&]() -> task<failure> {
    stream s(p.take_first(), socket_address());
    auto both = co_await when_all(failure_of(receive_one(s)), [](stream& s) -> task<> {
      s.close();
      co_return;
    }(s));
    co_return std::get<0>(both);
  });
  ASSERT_TRUE(f.thrown);
  EXPECT_EQ(f.code, std::errc::operation_canceled) << f.what;
}

// A reader that keeps every buffer it got: past the ring's size, receive() goes on with pool
// blocks, and once they are all released the ring serves again.
TEST(Receive, HoardingMoreBuffersThanTheRingHoldsStillWorks) {
  raw_pair p;
  constexpr int k_count = 1100;  // more than the ring's 1024 buffers
  auto r = run([&]() -> task<std::pair<std::string, std::string>> {
    stream s(p.take_first(), socket_address());
    std::vector<received> kept;
    std::string joined;
    for (int i = 0; i < k_count; ++i) {
      const char c = char('a' + i % 26);
      CO_ASSERT(raw_send(p.peer(), &c, 1) == 1);
      received got = co_await s.receive();
      joined.append(got.view());
      kept.push_back(std::move(got));
    }
    kept.clear();
    CO_ASSERT(raw_send(p.peer(), "again", 5) == 5);
    received again = co_await s.receive();
    co_return std::pair{joined, std::string(again.view())};
  });
  std::string expected;
  for (int i = 0; i < k_count; ++i) expected.push_back(char('a' + i % 26));
  EXPECT_EQ(r.first, expected);
  EXPECT_EQ(r.second, "again");
}

// Data arriving on many streams that nobody reads yet: the per-stream back-pressure cancels and
// re-arms the multishot receive without losing or reordering bytes.
TEST(Receive, UnreadStreamsKeepTheirBytesAcrossBackPressure) {
  constexpr int k_streams = 16;
  constexpr std::size_t k_each = 256 << 10;
  std::vector<raw_pair> pairs(k_streams);
  auto ok = run([&]() -> task<bool> {
    std::vector<stream> readers, writers;
    for (auto& p : pairs) {
      readers.emplace_back(p.take_first(), socket_address());
      writers.emplace_back(std::exchange(p.fds[1], -1), socket_address());
    }
    // Every reader gets a standing receive, then all the data is written before anyone reads on.
    for (int i = 0; i < k_streams; ++i) {
      co_await writers[i].write_all(std::string_view("x"));
      received first = co_await readers[i].receive();
      CO_ASSERT(first.view() == "x");
    }
    std::vector<task<>> senders;
    std::vector<std::vector<std::byte>> data;
    for (int i = 0; i < k_streams; ++i) data.push_back(pattern(k_each, std::uint32_t(i + 1)));
    bool all_equal = true;
    for (int i = 0; i < k_streams; ++i) {
      auto both =
          co_await when_all(receive_to_end(readers[i]), send_all_and_close(writers[i], data[i]));
      all_equal = all_equal && std::get<0>(both) == data[i];
    }
    co_return all_equal;
  });
  EXPECT_TRUE(ok);
}

TEST(Receive, WorksOnPipes) {
#ifdef _WIN32
  GTEST_SKIP() << "anonymous pipes are not overlapped on Windows";
#else
  int fds[2];
  ASSERT_EQ(::pipe2(fds, O_CLOEXEC), 0);
  ASSERT_EQ(::write(fds[1], "piped", 5), 5);
  ::close(fds[1]);
  auto r = run([&]() -> task<std::string> {
    stream s = stream::from_pipe(fds[0], "test pipe");
    auto all = co_await receive_to_end(s);
    co_return to_string(all);
  });
  EXPECT_EQ(r, "piped");
#endif
}

task<> receive_forever(stream s, event& started) {
  started.set();
  for (;;) {
    received r = co_await s.receive();
    if (!r) co_return;
  }
}

// The scheduler shuts down with a receive pending: the frame is destroyed, the receive withdrawn
// and no buffer leaks (ASan checks the last part).
TEST(Receive, DestroyedWhileWaitingReleasesEverything) {
  raw_pair p;
  run([&]() -> task<> {
    event started;
    spawn(receive_forever(stream(p.take_first(), socket_address()), started));
    co_await started.wait();
    co_await next_turn();
  });
  SUCCEED();
}

#ifdef __linux__
bool kernel_at_least_6_0() {
  utsname u{};
  int major = 0, minor = 0;
  return ::uname(&u) == 0 && std::sscanf(u.release, "%d.%d", &major, &minor) == 2 &&
         (major > 6 || (major == 6 && minor >= 0));
}

struct lent_counts {
  bool lends_on_arrival = false;
  std::size_t while_waiting = 0, while_held = 0, after_release = 0;
};

task<> hold_one(stream& s, std::vector<received>& held, event& got_all, std::size_t expected) {
  received r = co_await s.receive();
  held.push_back(std::move(r));
  if (held.size() == expected) got_all.set();
}

// The point of receive(): connections that wait hold no buffer (on io_uring from kernel 6.0,
// with buffer rings and multishot receive; on epoll, where a block is taken once readable).
TEST(Receive, WaitingStreamsHoldNoBuffer) {
  if (backend_from_env() == "io_uring" && !kernel_at_least_6_0())
    GTEST_SKIP() << "kernel < 6.0: io_uring's receive() lends pool blocks while waiting";
  if (std::getenv("CORONET_NO_MULTISHOT")) GTEST_SKIP() << "CORONET_NO_MULTISHOT is set";
  constexpr std::size_t k_streams = 50;
  std::vector<raw_pair> pairs(k_streams);
  const lent_counts c = run([&]() -> task<lent_counts> {
    lent_counts out;
    detail::io_backend& b = detail::current_backend();
    std::vector<stream> streams;
    for (auto& p : pairs) streams.emplace_back(p.take_first(), socket_address());
    std::vector<received> held;
    event got_all;
    task_group readers;
    for (auto& s : streams) readers.spawn(hold_one(s, held, got_all, k_streams));
    co_await next_turn();  // every reader is now waiting in receive()
    out.lends_on_arrival = b.lends_on_arrival();
    out.while_waiting = b.buffers_lent();
    for (auto& p : pairs) CO_ASSERT(raw_send(p.peer(), "z", 1) == 1);
    co_await got_all.wait();
    out.while_held = b.buffers_lent();
    held.clear();
    out.after_release = b.buffers_lent();
    co_await readers.join();
    co_return out;
  });
  EXPECT_TRUE(c.lends_on_arrival);
  EXPECT_EQ(c.while_waiting, 0u);
  EXPECT_EQ(c.while_held, k_streams);
  EXPECT_EQ(c.after_release, 0u);
}
#endif

// CORONET_SEND_ZC=N makes io_uring send writes of N bytes or more with SEND_ZC, whose operation
// ends only at the kernel's notification; everything must still arrive, in order (the other
// backends ignore the variable).
TEST(Receive, ZeroCopySendsDeliverEverything) {
  scoped_env zc("CORONET_SEND_ZC", "4096");
  raw_pair p;
  const std::vector<std::byte> data = pattern(8 << 20, 11);
  auto got = run([&]() -> task<std::vector<std::byte>> {
    stream reader(p.take_first(), socket_address());
    stream writer(std::exchange(p.fds[1], -1), socket_address());
    auto both = co_await when_all(receive_to_end(reader), send_all_and_close(writer, data));
    co_return std::move(std::get<0>(both));
  });
  EXPECT_TRUE(got == data) << "got " << got.size() << " bytes of " << data.size();
}

task<std::vector<std::byte>> accept_and_receive(tcp::listener& l) {
  stream s = co_await l.accept();
  co_return co_await receive_to_end(s);
}

task<> connect_and_send(std::uint16_t port, std::span<const std::byte> data) {
  stream s = co_await tcp::connect("127.0.0.1", port);
  co_await send_all_and_close(s, data);
}

TEST(Receive, ZeroCopySendsOverTcpDeliverEverything) {
  scoped_env zc("CORONET_SEND_ZC", "4096");
  const std::vector<std::byte> data = pattern(8 << 20, 12);
  auto got = run([&]() -> task<std::vector<std::byte>> {
    auto server = tcp::listener::bind({"127.0.0.1", 0});
    auto both =
        co_await when_all(accept_and_receive(server), connect_and_send(server.port(), data));
    co_return std::move(std::get<0>(both));
  });
  EXPECT_TRUE(got == data) << "got " << got.size() << " bytes of " << data.size();
}

task<> stop_after(std::stop_source& s, std::chrono::milliseconds d) {
  co_await sleep_for(d);
  s.request_stop();
}

task<> write_everything(stream& s, std::span<const std::byte> d) {
  co_await s.write_all(d);
}

// A zero-copy send whose peer stopped reading is done but its notification never comes: a stop
// request must still end the write (the connection is dropped, the buffer released).
TEST(Receive, ZeroCopyWriteToAStalledPeerCanBeCancelled) {
  using namespace std::chrono_literals;
  scoped_env zc("CORONET_SEND_ZC", "4096");
  const std::vector<std::byte> data = pattern(32 << 20, 3);  // far more than loopback buffers
  failure f = run([&]() -> task<failure> {
    auto server = tcp::listener::bind({"127.0.0.1", 0});
    stream c = co_await tcp::connect("127.0.0.1", server.port());
    stream a = co_await server.accept();  // never reads
    std::stop_source stop;
    auto both =
        co_await when_all(failure_of(with_stop_token(stop.get_token(), write_everything(c, data))),
                          stop_after(stop, 50ms));
    co_return std::get<0>(both);
  });
  EXPECT_TRUE(f.thrown);
  EXPECT_EQ(f.code, std::errc::operation_canceled) << f.what;
}

task<> write_forever(stream s, std::span<const std::byte> d, event& started) {
  started.set();
  co_await s.write_all(d);
}

// The same stalled zero-copy write, abandoned at shutdown: the scheduler's teardown must end.
TEST(Receive, ShutdownWithAStalledZeroCopyWriteEnds) {
  scoped_env zc("CORONET_SEND_ZC", "4096");
  const std::vector<std::byte> data = pattern(32 << 20, 4);
  run([&]() -> task<> {
    auto server = tcp::listener::bind({"127.0.0.1", 0});
    stream c = co_await tcp::connect("127.0.0.1", server.port());
    stream a = co_await server.accept();
    event started;
    spawn(write_forever(std::move(c), data, started));
    co_await started.wait();
    co_await next_turn();
  });
  SUCCEED();
}

// Closing a stream whose multishot receive has chunks queued, while a buffer is still held:
// every buffer comes back.
TEST(Receive, CloseWithQueuedChunksReturnsEveryBuffer) {
  raw_pair p;
  auto lent_after = run([&]() -> task<std::size_t> {
    auto& b = detail::current_backend();
    {
      stream s(p.take_first(), socket_address());
      CO_ASSERT(raw_send(p.peer(), "a", 1) == 1);
      received held = co_await s.receive();
      for (int i = 0; i < 5; ++i) CO_ASSERT(raw_send(p.peer(), "b", 1) == 1);
      co_await next_turn();
      co_await next_turn();
      s.close();
      co_await next_turn();
      held.release();
    }
    co_await next_turn();
    co_return b.buffers_lent();
  });
  EXPECT_EQ(lent_after, 0u);
}

}  // namespace
}  // namespace coronet::test
