// A server killed with SIGKILL and started again at once, as a supervisor restarts it: the new
// one binds the same port or socket path and serves. With io_uring the dead process's ring is
// torn down by the kernel after the process is reaped, and until then its standing accept keeps
// the listening socket alive; bind retries for that moment (listen_options::bind_retry). And a
// server started beside a live one still fails at once, leaving the live one serving.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <chrono>
#include <csignal>
#include <filesystem>
#include <string>
#include <vector>

#include "child_process.hpp"
#include "sample_harness.hpp"

namespace sample_test {
namespace {

// Kill-and-restart rounds per test: each round is a fresh chance for the dying ring to be
// caught holding the socket.
constexpr int rounds = 3;

// One message through a fresh client: the server accepts (so its standing accept is in the
// kernel, the thing that outlives a SIGKILL) and echoes.
void expect_tcp_echo(const std::string& port) {
  child_process client({sample_path("tcp-echo-client"), "--host", "127.0.0.1", "--port", port,
                        "--count", "1", "--interval-ms", "1"});
  EXPECT_EQ(client.read_lines(100), client_lines(1));
  EXPECT_EQ(client.wait(), 0);
  EXPECT_EQ(client.read_stderr(), "");
}

void expect_unix_echo(const std::string& path) {
  child_process client(
      {sample_path("pipe-echo-client"), "--path", path, "--count", "1", "--interval-ms", "1"});
  EXPECT_EQ(client.read_lines(100), client_lines(1));
  EXPECT_EQ(client.wait(), 0);
  EXPECT_EQ(client.read_stderr(), "");
}

// Kills `server` with SIGKILL and reaps it: from here on no process of its own holds anything.
void kill_and_reap(child_process& server) {
  server.signal(SIGKILL);
  EXPECT_EQ(server.wait(), 128 + SIGKILL);
}

std::vector<std::string> tcp_server(const std::string& port, std::vector<std::string> more = {}) {
  std::vector<std::string> argv{
      sample_path("tcp-echo-server"), "--host", "127.0.0.1", "--port", port, "--quiet"};
  argv.insert(argv.end(), more.begin(), more.end());
  return argv;
}

void restart_tcp_server_after_sigkill(const std::vector<std::string>& more) {
  child_process first(tcp_server("0", more));
  const std::string port = std::to_string(listening_port(first, "127.0.0.1"));
  expect_tcp_echo(port);
  kill_and_reap(first);
  for (int round = 0; round < rounds; ++round) {
    child_process next(tcp_server(port, more));
    // Read before anything else: a failed bind ends the output with no line at all.
    const auto line = next.read_line();
    ASSERT_EQ(line, "listening on 127.0.0.1:" + port)
        << "round " << round << ": " << next.read_stderr();
    expect_tcp_echo(port);
    kill_and_reap(next);
  }
}

TEST(Restart, TcpServerKilledWithSigkillRestartsAtOnceOnItsPort) {
  restart_tcp_server_after_sigkill({});
}

// --threads 2: listen_per_core's check that nobody holds the port, then SO_REUSEPORT sockets.
TEST(Restart, TcpServerOnTwoThreadsKilledWithSigkillRestartsAtOnceOnItsPort) {
  restart_tcp_server_after_sigkill({"--threads", "2"});
}

TEST(Restart, UnixServerKilledWithSigkillRestartsAtOnceOnItsPath) {
  temp_dir dir;
  const std::string path = dir.file("restart.sock");
  child_process first({sample_path("pipe-echo-server"), "--path", path, "--quiet"});
  ASSERT_EQ(first.read_line(), "listening on " + path);
  expect_unix_echo(path);
  kill_and_reap(first);
  for (int round = 0; round < rounds; ++round) {
    ASSERT_TRUE(std::filesystem::is_socket(path)) << "SIGKILL leaves the socket file behind";
    child_process next({sample_path("pipe-echo-server"), "--path", path, "--quiet"});
    const auto line = next.read_line();
    ASSERT_EQ(line, "listening on " + path) << "round " << round << ": " << next.read_stderr();
    expect_unix_echo(path);
    kill_and_reap(next);
  }
}

// The retry waits for a dying socket, never for a live server's: that one must keep its port,
// and the second server must fail with the usual message (after the bound, not forever).
TEST(Restart, TcpServerBesideALiveOneStillFailsAndTheLiveOneServes) {
  child_process live(tcp_server("0"));
  const std::string port = std::to_string(listening_port(live, "127.0.0.1"));
  expect_tcp_echo(port);
  child_process second(tcp_server(port));
  EXPECT_EQ(second.wait(), 1);
  EXPECT_EQ(second.read_stderr(), "bind 127.0.0.1:" + port + ": Address already in use\n");
  expect_tcp_echo(port);
}

TEST(Restart, UnixServerBesideALiveOneStillFailsAndLeavesItsSocketFile) {
  temp_dir dir;
  const std::string path = dir.file("live.sock");
  child_process live({sample_path("pipe-echo-server"), "--path", path, "--quiet"});
  ASSERT_EQ(live.read_line(), "listening on " + path);
  expect_unix_echo(path);
  const auto inode = [&] {
    struct stat st {};
    return ::lstat(path.c_str(), &st) == 0 ? st.st_ino : 0;
  };
  const auto before = inode();
  child_process second({sample_path("pipe-echo-server"), "--path", path, "--quiet"});
  EXPECT_EQ(second.wait(), 1);
  EXPECT_EQ(second.read_stderr(), "bind " + path + ": Address already in use\n");
  EXPECT_EQ(inode(), before) << "the live server's socket file, not unlinked nor replaced";
  expect_unix_echo(path);
}

}  // namespace
}  // namespace sample_test
