// cluster-echo-server: Node's cluster example with the seed's echo server as the workers' job.
// The primary's and the workers' lines, connections spread over the workers (which process holds
// which connection is read from /proc), restarts, and a clean stop on SIGTERM.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <csignal>
#include <filesystem>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "child_process.hpp"
#include "sample_harness.hpp"

namespace sample_test {
namespace {

using ::testing::UnorderedElementsAreArray;

// Reads "Primary PID is running" and "listening on 0.0.0.0:PORT"; returns the port.
std::uint16_t primary_started(child_process& server) {
  EXPECT_EQ(server.read_line(), "Primary " + std::to_string(server.pid()) + " is running");
  return listening_port(server);
}

// Reads `n` "Worker PID started" lines; returns the pids.
std::vector<pid_t> workers_started(child_process& server, int n) {
  std::vector<pid_t> pids;
  for (const std::string& line : server.read_lines(std::size_t(n))) {
    const std::string prefix = "Worker ", suffix = " started";
    if (!line.starts_with(prefix) || !line.ends_with(suffix))
      throw std::runtime_error("expected 'Worker PID started', got '" + line + "'");
    pids.push_back(std::stoi(line.substr(prefix.size())));
  }
  return pids;
}

// The sockets process `pid` holds.
int sockets_of(pid_t pid) {
  int n = 0;
  std::error_code ec;
  for (const auto& e :
       std::filesystem::directory_iterator("/proc/" + std::to_string(pid) + "/fd", ec)) {
    std::error_code link_ec;
    if (std::filesystem::read_symlink(e.path(), link_ec).string().starts_with("socket:")) ++n;
  }
  return n;
}

std::vector<std::string> died(const std::vector<pid_t>& pids) {
  std::vector<std::string> lines;
  for (pid_t p : pids) lines.push_back("worker " + std::to_string(p) + " died");
  return lines;
}

TEST(ClusterEcho, WorkersServeTheSeedLinesAndStopWithThePrimary) {
  child_process server({sample_path("cluster-echo-server"), "--port", "0", "--workers", "2"});
  const auto port = std::to_string(primary_started(server));
  const std::vector<pid_t> workers = workers_started(server, 2);
  EXPECT_NE(workers[0], workers[1]);

  child_process client({sample_path("tcp-echo-client"), "--port", port, "--count", "2",
                        "--interval-ms", exchange_interval_ms});
  EXPECT_EQ(client.read_lines(100), client_lines(2));
  EXPECT_EQ(client.wait(), 0);
  EXPECT_EQ(server.read_lines(tcp_server_lines(2).size()), tcp_server_lines(2));

  server.signal(SIGTERM);
  EXPECT_THAT(server.read_lines(100), UnorderedElementsAreArray(died(workers)));
  EXPECT_EQ(server.wait(), 0);
  EXPECT_EQ(server.read_stderr(), "");
}

// Round robin: four connections at once land on both workers (the second goes to the second
// worker whatever the timing: the first is busy with its hand-over, or has gone to the back of
// the line). Stopping closes them all.
TEST(ClusterEcho, ConnectionsReachEveryWorkerAndStopClosesThem) {
  child_process server(
      {sample_path("cluster-echo-server"), "--port", "0", "--workers", "2", "--quiet"});
  const auto port = std::to_string(primary_started(server));
  const std::vector<pid_t> workers = workers_started(server, 2);
  const int idle_sockets = sockets_of(workers[0]);  // its channel to the primary

  std::vector<std::unique_ptr<child_process>> clients;
  for (int i = 0; i < 4; ++i) {
    clients.push_back(std::make_unique<child_process>(
        std::vector<std::string>{sample_path("tcp-echo-client"), "--port", port, "--interval-ms",
                                 idle_interval_ms, "--quiet"}));
    EXPECT_EQ(clients.back()->read_line(), "connected.");
  }
  EXPECT_EQ(server.read_lines(4), std::vector<std::string>(4, "socket connected"));
  // Each worker has printed "socket connected" for its own: it holds them now.
  const int first = sockets_of(workers[0]) - idle_sockets;
  const int second = sockets_of(workers[1]) - idle_sockets;
  EXPECT_EQ(first + second, 4);
  EXPECT_GE(first, 1);
  EXPECT_GE(second, 1);

  server.signal(SIGTERM);
  std::vector<std::string> expected(4, "socket disconnected");
  for (const auto& line : died(workers)) expected.push_back(line);
  EXPECT_THAT(server.read_lines(100), UnorderedElementsAreArray(expected));
  EXPECT_EQ(server.wait(), 0);
  for (auto& c : clients) {
    EXPECT_EQ(c->read_lines(100), std::vector<std::string>{"disconnected."});
    EXPECT_EQ(c->wait(), 0);
  }
}

TEST(ClusterEcho, SharedSchedulingServesToo) {
  child_process server({sample_path("cluster-echo-server"), "--port", "0", "--workers", "2",
                        "--scheduling", "shared"});
  const auto port = std::to_string(primary_started(server));
  const std::vector<pid_t> workers = workers_started(server, 2);
  child_process client(
      {sample_path("tcp-echo-client"), "--port", port, "--count", "1", "--interval-ms", "1"});
  EXPECT_EQ(client.read_lines(100), client_lines(1));
  EXPECT_EQ(client.wait(), 0);
  EXPECT_EQ(server.read_lines(4), tcp_server_lines(1));
  server.signal(SIGTERM);
  EXPECT_THAT(server.read_lines(100), UnorderedElementsAreArray(died(workers)));
  EXPECT_EQ(server.wait(), 0);
}

TEST(ClusterEcho, DeadWorkerIsReportedAndRestarted) {
  child_process server({sample_path("cluster-echo-server"), "--port", "0", "--workers", "1",
                        "--restart", "--quiet"});
  primary_started(server);
  const pid_t first = workers_started(server, 1)[0];
  ::kill(first, SIGKILL);
  EXPECT_EQ(server.read_line(), "worker " + std::to_string(first) + " died");
  const pid_t second = workers_started(server, 1)[0];
  EXPECT_NE(second, first);
  server.signal(SIGTERM);
  EXPECT_EQ(server.read_lines(100), died({second}));
  EXPECT_EQ(server.wait(), 0);
}

TEST(ClusterEcho, WithoutRestartThePrimaryEndsWithItsLastWorker) {
  child_process server({sample_path("cluster-echo-server"), "--port", "0", "--workers", "1"});
  primary_started(server);
  const pid_t worker = workers_started(server, 1)[0];
  ::kill(worker, SIGTERM);  // the worker stops cleanly, by itself
  EXPECT_EQ(server.read_lines(100), died({worker}));
  EXPECT_EQ(server.wait(), 0);
}

TEST(ClusterEcho, BadSchedulingExitsTwo) {
  child_process server({sample_path("cluster-echo-server"), "--scheduling", "random"});
  EXPECT_EQ(server.wait(), 2);
  EXPECT_THAT(server.read_stderr(),
              ::testing::StartsWith(
                  "cluster-echo-server: --scheduling must be rr or shared, not 'random'\n"));
}

}  // namespace
}  // namespace sample_test
