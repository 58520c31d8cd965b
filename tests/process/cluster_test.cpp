// process::cluster with the helper as the worker program (process-test-child cluster-worker):
// round robin reaches every worker, shared listeners serve, exits are reported and restarted,
// messages go both ways, stopping disconnects and reaps every worker.
#include "coronet/process/cluster.hpp"

#include <gtest/gtest.h>
#include <sys/utsname.h>

#include <boost/json.hpp>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "process_test_support.hpp"
#include "test_support.hpp"

namespace {

using namespace coronet::process;
using process_test::run_bounded;
namespace json = boost::json;

cluster::options helper_workers(unsigned n) {
  cluster::options o;
  o.program = process_test::helper();
  o.args = std::vector<std::string>{"cluster-worker"};
  o.workers = n;
  return o;
}

// One line from the worker at the other end of `s`.
coronet::task<std::string> read_line(coronet::stream& s) {
  std::string line;
  std::array<char, 1> c;
  for (;;) {
    const std::size_t n = co_await s.read_some(c);
    if (n == 0) throw std::runtime_error("connection closed before the end of a line");
    if (c[0] == '\n') co_return line;
    line += c[0];
  }
}

// Connects and reads the line the worker that serves the connection writes: "PID BACKEND".
coronet::task<std::string> worker_line(std::uint16_t port) {
  coronet::stream s = co_await coronet::tcp::connect("127.0.0.1", port);
  std::string line = co_await read_line(s);
  co_return line;
}

// Connects and asks the worker how it receives: "PID BACKEND HOW".
coronet::task<std::string> worker_receive_mode(std::uint16_t port) {
  coronet::stream s = co_await coronet::tcp::connect("127.0.0.1", port);
  std::string line = co_await read_line(s);
  co_await s.write_all("how\n");
  std::string how = co_await read_line(s);
  co_return line + " " + how;
}

// The pid of the worker that serves a connection.
coronet::task<long> served_by(std::uint16_t port) {
  const std::string line = co_await worker_line(port);
  co_return std::stol(line);
}

// Runs the primary on `server` while `work` runs, then stops it (as a signal would).
coronet::task<> with_primary(coronet::tcp::listener& server, const cluster::options& o,
                             coronet::task<> work) {
  auto first = co_await coronet::when_any(cluster::run_primary(server, o), std::move(work));
  (void)first;
}

TEST(Cluster, RoundRobinReachesEveryWorker) {
  std::set<long> forked, served, exited;
  run_bounded([&]() -> coronet::task<> {
    auto server = coronet::tcp::listener::bind({"127.0.0.1", 0});
    cluster::options o = helper_workers(2);
    o.on_fork = [&](const cluster::worker& w) { forked.insert(w.pid); };
    o.on_exit = [&](const cluster::worker& w, const exit_status& s) {
      EXPECT_TRUE(s.success()) << s.to_string();
      exited.insert(w.pid);
    };
    auto clients = [](std::uint16_t port, std::set<long>& served) -> coronet::task<> {
      for (int i = 0; i < 6; ++i) {
        const long pid = co_await served_by(port);
        served.insert(pid);
      }
    };
    co_await with_primary(server, o, clients(server.port(), served));
  }());
  EXPECT_EQ(forked.size(), 2u);
  EXPECT_EQ(served, forked) << "each worker served some connections";
  EXPECT_EQ(exited, forked) << "stopping the primary stopped and reaped every worker";
}

TEST(Cluster, WorkerIdsAndEnvironment) {
  std::vector<unsigned> ids;
  run_bounded([&]() -> coronet::task<> {
    auto server = coronet::tcp::listener::bind({"127.0.0.1", 0});
    cluster::options o = helper_workers(3);
    o.on_fork = [&](const cluster::worker& w) { ids.push_back(w.id); };
    co_await with_primary(server, o, []() -> coronet::task<> { co_return; }());
  }());
  EXPECT_EQ(ids, (std::vector<unsigned>{1, 2, 3}));
  EXPECT_TRUE(cluster::is_primary());
  EXPECT_FALSE(cluster::is_worker());
  EXPECT_EQ(cluster::worker_id(), 0u);
}

TEST(Cluster, SharedSchedulingGivesWorkersTheListener) {
  std::set<long> forked;
  int served = 0;
  run_bounded([&]() -> coronet::task<> {
    auto server = coronet::tcp::listener::bind({"127.0.0.1", 0});
    cluster::options o = helper_workers(2);
    o.scheduling = cluster::scheduling::shared;
    o.on_fork = [&](const cluster::worker& w) { forked.insert(w.pid); };
    auto clients = [](std::uint16_t port, std::set<long>& forked, int& served) -> coronet::task<> {
      for (int i = 0; i < 6; ++i) {
        const long pid = co_await served_by(port);
        if (forked.count(pid)) ++served;
      }
    };
    co_await with_primary(server, o, clients(server.port(), forked, served));
  }());
  EXPECT_EQ(served, 6)
      << "every connection was accepted by a worker (which one is the kernel's choice)";
}

// Whether io_uring receives through its provided-buffer ring here (multishot receive, kernel
// 6.0 and later): what a worker's line should then say when its backend is io_uring.
bool uring_lends_on_arrival() {
  utsname u{};
  int major = 0;
  return ::uname(&u) == 0 && std::sscanf(u.release, "%d", &major) == 1 && major >= 6 &&
         !std::getenv("CORONET_NO_MULTISHOT");  // the workers inherit the environment
}

// How a worker receives, from its line "PID BACKEND HOW": io_uring workers receive through the
// buffer ring where the kernel has it; the other backend lends on arrival anyway.
void expect_receives_through_the_ring(const std::string& line) {
  if (line.find(" io_uring ") != std::string::npos && !uring_lends_on_arrival()) return;
  EXPECT_TRUE(line.ends_with(" lends-on-arrival")) << line;
}

// Every worker gets the listening socket and accepts on it; which one takes a connection is the
// kernel's choice (as with Node's SCHED_NONE). With io_uring's multishot accept the kernel would
// give every connection to one of them (measured: all 400 of 400), so shared workers accept one
// connection at a time (set_accept_one_at_a_time); their receives still go through the buffer
// ring (they once ran with CORONET_NO_MULTISHOT=1, which turned that off too).
TEST(Cluster, SharedWorkersAllListenAndStillReceiveThroughTheBufferRing) {
  std::set<long> forked, listening;
  std::vector<std::string> lines;
  run_bounded([&]() -> coronet::task<> {
    auto server = coronet::tcp::listener::bind({"127.0.0.1", 0});
    cluster::options o = helper_workers(2);
    o.scheduling = cluster::scheduling::shared;
    coronet::test::event all_listening;
    o.on_fork = [&](const cluster::worker& w) { forked.insert(w.pid); };
    o.on_listening = [&](const cluster::worker& w) {
      listening.insert(w.pid);
      if (listening.size() == 2) all_listening.set();
    };
    auto clients = [](std::uint16_t port, coronet::test::event& ready,
                      std::vector<std::string>& lines) -> coronet::task<> {
      co_await ready.wait();
      for (int i = 0; i < 10; ++i) {
        std::string line = co_await worker_receive_mode(port);
        lines.push_back(std::move(line));
      }
    };
    co_await with_primary(server, o, clients(server.port(), all_listening, lines));
  }());
  EXPECT_EQ(listening, forked);
  ASSERT_EQ(lines.size(), 10u);
  for (const std::string& line : lines) {
    EXPECT_TRUE(forked.count(std::stol(line))) << line;
    expect_receives_through_the_ring(line);
  }
}

TEST(Cluster, RoundRobinWorkersReceiveThroughTheBufferRing) {
  std::string line;
  run_bounded([&]() -> coronet::task<> {
    auto server = coronet::tcp::listener::bind({"127.0.0.1", 0});
    auto client = [](std::uint16_t port, std::string& line) -> coronet::task<> {
      std::string got = co_await worker_receive_mode(port);
      line = std::move(got);
    };
    co_await with_primary(server, helper_workers(1), client(server.port(), line));
  }());
  expect_receives_through_the_ring(line);
}

TEST(Cluster, WorkersSayTheyAreOnline) {
  std::set<long> forked, online;
  run_bounded([&]() -> coronet::task<> {
    auto server = coronet::tcp::listener::bind({"127.0.0.1", 0});
    cluster::options o = helper_workers(2);
    coronet::test::event all_online;
    o.on_fork = [&](const cluster::worker& w) { forked.insert(w.pid); };
    o.on_online = [&](const cluster::worker& w) {
      online.insert(w.pid);
      if (online.size() == 2) all_online.set();
    };
    o.on_message = [&](const cluster::worker&, json::value m) {
      ADD_FAILURE() << "the cluster's own message reached on_message: " << json::serialize(m);
    };
    auto wait = [](coronet::test::event& e) -> coronet::task<> { co_await e.wait(); };
    co_await with_primary(server, o, wait(all_online));
  }());
  EXPECT_EQ(online, forked);
}

coronet::task<> make_worker_exit(std::uint16_t port, int code) {
  coronet::stream s = co_await coronet::tcp::connect("127.0.0.1", port);
  std::array<char, 32> buf;
  co_await s.read_some(buf);  // its pid
  co_await s.write_all("exit " + std::to_string(code) + "\n");
  co_await s.read_some(buf);  // the end: it exited
}

TEST(Cluster, ExitIsReportedAndRestartReplacesTheWorker) {
  std::vector<long> forked;
  std::map<long, exit_status> exits;
  run_bounded([&]() -> coronet::task<> {
    auto server = coronet::tcp::listener::bind({"127.0.0.1", 0});
    cluster::options o = helper_workers(1);
    o.restart = true;
    coronet::test::event replaced;
    o.on_fork = [&](const cluster::worker& w) {
      forked.push_back(w.pid);
      if (forked.size() == 2) replaced.set();
    };
    o.on_exit = [&](const cluster::worker& w, const exit_status& s) { exits[w.pid] = s; };
    auto work = [](std::uint16_t port, coronet::test::event& replaced) -> coronet::task<> {
      co_await make_worker_exit(port, 7);
      co_await replaced.wait();
      co_await served_by(port);  // the replacement serves
    };
    co_await with_primary(server, o, work(server.port(), replaced));
  }());
  ASSERT_EQ(forked.size(), 2u);
  EXPECT_EQ(exits[forked[0]].code, 7);
  EXPECT_TRUE(exits[forked[1]].success()) << "the replacement was stopped cleanly";
}

TEST(Cluster, PrimaryEndsWhenEveryWorkerIsGoneWithoutRestart) {
  std::vector<exit_status> exits;
  run_bounded([&]() -> coronet::task<> {
    auto server = coronet::tcp::listener::bind({"127.0.0.1", 0});
    cluster::options o = helper_workers(1);
    o.on_exit = [&](const cluster::worker&, const exit_status& s) { exits.push_back(s); };
    auto work = [](std::uint16_t port) -> coronet::task<> {
      co_await make_worker_exit(port, 3);
      co_await coronet::sleep_for(coronet::test::long_sleep);  // run_primary ends first
    };
    auto first = co_await coronet::when_any(cluster::run_primary(server, o), work(server.port()));
    EXPECT_EQ(first.index(), 0u) << "run_primary returned by itself";
  }());
  ASSERT_EQ(exits.size(), 1u);
  EXPECT_EQ(exits[0].code, 3);
}

TEST(Cluster, MessagesBetweenPrimaryAndWorkers) {
  std::vector<json::value> got;
  run_bounded([&]() -> coronet::task<> {
    auto server = coronet::tcp::listener::bind({"127.0.0.1", 0});
    cluster::options o = helper_workers(1);
    coronet::test::event answered;
    coronet::task_group sends;
    o.on_fork = [&](const cluster::worker& w) {
      json::object m;
      m["hello"] = w.id;
      sends.spawn(w.channel->send(std::move(m)));
    };
    o.on_message = [&](const cluster::worker&, json::value m) {
      got.push_back(std::move(m));
      answered.set();
    };
    auto work = [](coronet::test::event& answered) -> coronet::task<> { co_await answered.wait(); };
    co_await with_primary(server, o, work(answered));
    co_await sends.join();
  }());
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0], json::parse(R"({"hello":1})")) << "the worker echoes what it is sent";
}

