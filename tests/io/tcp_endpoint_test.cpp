// tcp::endpoint: parsing "host:port" as people write it, and printing it back.
#include "coronet/tcp_endpoint.hpp"

#include <gtest/gtest.h>

#include <stdexcept>
#include <string>

namespace coronet::test {
namespace {

using coronet::tcp::endpoint;

TEST(TcpEndpoint, ParsesIpv4HostAndPort) {
  const endpoint ep = endpoint::parse("127.0.0.1:8888");
  EXPECT_EQ(ep.host, "127.0.0.1");
  EXPECT_EQ(ep.port, 8888);
}

TEST(TcpEndpoint, ParsesNameAndExtremePorts) {
  EXPECT_EQ(endpoint::parse("localhost:0").port, 0);
  const endpoint ep = endpoint::parse("example.com:65535");
  EXPECT_EQ(ep.host, "example.com");
  EXPECT_EQ(ep.port, 65535);
}

TEST(TcpEndpoint, ParsesBracketedIpv6WithoutBrackets) {
  const endpoint ep = endpoint::parse("[::1]:8080");
  EXPECT_EQ(ep.host, "::1");
  EXPECT_EQ(ep.port, 8080);
}

TEST(TcpEndpoint, EmptyHostMeansEveryAddress) {
  const endpoint ep = endpoint::parse(":80");
  EXPECT_EQ(ep.host, "");
  EXPECT_EQ(ep.port, 80);
}

TEST(TcpEndpoint, RejectsMalformedInput) {
  for (const char* bad : {"", "localhost", "localhost:", "host:65536", "host:-1", "host:80x",
                          "host: 80", "::1:80", "[::1]", "[::1:80", "[localhost:80", "::1]:80"})
    EXPECT_THROW(endpoint::parse(bad), std::invalid_argument) << "'" << bad << "'";
}

TEST(TcpEndpoint, ErrorMessageQuotesTheInput) {
  try {
    endpoint::parse("host:http");
    FAIL() << "no exception";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("'host:http'"), std::string::npos) << e.what();
  }
}

TEST(TcpEndpoint, PrintsTheWayItParses) {
  EXPECT_EQ((endpoint{"127.0.0.1", 80}).to_string(), "127.0.0.1:80");
  EXPECT_EQ((endpoint{"::1", 443}).to_string(), "[::1]:443");
  for (const char* text : {"127.0.0.1:80", "[::1]:443", "example.com:8888", "[fe80::1]:1"})
    EXPECT_EQ(endpoint::parse(text).to_string(), text);
}

}  // namespace
}  // namespace coronet::test
