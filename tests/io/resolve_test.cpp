// resolve(): numeric addresses at once, names on a helper thread, errors with context.
#include "coronet/resolve.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "coronet/core.hpp"
#include "coronet/io.hpp"
#include "io_test_support.hpp"

namespace coronet::test {
namespace {

TEST(Resolve, NumericAddressIsReturnedAsIs) {
  const auto addrs = run(
      []() -> task<std::vector<socket_address>> { co_return co_await resolve("127.0.0.1", 8080); });
  ASSERT_EQ(addrs.size(), 1u);
  EXPECT_EQ(addrs[0].to_string(), "127.0.0.1:8080");
}

TEST(Resolve, BracketedIpv6IsNumeric) {
  const auto addrs =
      run([]() -> task<std::vector<socket_address>> { co_return co_await resolve("[::1]", 80); });
  ASSERT_EQ(addrs.size(), 1u);
  EXPECT_EQ(addrs[0].to_string(), "[::1]:80");
}

TEST(Resolve, LocalhostResolvesToALoopbackAddress) {
  const auto addrs = run(
      []() -> task<std::vector<socket_address>> { co_return co_await resolve("localhost", 4242); });
  ASSERT_FALSE(addrs.empty());
  const bool loopback = std::any_of(addrs.begin(), addrs.end(), [](const socket_address& a) {
    return a.to_string() == "127.0.0.1:4242" || a.to_string() == "[::1]:4242";
  });
  EXPECT_TRUE(loopback);
  for (const auto& a : addrs) EXPECT_EQ(a.port(), 4242);
}

TEST(Resolve, InvalidNameThrowsWithTheName) {
  const failure f = run(
      []() -> task<failure> { co_return co_await failure_of(resolve("nonexistent.invalid", 80)); });
  ASSERT_TRUE(f.thrown);
  EXPECT_EQ(f.what.rfind("resolve nonexistent.invalid: ", 0), 0u) << f.what;
  EXPECT_TRUE(f.code.category() == resolver_category() ||
              f.code.category() == std::system_category())
      << f.code.category().name();
}

TEST(Resolve, CancelledLookupThrowsOperationCanceled) {
  const failure f = run([]() -> task<failure> {
    std::stop_source stop;
    stop.request_stop();
    co_return co_await failure_of(with_stop_token(stop.get_token(), resolve("localhost", 80)));
  });
  ASSERT_TRUE(f.thrown);
  EXPECT_EQ(f.code, std::errc::operation_canceled) << f.what;
  EXPECT_EQ(f.what, "resolve localhost: Operation canceled");
}

}  // namespace
}  // namespace coronet::test