// Stopping with connections open: the workers cancel them (the clients see the end) and exit.
TEST(Cluster, StoppingClosesTheWorkersConnections) {
  std::set<long> exited;
  run_bounded([&]() -> coronet::task<> {
    auto server = coronet::tcp::listener::bind({"127.0.0.1", 0});
    cluster::options o = helper_workers(2);
    o.on_exit = [&](const cluster::worker& w, const exit_status& s) {
      EXPECT_TRUE(s.success());
      exited.insert(w.pid);
    };
    std::vector<coronet::stream> open;
    auto connect = [](std::uint16_t port, std::vector<coronet::stream>& open) -> coronet::task<> {
      for (int i = 0; i < 4; ++i) {
        coronet::stream s = co_await coronet::tcp::connect("127.0.0.1", port);
        std::array<char, 32> buf;
        co_await s.read_some(buf);  // served
        open.push_back(std::move(s));
      }
    };
    co_await with_primary(server, o, connect(server.port(), open));
    for (auto& s : open) {
      std::array<char, 32> buf;
      const std::size_t n = co_await s.read_some(buf);
      EXPECT_EQ(n, 0u);
    }
  }());
  EXPECT_EQ(exited.size(), 2u);
}

TEST(Cluster, StopKillsWorkersThatDoNotLeave) {
  std::vector<exit_status> exits;
  run_bounded([&]() -> coronet::task<> {
    auto server = coronet::tcp::listener::bind({"127.0.0.1", 0});
    cluster::options o;
    o.program = process_test::helper();
    o.args = std::vector<std::string>{"wait-stdin"};  // ignores its channel
    o.spawn.in = stdio::pipe;                         // and stdin never ends: it stays
    o.workers = 1;
    o.stop_timeout = std::chrono::milliseconds(100);
    o.on_exit = [&](const cluster::worker&, const exit_status& s) { exits.push_back(s); };
    co_await with_primary(server, o, []() -> coronet::task<> { co_return; }());
  }());
  ASSERT_EQ(exits.size(), 1u);
  EXPECT_EQ(exits[0].signal, SIGKILL);
}

TEST(Cluster, RunWorkerWithoutAChannelFails) {
  run_bounded([]() -> coronet::task<> {
    auto ignore = [](coronet::stream) -> coronet::task<> { co_return; };
    const std::error_code e = co_await coronet::test::error_of(cluster::run_worker(ignore));
    EXPECT_EQ(e, std::errc::invalid_argument);
  }());
}

}  // namespace
