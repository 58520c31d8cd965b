// socket_address: parsing numeric addresses and printing every kind the way people write it.
#include "coronet/socket_address.hpp"

#include <gtest/gtest.h>
#ifdef _WIN32
#include <winsock2.h>
#include <ws2tcpip.h>
// winsock2 first
#include <afunix.h>
#else
#include <netinet/in.h>
#include <sys/un.h>
#endif

#include <stdexcept>
#include <string>

namespace coronet::test {
namespace {

TEST(SocketAddress, Ipv4PrintsHostColonPort) {
  const auto a = socket_address::ip("127.0.0.1", 8888);
  EXPECT_EQ(a.family(), AF_INET);
  EXPECT_TRUE(a.is_ip());
  EXPECT_EQ(a.port(), 8888);
  EXPECT_EQ(a.host(), "127.0.0.1");
  EXPECT_EQ(a.to_string(), "127.0.0.1:8888");
  EXPECT_EQ(a.size(), sizeof(sockaddr_in));
}

TEST(SocketAddress, Ipv6PrintsWithBrackets) {
  const auto a = socket_address::ip("::1", 443);
  EXPECT_EQ(a.family(), AF_INET6);
  EXPECT_EQ(a.to_string(), "[::1]:443");
  EXPECT_TRUE(a == socket_address::ip("[::1]", 443));
}

TEST(SocketAddress, NamesAreNotNumericAddresses) {
  EXPECT_FALSE(socket_address::parse_ip("localhost", 80).has_value());
  EXPECT_FALSE(socket_address::parse_ip("256.0.0.1", 80).has_value());
  EXPECT_THROW(socket_address::ip("localhost", 80), std::invalid_argument);
}

TEST(SocketAddress, UnixPathAndAbstractName) {
  const auto p = socket_address::unix_path("/tmp/x.sock");
  EXPECT_TRUE(p.is_unix());
  EXPECT_EQ(p.path(), "/tmp/x.sock");
  EXPECT_EQ(p.to_string(), "/tmp/x.sock");
  const auto a = socket_address::unix_path("@name");
  EXPECT_EQ(a.path(), "@name");
  EXPECT_EQ(a.native()->sa_family, AF_UNIX);
  EXPECT_FALSE(p == a);
}

TEST(SocketAddress, UnixPathLimits) {
  constexpr std::size_t room = sizeof(sockaddr_un{}.sun_path);
  EXPECT_NO_THROW(socket_address::unix_path("/" + std::string(room - 2, 'x')));
  EXPECT_THROW(socket_address::unix_path("/" + std::string(room - 1, 'x')), std::invalid_argument);
  EXPECT_NO_THROW(socket_address::unix_path("@" + std::string(room - 1, 'x')));
  EXPECT_THROW(socket_address::unix_path("@" + std::string(room, 'x')), std::invalid_argument);
  EXPECT_THROW(socket_address::unix_path(""), std::invalid_argument);
  // The kernel would stop at the NUL and use another path (found by tests/fuzz/endpoint_fuzz);
  // an abstract name is a byte string and may hold one.
  EXPECT_THROW(socket_address::unix_path(std::string("/tmp/a\0b", 8)), std::invalid_argument);
  EXPECT_EQ(socket_address::unix_path(std::string("@a\0b", 4)).path(), std::string("@a\0b", 4));
}

TEST(SocketAddress, RoundTripsThroughNative) {
  const auto a = socket_address::ip("10.1.2.3", 9);
  const auto b = socket_address::from_native(a.native(), a.size());
  EXPECT_TRUE(a == b);
  EXPECT_EQ(b.to_string(), "10.1.2.3:9");
}

}  // namespace
}  // namespace coronet::test
