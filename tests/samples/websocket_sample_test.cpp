// websocket-echo-server and websocket-echo-client against each other and against Node's ws
// (node/ws_echo_server.js, node/ws_echo_client.js): the same lines whichever side is Node;
// usage errors; failures; SIGTERM closing every client with 1001.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <csignal>
#include <cstdlib>
#include <string>
#include <vector>

#include "child_process.hpp"
#include "node_test.hpp"
#include "sample_harness.hpp"

namespace sample_test {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

std::string ws_url(std::uint16_t port) {
  return "ws://127.0.0.1:" + std::to_string(port) + "/";
}

// What websocket-echo-server prints for a client that sends `count` "hello"s and closes.
std::vector<std::string> server_lines(int count, std::string_view disconnected = "1000") {
  std::vector<std::string> lines{"socket connected"};
  for (int i = 0; i < count; ++i) {
    lines.push_back("receive: hello");
    lines.push_back("send: hello");
  }
  lines.push_back("socket disconnected: " + std::string(disconnected));
  return lines;
}

TEST(WebSocketSample, EchoClientAgainstEchoServer) {
  child_process server({sample_path("websocket-echo-server"), "--port", "0"});
  const std::uint16_t port = listening_port(server);
  child_process client({sample_path("websocket-echo-client"), "--url", ws_url(port), "--count", "3",
                        "--interval-ms", exchange_interval_ms});

  EXPECT_EQ(client.read_lines(100), client_lines(3));
  EXPECT_EQ(client.wait(), 0);
  EXPECT_EQ(client.read_stderr(), "");
  EXPECT_EQ(server.read_lines(server_lines(3).size()), server_lines(3));
  server.signal(SIGTERM);
  EXPECT_EQ(server.read_lines(100), std::vector<std::string>{});
  EXPECT_EQ(server.wait(), 0);
  EXPECT_EQ(server.read_stderr(), "");
}

TEST(WebSocketSample, QuietServerPrintsOnlyConnections) {
  child_process server({sample_path("websocket-echo-server"), "--port", "0", "--quiet"});
  const std::uint16_t port = listening_port(server);
  const run_result client = run_to_file({sample_path("websocket-echo-client"), "--url",
                                         ws_url(port), "--count", "2", "--interval-ms", "1"});
  EXPECT_EQ(client.status, 0);
  EXPECT_EQ(client.err, "");
  EXPECT_EQ(server.read_lines(2),
            (std::vector<std::string>{"socket connected", "socket disconnected: 1000"}));
}

// SIGTERM closes the server gracefully: each client gets a close frame with 1001 (going away),
// prints it and exits 0, and the server exits 0 once they have answered.
TEST(WebSocketSample, SigtermClosesEveryClientWithGoingAway) {
  child_process server({sample_path("websocket-echo-server"), "--port", "0"});
  const std::uint16_t port = listening_port(server);
  child_process first({sample_path("websocket-echo-client"), "--url", ws_url(port), "--interval-ms",
                       idle_interval_ms});
  child_process second({sample_path("websocket-echo-client"), "--url", ws_url(port),
                        "--interval-ms", idle_interval_ms});
  EXPECT_EQ(first.read_line(), "connected.");
  EXPECT_EQ(second.read_line(), "connected.");
  EXPECT_EQ(server.read_lines(2),
            (std::vector<std::string>{"socket connected", "socket connected"}));

  server.signal(SIGTERM);
  for (child_process* client : {&first, &second}) {
    EXPECT_EQ(client->read_lines(100),
              std::vector<std::string>{"disconnected: 1001 server closing"});
    EXPECT_EQ(client->wait(), 0);
    EXPECT_EQ(client->read_stderr(), "");
  }
  EXPECT_EQ(server.read_lines(100),
            (std::vector<std::string>{"socket disconnected: 1001", "socket disconnected: 1001"}));
  EXPECT_EQ(server.wait(), 0);
  EXPECT_EQ(server.read_stderr(), "");
}

TEST(WebSocketSample, ClientReportsConnectionRefused) {
  refusing_port nobody;
  const std::string u = ws_url(nobody.port());
  const run_result client = run_to_file({sample_path("websocket-echo-client"), "--url", u});
  EXPECT_EQ(client.status, 1);
  EXPECT_EQ(client.out, "");
  EXPECT_EQ(client.err, "GET " + u + ": connect 127.0.0.1:" + std::to_string(nobody.port()) +
                            ": Connection refused\n");
}

// An HTTP server that is not a WebSocket one: the handshake fails, naming its answer.
TEST(WebSocketSample, ClientReportsARefusedHandshake) {
  child_process server({sample_path("http-server"), "--port", "0", "--quiet"});
  const std::string u = ws_url(listening_port(server));
  const run_result client = run_to_file({sample_path("websocket-echo-client"), "--url", u});
  EXPECT_EQ(client.status, 1);
  EXPECT_EQ(client.out, "");
  EXPECT_EQ(client.err, "GET " + u + ": handshake failed: the server answered 200 OK\n");
}

TEST(WebSocketSample, BadFlagsExitTwoWithUsage) {
  struct bad_flags {
    std::string program;
    std::vector<std::string> args;
    std::string message;
  };
  const std::vector<bad_flags> cases{
      {"websocket-echo-server", {"--bogus"}, "websocket-echo-server: unknown option '--bogus'\n"},
      {"websocket-echo-server", {"--port", "70000"}, "websocket-echo-server: --port must be"},
      {"websocket-echo-server", {"--quiet=1"}, "websocket-echo-server: --quiet takes no value\n"},
      {"websocket-echo-client", {"--url"}, "websocket-echo-client: --url needs a value\n"},
      {"websocket-echo-client", {"--count", "-1"}, "websocket-echo-client: --count must be"},
      {"websocket-echo-client", {"--interval-ms", "0"}, "websocket-echo-client: --interval-ms"},
      {"websocket-echo-client", {"ws://x/"}, "websocket-echo-client: unexpected argument"},
      {"chat-server", {"--port", "http"}, "chat-server: --port must be"},
      {"chat-server", {"--bogus"}, "chat-server: unknown option '--bogus'\n"},
  };
  for (const bad_flags& b : cases) {
    std::vector<std::string> argv{sample_path(b.program)};
    argv.insert(argv.end(), b.args.begin(), b.args.end());
    child_process p(argv);
    SCOPED_TRACE(b.program + " " + b.args[0]);
    EXPECT_EQ(p.wait(), 2);
    EXPECT_EQ(p.read_line(), std::nullopt) << "nothing on stdout";
    const std::string err = p.read_stderr();
    EXPECT_THAT(err, StartsWith(b.message));
    EXPECT_THAT(err, HasSubstr("\nusage: " + b.program + " [--help]"));
  }
}

TEST(WebSocketSample, ServerSaysWhenThePortIsTaken) {
  child_process first({sample_path("websocket-echo-server"), "--host", "127.0.0.1", "--port", "0"});
  const auto port = std::to_string(listening_port(first, "127.0.0.1"));
  child_process second(
      {sample_path("websocket-echo-server"), "--host", "127.0.0.1", "--port", port});
  EXPECT_EQ(second.wait(), 1);
  EXPECT_EQ(second.read_stderr(), "bind 127.0.0.1:" + port + ": Address already in use\n");
}

// Node's ws: the fixture adds Debian's module directory to NODE_PATH, and skips when
// require('ws') fails there (Debian's package node-ws provides it).
class WebSocketSampleNode : public node_test {
 protected:
  void SetUp() override {
    node_test::SetUp();
    if (IsSkipped()) return;
    const char* path = std::getenv("NODE_PATH");
    std::string with_debian = path && *path ? std::string(path) + ":" : std::string();
    ::setenv("NODE_PATH", (with_debian + "/usr/share/nodejs").c_str(), 1);
    if (run_to_file({node, "-e", "require('ws')"}).status != 0)
      GTEST_SKIP() << "Node's ws module not found (Debian: node-ws): the ws interop tests need it";
  }
};

TEST_F(WebSocketSampleNode, NodeClientAgainstEchoServer) {
  child_process server({sample_path("websocket-echo-server"), "--port", "0"});
  const std::uint16_t port = listening_port(server);
  child_process client(
      {node, node_script("ws_echo_client.js"), ws_url(port), "3", exchange_interval_ms});

  EXPECT_EQ(client.read_lines(100), client_lines(3));
  EXPECT_EQ(client.wait(), 0);
  EXPECT_EQ(client.read_stderr(), "");
  EXPECT_EQ(server.read_lines(server_lines(3).size()), server_lines(3));
}

TEST_F(WebSocketSampleNode, EchoClientAgainstNodeServer) {
  child_process server({node, node_script("ws_echo_server.js"), "0"});
  const std::uint16_t port = listening_port(server, "127.0.0.1");
  child_process client({sample_path("websocket-echo-client"), "--url", ws_url(port), "--count", "3",
                        "--interval-ms", exchange_interval_ms});

  EXPECT_EQ(client.read_lines(100), client_lines(3));
  EXPECT_EQ(client.wait(), 0);
  EXPECT_EQ(client.read_stderr(), "");
  EXPECT_EQ(server.read_lines(server_lines(3).size()), server_lines(3));
}

// The same lines from both servers for the same client, and from both clients.
TEST_F(WebSocketSampleNode, SameLinesWhicheverSideIsNode) {
  child_process ours({sample_path("websocket-echo-server"), "--port", "0"});
  const std::uint16_t our_port = listening_port(ours);
  child_process theirs({node, node_script("ws_echo_server.js"), "0"});
  const std::uint16_t their_port = listening_port(theirs, "127.0.0.1");
  for (std::uint16_t port : {our_port, their_port}) {
    const run_result a = run_to_file({sample_path("websocket-echo-client"), "--url", ws_url(port),
                                      "--count", "2", "--interval-ms", exchange_interval_ms});
    const run_result b = run_to_file(
        {node, node_script("ws_echo_client.js"), ws_url(port), "2", exchange_interval_ms});
    EXPECT_EQ(a.out, "connected.\nsend: hello\nreceive: hello\nsend: hello\nreceive: hello\n");
    EXPECT_EQ(a.out, b.out);
    EXPECT_EQ(a.status, b.status);
  }
  const std::vector<std::string> once = server_lines(2);
  std::vector<std::string> twice = once;
  twice.insert(twice.end(), once.begin(), once.end());
  EXPECT_EQ(ours.read_lines(twice.size()), twice);
  EXPECT_EQ(theirs.read_lines(twice.size()), twice);
}

}  // namespace
}  // namespace sample_test
