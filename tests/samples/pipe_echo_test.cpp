// pipe-echo-server and pipe-echo-client against each other, as the seed's local server.js and
// client.js, on a socket file in a fresh directory.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <csignal>
#include <cstring>
#include <filesystem>
#include <string>

#include "child_process.hpp"
#include "sample_harness.hpp"

namespace sample_test {
namespace {

TEST(PipeEcho, ServerAndClientPrintTheSeedLinesForThreeMessages) {
  temp_dir dir;
  const std::string path = dir.file("unix.sock");
  child_process server({sample_path("pipe-echo-server"), "--path", path});
  EXPECT_EQ(server.read_line(), "listening on " + path);
  child_process client({sample_path("pipe-echo-client"), "--path", path, "--count", "3",
                        "--interval-ms", exchange_interval_ms});

  EXPECT_EQ(client.read_lines(100), client_lines(3));
  EXPECT_EQ(client.wait(), 0);
  EXPECT_EQ(client.read_stderr(), "");
  EXPECT_EQ(server.read_lines(pipe_server_lines(3).size()), pipe_server_lines(3));

  server.signal(SIGTERM);
  EXPECT_EQ(server.read_line(), std::nullopt);
  EXPECT_EQ(server.wait(), 0);
  EXPECT_EQ(server.read_stderr(), "");
}

TEST(PipeEcho, ClientPrintsDisconnectedWhenTheServerIsStopped) {
  temp_dir dir;
  const std::string path = dir.file("unix.sock");
  child_process server({sample_path("pipe-echo-server"), "--path", path, "--quiet"});
  EXPECT_EQ(server.read_line(), "listening on " + path);
  child_process client({sample_path("pipe-echo-client"), "--path", path, "--interval-ms",
                        idle_interval_ms, "--quiet"});
  EXPECT_EQ(client.read_line(), "connected.");
  EXPECT_EQ(server.read_line(), "socket connected.");

  server.signal(SIGTERM);
  EXPECT_EQ(server.read_lines(100), std::vector<std::string>{"disconnected."});
  EXPECT_EQ(server.wait(), 0);
  EXPECT_FALSE(std::filesystem::exists(path)) << "the server removes its socket file";
  EXPECT_EQ(client.read_lines(100), std::vector<std::string>{"disconnected."});
  EXPECT_EQ(client.wait(), 0);
  EXPECT_EQ(client.read_stderr(), "");
}

// The seed unlinks the path before listening; the sample replaces a socket file nobody serves.
TEST(PipeEcho, ServerReplacesAStaleSocketFile) {
  temp_dir dir;
  const std::string path = dir.file("unix.sock");
  {  // a server that died without cleaning up: the file stays, nobody listens
    const int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
    ASSERT_GE(fd, 0);
    sockaddr_un a{};
    a.sun_family = AF_UNIX;
    std::strncpy(a.sun_path, path.c_str(), sizeof a.sun_path - 1);
    ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a), 0) << std::strerror(errno);
    ::close(fd);
  }
  ASSERT_TRUE(std::filesystem::is_socket(path));

  child_process server({sample_path("pipe-echo-server"), "--path", path});
  EXPECT_EQ(server.read_line(), "listening on " + path);
  child_process client(
      {sample_path("pipe-echo-client"), "--path", path, "--count", "1", "--interval-ms", "1"});
  EXPECT_EQ(client.read_lines(100), client_lines(1));
  EXPECT_EQ(client.wait(), 0);
}

TEST(PipeEcho, ServerLeavesALiveServersSocketAlone) {
  temp_dir dir;
  const std::string path = dir.file("unix.sock");
  child_process first({sample_path("pipe-echo-server"), "--path", path});
  EXPECT_EQ(first.read_line(), "listening on " + path);
  child_process second({sample_path("pipe-echo-server"), "--path", path});
  EXPECT_EQ(second.wait(), 1);
  EXPECT_EQ(second.read_stderr(), "bind " + path + ": Address already in use\n");

  child_process client(
      {sample_path("pipe-echo-client"), "--path", path, "--count", "1", "--interval-ms", "1"});
  EXPECT_EQ(client.wait(), 0) << "the first server still serves";
  EXPECT_EQ(first.read_line(), "socket connected.");
}

TEST(PipeEcho, ClientReportsAMissingSocket) {
  temp_dir dir;
  const std::string path = dir.file("nobody.sock");
  child_process client({sample_path("pipe-echo-client"), "--path", path});
  EXPECT_EQ(client.wait(), 1);
  EXPECT_EQ(client.read_line(), std::nullopt);
  EXPECT_EQ(client.read_stderr(), "connect " + path + ": No such file or directory\n");
}

}  // namespace
}  // namespace sample_test
