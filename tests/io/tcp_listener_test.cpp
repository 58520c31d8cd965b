// tcp::listener: binding, ports, IPv6, and how accept ends.
#include "coronet/tcp_listener.hpp"

#include <gtest/gtest.h>

#include <cerrno>
#include <stdexcept>
#include <stop_token>
#include <string>
#include <tuple>

#include "coronet/core.hpp"
#include "coronet/io.hpp"
#include "io_test_support.hpp"

namespace coronet::test {
namespace {

task<std::vector<std::byte>> echo_client(socket_address addr, std::span<const std::byte> data) {
  stream s = co_await tcp::connect(addr);
  co_return co_await round_trip(s, data);
}

TEST(TcpListener, PortZeroPicksARealPort) {
  const auto data = pattern(100, 1);
  std::uint16_t port = 0;
  std::string local;
  const auto got = run([&]() -> task<std::vector<std::byte>> {
    auto server = tcp::listener::bind({"127.0.0.1", 0});
    port = server.port();
    local = server.local_address().to_string();
    auto r = co_await when_all(serve_echo(server, 1),
                               echo_client(socket_address::ip("127.0.0.1", port), data));
    co_return std::move(std::get<1>(r));
  });
  EXPECT_NE(port, 0);
  EXPECT_EQ(local, "127.0.0.1:" + std::to_string(port));
  EXPECT_TRUE(got == data);
}

TEST(TcpListener, BindToBusyPortThrowsAddressInUse) {
  std::uint16_t port = 0;
  const failure f = run([&]() -> task<failure> {
    auto first = tcp::listener::bind({"127.0.0.1", 0});
    port = first.port();
    // SO_REUSEADDR (on by default) does not let two sockets listen on one port.
    co_return co_await failure_of([](std::uint16_t port) -> task<> {
      auto second = tcp::listener::bind({"127.0.0.1", port});
      co_return;
    }(port));
  });
  ASSERT_TRUE(f.thrown);
  EXPECT_EQ(f.code, std::errc::address_in_use) << f.what;
  EXPECT_EQ(f.what, "bind 127.0.0.1:" + std::to_string(port) + ": Address already in use");
}

TEST(TcpListener, ListensAndConnectsOverIpv6Loopback) {
  const auto data = pattern(1000, 6);
  std::string remote;
  bool no_ipv6 = false;
  std::vector<std::byte> got;
  run([&]() -> task<> {
    tcp::listener server;
    try {
      server = tcp::listener::bind({"::1", 0});
    } catch (const std::system_error& e) {
      if (e.code() != std::errc::address_not_available &&
          e.code() != std::errc::address_family_not_supported)
        throw;
      no_ipv6 = true;
      co_return;
    }
    remote = server.local_address().to_string();
    auto r = co_await when_all(serve_echo(server, 1), echo_client(server.local_address(), data));
    got = std::move(std::get<1>(r));
  });
  if (no_ipv6) GTEST_SKIP() << "no IPv6 loopback (::1) on this system";
  EXPECT_EQ(remote.rfind("[::1]:", 0), 0u) << remote;
  EXPECT_TRUE(got == data);
}

task<failure> accept_failure(tcp::listener& l) {
  return failure_of([](tcp::listener& l) -> task<> { co_await l.accept(); }(l));
}

task<> close_listener(tcp::listener& l) {
  l.close();
  co_return;
}

TEST(TcpListener, CloseWakesPendingAcceptWithOperationCanceled) {
  bool open_after = true;
  const failure f = run([&]() -> task<failure> {
    auto server = tcp::listener::bind({"127.0.0.1", 0});
    // The accept is pending when the second child closes the listener.
    auto r = co_await when_all(accept_failure(server), close_listener(server));
    open_after = server.is_open();
    co_return std::get<0>(r);
  });
  ASSERT_TRUE(f.thrown);
  EXPECT_EQ(f.code, std::errc::operation_canceled) << f.what;
  EXPECT_FALSE(open_after);
}

// What close() leaves behind, seen from the same thread at once: whether the port can be bound
// again, and whether a client can still connect to it.
struct after_close {
  failure rebind;
  failure connect;
};

task<after_close> close_then_reuse(tcp::listener& l) {
  // Two turns: the accept has reached the kernel (on io_uring, a multishot accept waiting on the
  // socket, holding a reference to it).
  co_await next_turn();
  co_await next_turn();
  const std::uint16_t port = l.port();
  l.close();
  after_close out;
  out.rebind = co_await failure_of([](std::uint16_t port) -> task<> {
    auto again = tcp::listener::bind({"127.0.0.1", port});
    co_return;
  }(port));
  // (No listener is left when the rebind succeeded: it was a local of the lambda.)
  out.connect = co_await failure_of([](std::uint16_t port) -> task<> {
    auto late = co_await tcp::connect("127.0.0.1", port);
  }(port));
  co_return out;
}

// close() frees the port before it returns, also with an accept pending: io_uring lets go of a
// cancelled accept's socket only when its completion runs, which close() makes happen at once
// rather than at the loop's next turn. Before that, a listener restarted on the same port failed
// with "Address already in use" and a client connected to a closed listener (and was reset).
TEST(TcpListener, CloseWithAcceptPendingFreesThePortAtOnce) {
  const auto r = run([&]() -> task<std::tuple<failure, after_close>> {
    auto server = tcp::listener::bind({"127.0.0.1", 0});
    auto both = co_await when_all(accept_failure(server), close_then_reuse(server));
    co_return std::move(both);
  });
  EXPECT_EQ(std::get<0>(r).code, std::errc::operation_canceled) << std::get<0>(r).what;
  const after_close& a = std::get<1>(r);
  EXPECT_FALSE(a.rebind.thrown) << a.rebind.what;
  ASSERT_TRUE(a.connect.thrown) << "a client connected to the closed listener's port";
  EXPECT_EQ(a.connect.code, std::errc::connection_refused) << a.connect.what;
}

task<> request_stop(std::stop_source& s) {
  s.request_stop();
  co_return;
}

task<std::string> accept_and_read(tcp::listener& l) {
  stream s = co_await l.accept();
  auto got = co_await read_to_end(s);
  co_return to_string(got);
}

task<> send_and_close(std::uint16_t port, std::string_view text) {
  stream c = co_await tcp::connect("127.0.0.1", port);
  co_await c.write_all(text);
}

TEST(TcpListener, CancelledAcceptLeavesTheListenerUsable) {
  auto r = run([&]() -> task<std::tuple<failure, std::string>> {
    auto server = tcp::listener::bind({"127.0.0.1", 0});
    std::stop_source stop;
    auto first = co_await when_all(
        failure_of(with_stop_token(stop.get_token(), accept_and_read(server))), request_stop(stop));
    auto second = co_await when_all(accept_and_read(server), send_and_close(server.port(), "hi"));
    co_return std::tuple{std::get<0>(first), std::get<0>(second)};
  });
  EXPECT_EQ(std::get<0>(r).code, std::errc::operation_canceled) << std::get<0>(r).what;
  EXPECT_EQ(std::get<1>(r), "hi");
}

TEST(TcpListener, AcceptAfterCloseThrows) {
  const failure f = run([&]() -> task<failure> {
    auto server = tcp::listener::bind({"127.0.0.1", 0});
    server.close();
    co_return co_await accept_failure(server);
  });
  ASSERT_TRUE(f.thrown);
  EXPECT_EQ(f.code, std::errc::bad_file_descriptor) << f.what;
}

// A listener never bound (or moved from) holds no socket: it behaves as a closed one.
TEST(TcpListener, UnboundAndMovedFromListenersActClosed) {
  const auto r = run([&]() -> task<std::tuple<failure, failure, bool, native_handle_type>> {
    tcp::listener never_bound;
    failure unbound = co_await accept_failure(never_bound);
    auto server = tcp::listener::bind({"127.0.0.1", 0});
    tcp::listener taken = std::move(server);
    failure moved_from = co_await accept_failure(server);
    co_return std::tuple{unbound, moved_from, server.is_open() || !taken.is_open(),
                         never_bound.native_handle()};
  });
  ASSERT_TRUE(std::get<0>(r).thrown);
  EXPECT_EQ(std::get<0>(r).code, std::errc::bad_file_descriptor) << std::get<0>(r).what;
  ASSERT_TRUE(std::get<1>(r).thrown);
  EXPECT_EQ(std::get<1>(r).code, std::errc::bad_file_descriptor) << std::get<1>(r).what;
  EXPECT_FALSE(std::get<2>(r));
  EXPECT_EQ(std::get<3>(r), invalid_native_handle);
}

TEST(TcpListener, BindingAUnixAddressIsRejected) {
  run([&]() -> task<> {
    EXPECT_THROW(tcp::listener::bind(socket_address::unix_path("/tmp/x.sock")),
                 std::invalid_argument);
    co_return;
  });
}

}  // namespace
}  // namespace coronet::test
