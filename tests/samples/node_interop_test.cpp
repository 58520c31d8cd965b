// The samples against the Node seed programs (tests/samples/node/), over the wire: each side
// prints the same lines whichever language the other side is written in.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <csignal>
#include <string>

#include "child_process.hpp"
#include "node_test.hpp"
#include "sample_harness.hpp"

namespace sample_test {
namespace {

using NodeInterop = sample_test::node_test;

TEST_F(NodeInterop, NodeClientAgainstTcpServer) {
  child_process server({sample_path("tcp-echo-server"), "--port", "0"});
  const auto port = std::to_string(listening_port(server));
  child_process client({node, node_script("echo_client.js"), "--port", port, "--count", "3",
                        "--interval-ms", exchange_interval_ms});

  EXPECT_EQ(client.read_lines(100), client_lines(3));
  EXPECT_EQ(client.wait(), 0);
  EXPECT_EQ(client.read_stderr(), "");
  EXPECT_EQ(server.read_lines(tcp_server_lines(3).size()), tcp_server_lines(3));
  server.signal(SIGTERM);
  EXPECT_EQ(server.wait(), 0);
}

TEST_F(NodeInterop, NodeClientAgainstPipeServer) {
  temp_dir dir;
  const std::string path = dir.file("unix.sock");
  child_process server({sample_path("pipe-echo-server"), "--path", path});
  EXPECT_EQ(server.read_line(), "listening on " + path);
  child_process client({node, node_script("echo_client.js"), "--path", path, "--count", "3",
                        "--interval-ms", exchange_interval_ms});

  EXPECT_EQ(client.read_lines(100), client_lines(3));
  EXPECT_EQ(client.wait(), 0);
  EXPECT_EQ(client.read_stderr(), "");
  EXPECT_EQ(server.read_lines(pipe_server_lines(3).size()), pipe_server_lines(3));
  server.signal(SIGTERM);
  EXPECT_EQ(server.wait(), 0);
}

TEST_F(NodeInterop, TcpClientAgainstNodeServer) {
  child_process server({node, node_script("tcp_echo_server.js"), "0"});
  const auto port = std::to_string(listening_port(server, "[::]"));
  child_process client({sample_path("tcp-echo-client"), "--port", port, "--count", "3",
                        "--interval-ms", exchange_interval_ms});

  EXPECT_EQ(client.read_lines(100), client_lines(3));
  EXPECT_EQ(client.wait(), 0);
  EXPECT_EQ(client.read_stderr(), "");
  EXPECT_EQ(server.read_lines(tcp_server_lines(3).size()), tcp_server_lines(3));
}

TEST_F(NodeInterop, PipeClientAgainstNodeServer) {
  temp_dir dir;
  const std::string path = dir.file("unix.sock");
  child_process server({node, node_script("pipe_echo_server.js"), path});
  EXPECT_EQ(server.read_line(), "listening on " + path);
  child_process client({sample_path("pipe-echo-client"), "--path", path, "--count", "3",
                        "--interval-ms", exchange_interval_ms});

  EXPECT_EQ(client.read_lines(100), client_lines(3));
  EXPECT_EQ(client.wait(), 0);
  EXPECT_EQ(client.read_stderr(), "");
  EXPECT_EQ(server.read_lines(pipe_server_lines(3).size()), pipe_server_lines(3));
}

TEST_F(NodeInterop, TcpClientPrintsDisconnectedWhenNodeServerEnds) {
  child_process server({node, node_script("tcp_echo_server.js"), "0"});
  const auto port = std::to_string(listening_port(server, "[::]"));
  child_process client({sample_path("tcp-echo-client"), "--port", port, "--interval-ms",
                        idle_interval_ms, "--quiet"});
  EXPECT_EQ(client.read_line(), "connected.");
  EXPECT_EQ(server.read_line(), "socket connected");

  server.signal(SIGTERM);  // Node exits at once; the kernel closes the connection
  EXPECT_EQ(client.read_lines(100), std::vector<std::string>{"disconnected."});
  EXPECT_EQ(client.wait(), 0);
  EXPECT_EQ(client.read_stderr(), "");
}

}  // namespace
}  // namespace sample_test
