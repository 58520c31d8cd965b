// tcp::connect: by address, by endpoint, by name, and how it fails.
#include "coronet/tcp_connect.hpp"

#include <gtest/gtest.h>

#include <string>

#include "coronet/core.hpp"
#include "coronet/io.hpp"
#include "io_test_support.hpp"

namespace coronet::test {
namespace {

// A port nobody listens on: bound (so it was free) and closed again.
std::uint16_t closed_port() {
  auto l = tcp::listener::bind({"127.0.0.1", 0});
  return l.port();
}

TEST(TcpConnect, RefusedConnectionNamesTheAddress) {
  std::uint16_t port = 0;
  const failure f = run([&]() -> task<failure> {
    port = closed_port();
    co_return co_await failure_of(tcp::connect("127.0.0.1", port));
  });
  ASSERT_TRUE(f.thrown);
  EXPECT_EQ(f.code, std::errc::connection_refused) << f.what;
  EXPECT_EQ(f.what, "connect 127.0.0.1:" + std::to_string(port) + ": Connection refused");
}

TEST(TcpConnect, RefusedConnectionByEndpointAndAddressAlike) {
  std::uint16_t port = 0;
  auto r = run([&]() -> task<std::tuple<failure, failure>> {
    port = closed_port();
    // Built first: GCC 12 miscompiles braced temporaries inside co_await expressions.
    const tcp::endpoint ep{"127.0.0.1", port};
    failure by_endpoint = co_await failure_of(tcp::connect(ep));
    failure by_address = co_await failure_of(tcp::connect(socket_address::ip("127.0.0.1", port)));
    co_return std::tuple{by_endpoint, by_address};
  });
  const std::string expected = "connect 127.0.0.1:" + std::to_string(port) + ": Connection refused";
  EXPECT_EQ(std::get<0>(r).what, expected);
  EXPECT_EQ(std::get<1>(r).what, expected);
}

task<std::string> connect_by_name_and_echo(std::uint16_t port) {
  stream s = co_await tcp::connect("localhost", port);
  auto got = co_await round_trip(s, bytes("by name"));
  co_return to_string(got);
}

TEST(TcpConnect, ConnectsToLocalhostByName) {
  const std::string got = run([&]() -> task<std::string> {
    // localhost may resolve to ::1 first; connect tries each address, so an IPv4 listener is
    // reached either way.
    auto server = tcp::listener::bind({"127.0.0.1", 0});
    auto r = co_await when_all(serve_echo(server, 1), connect_by_name_and_echo(server.port()));
    co_return std::get<1>(r);
  });
  EXPECT_EQ(got, "by name");
}

TEST(TcpConnect, UnknownHostFailsWithResolveContext) {
  const failure f = run([&]() -> task<failure> {
    co_return co_await failure_of(tcp::connect("nonexistent.invalid", 80));
  });
  ASSERT_TRUE(f.thrown);
  EXPECT_EQ(f.what.rfind("resolve nonexistent.invalid: ", 0), 0u) << f.what;
}

}  // namespace
}  // namespace coronet::test
