// coronet::stream over TCP and socketpairs: data integrity, end of stream, errors, options.
#include "coronet/stream.hpp"

#include <gtest/gtest.h>
#ifndef _WIN32
#include <netinet/in.h>
#include <netinet/tcp.h>
#endif

#include <array>
#include <atomic>
#include <csignal>
#include <cstddef>
#include <string>
#include <vector>

#include "coronet/core.hpp"
#include "coronet/io.hpp"
#include "io_test_support.hpp"

namespace coronet::test {
namespace {

task<std::vector<std::byte>> echo_client(std::uint16_t port, std::span<const std::byte> data) {
  stream s = co_await tcp::connect("127.0.0.1", port);
  co_return co_await round_trip(s, data);
}

// Sends `data` through a coronet echo server and returns what came back.
std::vector<std::byte> echo_through_server(const std::vector<std::byte>& data) {
  return run([&]() -> task<std::vector<std::byte>> {
    auto server = tcp::listener::bind({"127.0.0.1", 0});
    auto r = co_await when_all(serve_echo(server, 1), echo_client(server.port(), data));
    co_return std::move(std::get<1>(r));
  });
}

TEST(Stream, EchoesOneByte) {
  const auto data = pattern(1, 7);
  EXPECT_EQ(echo_through_server(data), data);
}

TEST(Stream, Echoes64KiB) {
  const auto data = pattern(64 * 1024, 64);
  const auto got = echo_through_server(data);
  ASSERT_EQ(got.size(), data.size());
  EXPECT_TRUE(got == data);
}

TEST(Stream, Echoes8MiB) {
  const auto data = pattern(8 * 1024 * 1024, 8);
  const auto got = echo_through_server(data);
  ASSERT_EQ(got.size(), data.size());
  EXPECT_TRUE(got == data);  // not EXPECT_EQ: a mismatch would print 8 MiB
}

task<std::vector<std::byte>> accept_and_read_exact(tcp::listener& l, std::size_t n) {
  stream s = co_await l.accept();
  std::vector<std::byte> buf(n);
  co_await s.read_exact(buf);
  co_return buf;
}

task<> connect_and_write(std::uint16_t port, std::span<const std::byte> data) {
  stream s = co_await tcp::connect("127.0.0.1", port);
  co_await s.write_all(data);
}

TEST(Stream, ReadExactCollectsManyPartialReads) {
  // 4 MiB cannot fit in the socket buffers at once, so read_exact must resume several recvs.
  const auto data = pattern(4 * 1024 * 1024, 3);
  const auto got = run([&]() -> task<std::vector<std::byte>> {
    auto server = tcp::listener::bind({"127.0.0.1", 0});
    auto r = co_await when_all(accept_and_read_exact(server, data.size()),
                               connect_and_write(server.port(), data));
    co_return std::move(std::get<0>(r));
  });
  ASSERT_EQ(got.size(), data.size());
  EXPECT_TRUE(got == data);
}

task<> write_then_close(tcp::listener& l, std::string_view data) {
  stream s = co_await l.accept();
  co_await s.write_all(data);
}

task<failure> connect_and_read_exact(std::uint16_t port, std::size_t n, std::string* peer) {
  stream s = co_await tcp::connect("127.0.0.1", port);
  *peer = s.remote_address().to_string();
  std::vector<std::byte> buf(n);
  co_return co_await failure_of(
      [](stream& s, std::span<std::byte> b) -> task<> { co_await s.read_exact(b); }(s, buf));
}

TEST(Stream, ReadExactHittingEofThrowsEndOfStream) {
  std::string peer;
  const failure f = run([&]() -> task<failure> {
    auto server = tcp::listener::bind({"127.0.0.1", 0});
    auto r = co_await when_all(write_then_close(server, "abc"),
                               connect_and_read_exact(server.port(), 10, &peer));
    co_return std::get<1>(r);
  });
  ASSERT_TRUE(f.thrown);
  EXPECT_EQ(f.code, coronet::error::end_of_stream);
  EXPECT_EQ(f.what, "read " + peer + ": End of stream");
}

// Server half of HalfCloseDeliversEof: reads the request to its end, then still answers.
task<std::vector<std::size_t>> read_request_then_reply(tcp::listener& l, std::string* request) {
  stream s = co_await l.accept();
  std::array<std::byte, 5> req;
  co_await s.read_exact(req);
  *request = to_string(req);
  std::array<std::byte, 16> buf;
  std::vector<std::size_t> eofs;
  eofs.push_back(co_await s.read_some(buf));
  eofs.push_back(co_await s.read_some(buf));  // end of stream stays end of stream
  co_await s.write_all("reply");
  co_return eofs;
}

task<std::string> send_request_then_read_reply(std::uint16_t port) {
  stream c = co_await tcp::connect("127.0.0.1", port);
  co_await c.write_all("hello");
  c.shutdown();
  auto reply = co_await read_to_end(c);
  co_return to_string(reply);
}

TEST(Stream, HalfCloseDeliversEofAndKeepsTheOtherDirection) {
  std::string request;
  auto r = run([&]() -> task<std::tuple<std::vector<std::size_t>, std::string>> {
    auto server = tcp::listener::bind({"127.0.0.1", 0});
    co_return co_await when_all(read_request_then_reply(server, &request),
                                send_request_then_read_reply(server.port()));
  });
  EXPECT_EQ(request, "hello");
  EXPECT_EQ(std::get<0>(r), (std::vector<std::size_t>{0, 0}));
  EXPECT_EQ(std::get<1>(r), "reply");
}

task<> read_until_error(stream& s) {
  std::array<std::byte, 256> buf;
  while (co_await s.read_some(buf) > 0) {
  }
}

// The session the reset client talks to: handshake ("x" -> "y"), then a read the reset fails.
task<failure> session_reset_by_peer(stream s) {
  std::array<std::byte, 1> b;
  co_await s.read_exact(b);
  co_await s.write_all("y");
  co_return co_await failure_of(read_until_error(s));
}

task<> accept_and_echo(tcp::listener& l) {
  stream s = co_await l.accept();
  co_await echo(std::move(s));
}

task<failure> serve_reset_then_echo(tcp::listener& l) {
  stream first = co_await l.accept();
  auto r = co_await when_all(session_reset_by_peer(std::move(first)), accept_and_echo(l));
  co_return std::get<0>(r);
}

struct reset_client_result {
  std::string reset_local;  // the reset client's address, as the server sees it
  std::vector<std::byte> second_echo;
};

task<reset_client_result> reset_then_connect_again(std::uint16_t port,
                                                   std::span<const std::byte> data) {
  reset_client_result out;
  stream c = co_await tcp::connect("127.0.0.1", port);
  out.reset_local = c.local_address().to_string();
  co_await c.write_all("x");
  std::array<std::byte, 1> ack;
  co_await c.read_exact(ack);
  // SO_LINGER with a zero timeout: close() sends RST instead of FIN.
  linger lg{1, 0};
  CO_ASSERT(::setsockopt(c.native_handle(), SOL_SOCKET, SO_LINGER,
                         reinterpret_cast<const char*>(&lg), sizeof lg) == 0);
  c.close();

  stream d = co_await tcp::connect("127.0.0.1", port);
  out.second_echo = co_await round_trip(d, data);
  co_return out;
}

TEST(Stream, PeerResetFailsOnlyThatStreamWithContext) {
  const auto data = pattern(1000, 5);
  auto r = run([&]() -> task<std::tuple<failure, reset_client_result>> {
    auto server = tcp::listener::bind({"127.0.0.1", 0});
    co_return co_await when_all(serve_reset_then_echo(server),
                                reset_then_connect_again(server.port(), data));
  });
  const failure& f = std::get<0>(r);
  const reset_client_result& c = std::get<1>(r);
  if (!f.thrown && running_under_wine()) {
    EXPECT_TRUE(c.second_echo == data);
    GTEST_SKIP() << "wine: on a loaded machine the peer's reset sometimes reads as a clean end "
                    "of stream (about 1 run in 7 with two other test processes beside it)";
  }
  ASSERT_TRUE(f.thrown);
  EXPECT_EQ(f.code, std::errc::connection_reset) << f.what;
  EXPECT_EQ(f.what, "read " + c.reset_local + ": Connection reset by peer");
  EXPECT_TRUE(c.second_echo == data);
}

task<std::string> reset_right_away(std::uint16_t port) {
  stream c = co_await tcp::connect("127.0.0.1", port);
  std::string local = c.local_address().to_string();
  linger lg{1, 0};  // close() sends RST
  CO_ASSERT(::setsockopt(c.native_handle(), SOL_SOCKET, SO_LINGER,
                         reinterpret_cast<const char*>(&lg), sizeof lg) == 0);
  c.close();
  co_return local;
}

task<std::tuple<failure, failure>> read_then_write_after_reset(tcp::listener& l) {
  stream s = co_await l.accept();
  failure read, write;
  try {
    received r = co_await s.receive();
  } catch (const std::system_error& e) {
    read = {true, e.code(), e.what()};
  }
  try {
    co_await s.write_all("late");
  } catch (const std::system_error& e) {
    write = {true, e.code(), e.what()};
  }
  co_return std::tuple(read, write);
}

// The echo sample used to log "write ...: Broken pipe" for a client that reset: the reset's
// ECONNRESET goes to the read, and the kernel answers later sends with EPIPE.
TEST(Stream, WriteAfterPeerResetSaysConnectionResetNotBrokenPipe) {
  auto r = run([]() -> task<std::tuple<std::tuple<failure, failure>, std::string>> {
    auto server = tcp::listener::bind({"127.0.0.1", 0});
    co_return co_await when_all(read_then_write_after_reset(server),
                                reset_right_away(server.port()));
  });
  const auto& [read, write] = std::get<0>(r);
  if (!read.thrown && running_under_wine()) GTEST_SKIP() << "wine: the reset read as end of stream";
  ASSERT_TRUE(read.thrown);
  EXPECT_EQ(read.code, std::errc::connection_reset) << read.what;
  ASSERT_TRUE(write.thrown);
  EXPECT_EQ(write.code, std::errc::connection_reset) << write.what;
  EXPECT_EQ(write.what, "write " + std::get<1>(r) + ": Connection reset by peer");
}

std::atomic<int> sigpipes{0};
#ifdef _WIN32
// Windows has no SIGPIPE: nothing to count.
struct sigpipe_counter {
  sigpipe_counter() { sigpipes = 0; }
};
#else
extern "C" void count_sigpipe(int) {
  sigpipes.fetch_add(1);
}

// Restores SIGPIPE's disposition.
struct sigpipe_counter {
  struct sigaction old {};
  sigpipe_counter() {
    struct sigaction sa {};
    sa.sa_handler = &count_sigpipe;
    sigemptyset(&sa.sa_mask);
    ::sigaction(SIGPIPE, &sa, &old);
    sigpipes = 0;
  }
  ~sigpipe_counter() { ::sigaction(SIGPIPE, &old, nullptr); }
};
#endif

task<> accept_and_close(tcp::listener& l) {
  stream s = co_await l.accept();
  s.close();
}

task<failure> write_until_error(std::uint16_t port, std::string* remote) {
  stream c = co_await tcp::connect("127.0.0.1", port);
  *remote = c.remote_address().to_string();
  const auto chunk = pattern(64 * 1024);
  // The first writes may land in the buffers before the peer's RST comes back; one round trip
  // later every write fails. The bound only keeps a broken library from looping forever.
  co_return co_await failure_of([](stream& c, std::span<const std::byte> chunk) -> task<> {
    for (int i = 0; i < 100000; ++i) co_await c.write_all(chunk);
  }(c, chunk));
}

TEST(Stream, WriteToClosedPeerFailsWithoutSigpipe) {
  // A counting handler instead of SIG_DFL: run() leaves it in place, so a SIGPIPE would show
  // here instead of being ignored (or killing the test).
  sigpipe_counter counter;
  std::string remote;
  const failure f = run([&]() -> task<failure> {
    auto server = tcp::listener::bind({"127.0.0.1", 0});
    auto r = co_await when_all(accept_and_close(server), write_until_error(server.port(), &remote));
    co_return std::get<1>(r);
  });
  ASSERT_TRUE(f.thrown);
  EXPECT_TRUE(f.code == std::errc::broken_pipe || f.code == std::errc::connection_reset) << f.what;
  EXPECT_EQ(f.what.rfind("write " + remote + ": ", 0), 0u) << f.what;
  EXPECT_EQ(sigpipes.load(), 0);
}

task<std::tuple<int, int, int, int>> toggle_options(std::uint16_t port) {
  stream c = co_await tcp::connect("127.0.0.1", port);
  const native_handle_type fd = c.native_handle();
  c.set_nodelay(true);
  const int nodelay_on = socket_option(fd, IPPROTO_TCP, TCP_NODELAY);
  c.set_nodelay(false);
  const int nodelay_off = socket_option(fd, IPPROTO_TCP, TCP_NODELAY);
  c.set_keepalive(true);
  const int keepalive_on = socket_option(fd, SOL_SOCKET, SO_KEEPALIVE);
  c.set_keepalive(false);
  const int keepalive_off = socket_option(fd, SOL_SOCKET, SO_KEEPALIVE);
  co_return std::tuple{nodelay_on, nodelay_off, keepalive_on, keepalive_off};
}

TEST(Stream, SetNodelayAndKeepaliveReachTheSocket) {
  auto r = run([&]() -> task<std::tuple<int, int, int, int>> {
    auto server = tcp::listener::bind({"127.0.0.1", 0});
    auto both = co_await when_all(serve_echo(server, 1), toggle_options(server.port()));
    co_return std::get<1>(both);
  });
  EXPECT_NE(std::get<0>(r), 0);
  EXPECT_EQ(std::get<1>(r), 0);
  EXPECT_NE(std::get<2>(r), 0);
  EXPECT_EQ(std::get<3>(r), 0);
}

struct address_pair {
  socket_address local, remote;
};

task<address_pair> accepted_addresses(tcp::listener& l) {
  stream s = co_await l.accept();
  co_return address_pair{s.local_address(), s.remote_address()};
}

task<address_pair> connected_addresses(std::uint16_t port) {
  stream c = co_await tcp::connect("127.0.0.1", port);
  co_return address_pair{c.local_address(), c.remote_address()};
}

TEST(Stream, LocalAndRemoteAddressesMatchBothEnds) {
  std::uint16_t port = 0;
  auto r = run([&]() -> task<std::tuple<address_pair, address_pair>> {
    auto server = tcp::listener::bind({"127.0.0.1", 0});
    port = server.port();
    co_return co_await when_all(accepted_addresses(server), connected_addresses(port));
  });
  const auto& [server_side, client_side] = r;
  EXPECT_EQ(client_side.remote.to_string(), "127.0.0.1:" + std::to_string(port));
  EXPECT_TRUE(client_side.remote == socket_address::ip("127.0.0.1", port));
  EXPECT_TRUE(server_side.local == client_side.remote);
  EXPECT_TRUE(server_side.remote == client_side.local);
  EXPECT_NE(client_side.local.port(), 0);
  EXPECT_NE(client_side.local.port(), port);
}

task<failure> read_once(stream& s, std::span<std::byte> buf) {
  return failure_of(
      [](stream& s, std::span<std::byte> buf) -> task<> { co_await s.read_some(buf); }(s, buf));
}

task<> close_now(stream& s) {
  s.close();
  co_return;
}

TEST(Stream, CloseCancelsPendingRead) {
  raw_pair p;
  bool open_after = true;
  const failure f = run([&]() -> task<failure> {
    stream s(p.take_first(), socket_address());
    std::array<std::byte, 64> buf;
    // when_all starts the reader first, so its read is pending when the closer runs.
    auto r = co_await when_all(read_once(s, buf), close_now(s));
    open_after = s.is_open();
    co_return std::get<0>(r);
  });
  ASSERT_TRUE(f.thrown);
  EXPECT_EQ(f.code, std::errc::operation_canceled) << f.what;
  EXPECT_FALSE(open_after);
  // The socket was released: the raw end sees end of stream.
  EXPECT_EQ(raw_recv_one_after_wait(p.peer(), 10000), 0);
}

TEST(Stream, MovedFromStreamIsClosedAndMoveTargetWorks) {
  raw_pair p;
  const std::string got = run([&]() -> task<std::string> {
    stream a(p.take_first(), socket_address());
    stream b = std::move(a);
    CO_ASSERT(!a.is_open());
    CO_ASSERT(b.is_open());
    CO_ASSERT(raw_send(p.peer(), "hi", 2) == 2);
    std::array<std::byte, 2> buf;
    co_await b.read_exact(buf);
    co_return to_string(buf);
  });
  EXPECT_EQ(got, "hi");
  EXPECT_FALSE(stream().is_open());
}

}  // namespace
}  // namespace coronet::test
