// tcp-echo-server and tcp-echo-client against each other, as the seed's server.js and client.js.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <array>
#include <chrono>
#include <csignal>
#include <cstdint>
#include <memory>
#include <string>
#include <system_error>
#include <vector>

#include "child_process.hpp"
#include "coronet/coronet.hpp"
#include "sample_harness.hpp"
#include "test_support.hpp"

namespace sample_test {
namespace {

TEST(TcpEcho, ServerAndClientPrintTheSeedLinesForThreeMessages) {
  child_process server({sample_path("tcp-echo-server"), "--port", "0"});
  const auto port = std::to_string(listening_port(server));
  child_process client({sample_path("tcp-echo-client"), "--port", port, "--count", "3",
                        "--interval-ms", exchange_interval_ms});

  EXPECT_EQ(client.read_lines(100), client_lines(3));  // and then the end of its output
  EXPECT_EQ(client.wait(), 0);
  EXPECT_EQ(client.read_stderr(), "");
  EXPECT_EQ(server.read_lines(tcp_server_lines(3).size()), tcp_server_lines(3));

  server.signal(SIGTERM);
  EXPECT_EQ(server.read_line(), std::nullopt);
  EXPECT_EQ(server.wait(), 0);
  EXPECT_EQ(server.read_stderr(), "");
}

TEST(TcpEcho, ServerListensWhereItSaysAndClientSendsItsMessage) {
  child_process server({sample_path("tcp-echo-server"), "--host", "127.0.0.1", "--port", "0"});
  const auto port = std::to_string(listening_port(server, "127.0.0.1"));
  child_process client({sample_path("tcp-echo-client"), "--host", "127.0.0.1", "--port", port,
                        "--message", "hi there", "--count", "1", "--interval-ms", "1"});
  EXPECT_EQ(client.read_lines(100), client_lines(1, "hi there"));
  EXPECT_EQ(client.wait(), 0);
  EXPECT_EQ(server.read_lines(4), tcp_server_lines(1, "hi there"));
}

TEST(TcpEcho, QuietSidesPrintOnlyTheConnectionLines) {
  child_process server({sample_path("tcp-echo-server"), "--port", "0", "--quiet"});
  const auto port = std::to_string(listening_port(server));
  child_process client({sample_path("tcp-echo-client"), "--port", port, "--count", "3",
                        "--interval-ms", "50", "--quiet"});
  EXPECT_EQ(client.read_lines(100), std::vector<std::string>{"connected."});
  EXPECT_EQ(client.wait(), 0);
  EXPECT_EQ(server.read_lines(2),
            (std::vector<std::string>{"socket connected", "socket disconnected"}));
}

// A second client is served while the first stays connected: one task per connection.
TEST(TcpEcho, ServerEchoesToAClientWhileAnotherStaysConnected) {
  child_process server({sample_path("tcp-echo-server"), "--port", "0"});
  const auto port = std::to_string(listening_port(server));
  child_process idle({sample_path("tcp-echo-client"), "--port", port, "--interval-ms",
                      idle_interval_ms, "--quiet"});
  EXPECT_EQ(idle.read_line(), "connected.");
  EXPECT_EQ(server.read_line(), "socket connected");

  child_process busy({sample_path("tcp-echo-client"), "--port", port, "--count", "2",
                      "--interval-ms", exchange_interval_ms});
  EXPECT_EQ(busy.read_lines(100), client_lines(2));
  EXPECT_EQ(busy.wait(), 0);
  EXPECT_EQ(server.read_lines(6), tcp_server_lines(2));

  server.signal(SIGTERM);
  EXPECT_EQ(server.read_lines(100), std::vector<std::string>{"socket disconnected"});
  EXPECT_EQ(server.wait(), 0);
  EXPECT_EQ(idle.read_lines(100), std::vector<std::string>{"disconnected."});
}

TEST(TcpEcho, ClientPrintsDisconnectedWhenTheServerIsStopped) {
  child_process server({sample_path("tcp-echo-server"), "--port", "0", "--quiet"});
  const auto port = std::to_string(listening_port(server));
  child_process client({sample_path("tcp-echo-client"), "--port", port, "--interval-ms",
                        idle_interval_ms, "--quiet"});
  EXPECT_EQ(client.read_line(), "connected.");
  EXPECT_EQ(server.read_line(), "socket connected");

  server.signal(SIGTERM);
  EXPECT_EQ(server.read_lines(100), std::vector<std::string>{"socket disconnected"});
  EXPECT_EQ(server.wait(), 0);
  EXPECT_EQ(client.read_lines(100), std::vector<std::string>{"disconnected."});
  EXPECT_EQ(client.wait(), 0);
  EXPECT_EQ(client.read_stderr(), "");
}

// A graceful stop: a client streaming data when the server gets SIGTERM gets back exactly a
// prefix of what it sent, then end of stream, never a reset; and new clients are refused.
TEST(TcpEcho, SigtermWhileAClientStreamsEchoesAPrefixThenEndOfStream) {
  child_process server({sample_path("tcp-echo-server"), "--port", "0", "--quiet"});
  const std::uint16_t port = listening_port(server);
  std::string sent, echoed;
  std::error_code read_error, write_error, second_connect;
  coronet::run([&]() -> coronet::task<> {
    coronet::stream c = co_await coronet::tcp::connect("127.0.0.1", port);
    bool eof = false;
    auto writer = [&]() -> coronet::task<> {
      try {
        // `eof` is set by the reader, a coroutine of its own, while this one waits.
        for (std::uint32_t i = 0;; ++i) {
          if (eof) break;
          std::string chunk(4096, char('a' + i % 26));
          co_await c.write_all(chunk);
          sent += chunk;
          co_await coronet::sleep_for(std::chrono::milliseconds(1));
        }
      } catch (const std::system_error& e) {
        write_error = e.code();
      }
      try {
        c.shutdown();  // as the seed's client ends once the server has
      } catch (const std::system_error& e) {
        write_error = e.code();  // not connected any more: the server reset it
      }
    };
    auto reader = [&]() -> coronet::task<> {
      std::array<char, 8192> buf;
      try {
        bool signalled = false;
        for (;;) {
          const std::size_t n = co_await c.read_some(buf);
          if (n == 0) break;
          echoed.append(buf.data(), n);
          if (!signalled && echoed.size() >= (64u << 10)) {
            signalled = true;
            server.signal(SIGTERM);
          }
        }
      } catch (const std::system_error& e) {
        read_error = e.code();
      }
      eof = true;
      // The listener closed before the connections were told: the end of stream proves it.
      second_connect = co_await coronet::test::error_of(coronet::tcp::connect("127.0.0.1", port));
    };
    co_await coronet::when_all(writer(), reader());
  });
  EXPECT_FALSE(read_error) << read_error.message();
  EXPECT_FALSE(write_error) << write_error.message();
  EXPECT_EQ(second_connect, std::errc::connection_refused);
  ASSERT_GE(echoed.size(), std::size_t(64u << 10));
  EXPECT_TRUE(sent.starts_with(echoed)) << "a prefix of what was sent";
  EXPECT_EQ(server.wait(), 0);
  EXPECT_EQ(server.read_stderr(), "");
}

TEST(TcpEcho, ServerStopsOnSigintRightAfterStarting) {
  child_process server({sample_path("tcp-echo-server"), "--port", "0"});
  listening_port(server);
  server.signal(SIGINT);
  EXPECT_EQ(server.read_line(), std::nullopt);
  EXPECT_EQ(server.wait(), 0) << "128 + n: killed by signal n";
}

TEST(TcpEcho, ServerSaysWhenThePortIsTaken) {
  child_process first({sample_path("tcp-echo-server"), "--host", "127.0.0.1", "--port", "0"});
  const auto port = std::to_string(listening_port(first, "127.0.0.1"));
  child_process second({sample_path("tcp-echo-server"), "--host", "127.0.0.1", "--port", port});
  EXPECT_EQ(second.wait(), 1);
  EXPECT_EQ(second.read_stderr(), "bind 127.0.0.1:" + port + ": Address already in use\n");
}

TEST(TcpEcho, ClientReportsConnectionRefused) {
  refusing_port nobody;
  const auto port = std::to_string(nobody.port());
  child_process client({sample_path("tcp-echo-client"), "--port", port});
  EXPECT_EQ(client.wait(), 1);
  EXPECT_EQ(client.read_line(), std::nullopt) << "nothing on stdout, not even 'connected.'";
  EXPECT_EQ(client.read_stderr(), "connect 127.0.0.1:" + port + ": Connection refused\n");
}

// --threads N: the same lines, whichever thread serves the client.
TEST(TcpEchoThreads, ServerOnTwoThreadsPrintsTheSeedLines) {
  child_process server({sample_path("tcp-echo-server"), "--port", "0", "--threads", "2"});
  const auto port = std::to_string(listening_port(server));
  for (int round = 0; round < 3; ++round) {
    child_process client({sample_path("tcp-echo-client"), "--port", port, "--count", "2",
                          "--interval-ms", exchange_interval_ms});
    EXPECT_EQ(client.read_lines(100), client_lines(2));
    EXPECT_EQ(client.wait(), 0);
    EXPECT_EQ(server.read_lines(tcp_server_lines(2).size()), tcp_server_lines(2));
  }
  server.signal(SIGTERM);
  EXPECT_EQ(server.read_line(), std::nullopt);
  EXPECT_EQ(server.wait(), 0);
  EXPECT_EQ(server.read_stderr(), "");
}

// Connections held on every thread are all closed by one SIGTERM.
TEST(TcpEchoThreads, SigtermClosesTheConnectionsOfEveryThread) {
  child_process server(
      {sample_path("tcp-echo-server"), "--port", "0", "--threads", "3", "--quiet"});
  const auto port = std::to_string(listening_port(server));
  std::vector<std::unique_ptr<child_process>> clients;
  for (int i = 0; i < 6; ++i) {
    clients.push_back(std::make_unique<child_process>(
        std::vector<std::string>{sample_path("tcp-echo-client"), "--port", port, "--interval-ms",
                                 idle_interval_ms, "--quiet"}));
    EXPECT_EQ(clients.back()->read_line(), "connected.");
  }
  EXPECT_EQ(server.read_lines(6), std::vector<std::string>(6, "socket connected"));
  server.signal(SIGTERM);
  EXPECT_EQ(server.read_lines(100), std::vector<std::string>(6, "socket disconnected"));
  EXPECT_EQ(server.wait(), 0);
  for (auto& c : clients) EXPECT_EQ(c->read_lines(100), std::vector<std::string>{"disconnected."});
}

TEST(TcpEchoThreads, StopsOnSigintRightAfterStarting) {
  child_process server({sample_path("tcp-echo-server"), "--port", "0", "--threads", "4"});
  listening_port(server);
  server.signal(SIGINT);
  EXPECT_EQ(server.read_line(), std::nullopt);
  EXPECT_EQ(server.wait(), 0) << "128 + n: killed by signal n";
}

// With SO_REUSEPORT a second server could join the first's port silently: it must not.
TEST(TcpEchoThreads, ServerSaysWhenThePortIsTaken) {
  child_process first(
      {sample_path("tcp-echo-server"), "--host", "127.0.0.1", "--port", "0", "--threads", "2"});
  const auto port = std::to_string(listening_port(first, "127.0.0.1"));
  child_process second(
      {sample_path("tcp-echo-server"), "--host", "127.0.0.1", "--port", port, "--threads", "2"});
  EXPECT_EQ(second.wait(), 1);
  EXPECT_EQ(second.read_stderr(), "bind 127.0.0.1:" + port + ": Address already in use\n");
}

TEST(TcpEchoThreads, BadThreadCountExitsTwo) {
  child_process p({sample_path("tcp-echo-server"), "--threads", "many"});
  EXPECT_EQ(p.wait(), 2);
  EXPECT_THAT(p.read_stderr(),
              ::testing::StartsWith(
                  "tcp-echo-server: --threads must be a number from 0 to 1024, not 'many'\n"));
}

}  // namespace
}  // namespace sample_test
