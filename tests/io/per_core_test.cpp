// run_per_core, tcp::listen_per_core and tcp::serve_per_core: a thread and a scheduler per core,
// SO_REUSEPORT listeners on one port, stopping (from outside, by a signal, by a failure) and
// joining, pinning.
#include "coronet/per_core.hpp"

#include <gtest/gtest.h>

#ifndef _WIN32
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sched.h>
#include <sys/socket.h>
#include <unistd.h>
#endif

#include <atomic>
#include <csignal>
#include <latch>
#include <mutex>
#include <set>
#include <stdexcept>
#include <thread>
#include <vector>

#include "coronet/core.hpp"
#include "coronet/io.hpp"
#include "io_test_support.hpp"

namespace coronet::test {
namespace {

// What the bodies saw, from every core's thread.
struct sightings {
  std::mutex mutex;
  std::set<std::thread::id> threads;
  std::set<const scheduler*> schedulers;
  std::set<unsigned> cores;
  void record(unsigned core) {
    std::lock_guard lock(mutex);
    threads.insert(std::this_thread::get_id());
    schedulers.insert(&scheduler::current());
    cores.insert(core);
  }
};

TEST(RunPerCore, RunsEveryBodyOnItsOwnThreadAndScheduler) {
  sightings seen;
  std::thread::id core0_thread;
  // Every body waits for the others before it ends: a thread that had ended could hand its
  // stack, and so its scheduler's address, to a thread started after it.
  std::latch all_seen(3);
  const int r = run_per_core(3, [&](unsigned core) -> task<> {
    co_await sleep_for(std::chrono::milliseconds(1));  // a real turn of each core's loop
    seen.record(core);
    if (core == 0) core0_thread = std::this_thread::get_id();
    all_seen.arrive_and_wait();
  });
  EXPECT_EQ(r, 0) << "no signal stopped it";
  EXPECT_EQ(seen.cores, (std::set<unsigned>{0, 1, 2}));
  EXPECT_EQ(seen.threads.size(), 3u);
  EXPECT_EQ(seen.schedulers.size(), 3u);
  EXPECT_EQ(core0_thread, std::this_thread::get_id()) << "core 0 is the calling thread";
}

TEST(RunPerCore, OneCoreRunsOnTheCallingThreadAlone) {
  std::thread::id where;
  run_per_core(1, [&](unsigned) -> task<> {
    where = std::this_thread::get_id();
    co_return;
  });
  EXPECT_EQ(where, std::this_thread::get_id());
}

TEST(RunPerCore, ZeroThreadsMeansOnePerCpu) {
  sightings seen;
  per_core_options o;  // threads = 0
  std::latch all_seen(default_core_count());
  run_per_core(o, [&](unsigned core) -> task<> {
    seen.record(core);
    all_seen.arrive_and_wait();
    co_return;
  });
  EXPECT_EQ(seen.cores.size(), default_core_count());
  EXPECT_GE(default_core_count(), 1u);
}

// Every body waits until stopped; an outside thread stops them once all are running.
TEST(RunPerCore, StopRequestCancelsEveryBodyAndJoinsEveryThread) {
  constexpr unsigned n = 4;
  std::latch running(n);
  std::atomic<int> cancelled{0};
  std::stop_source stop;
  std::thread stopper([&] {
    running.wait();
    stop.request_stop();
  });
  per_core_options o;
  o.threads = n;
  o.stop = stop.get_token();
  stopwatch clock;
  const int r = run_per_core(o, [&](unsigned) -> task<> {
    running.count_down();
    try {
      co_await sleep_for(long_sleep);
    } catch (const std::system_error& e) {
      if (is_cancellation(e)) ++cancelled;
      throw;
    }
  });
  stopper.join();
  EXPECT_EQ(r, 0);
  EXPECT_EQ(cancelled.load(), int(n));
  EXPECT_LT(clock.elapsed(), prompt);
}

TEST(RunPerCore, StopRequestedBeforeTheStartCancelsEveryBodyAtOnce) {
  std::stop_source stop;
  stop.request_stop();
  per_core_options o;
  o.threads = 3;
  o.stop = stop.get_token();
  std::atomic<int> cancelled{0};
  run_per_core(o, [&](unsigned) -> task<> {
    try {
      co_await sleep_for(long_sleep);
    } catch (const std::system_error& e) {
      if (is_cancellation(e)) ++cancelled;
      throw;
    }
  });
  EXPECT_EQ(cancelled.load(), 3);
}

TEST(RunPerCore, FirstFailureStopsTheOthersAndIsRethrown) {
  constexpr unsigned n = 3;
  std::latch running(n);
  std::atomic<int> cancelled{0};
  stopwatch clock;
  try {
    run_per_core(n, [&](unsigned core) -> task<> {
      running.count_down();
      if (core == 2) {
        running.wait();  // the others are in their sleep (or about to be)
        throw std::runtime_error("core 2 failed");
      }
      try {
        co_await sleep_for(long_sleep);
      } catch (const std::system_error& e) {
        if (is_cancellation(e)) ++cancelled;
        throw;
      }
    });
    ADD_FAILURE() << "run_per_core returned";
  } catch (const std::runtime_error& e) {
    EXPECT_STREQ(e.what(), "core 2 failed");
  }
  EXPECT_EQ(cancelled.load(), 2);
  EXPECT_LT(clock.elapsed(), prompt);
}

TEST(RunPerCore, LaterFailuresAreReportedNotLost) {
  unhandled_reports reports;
  std::latch failing(2);
  EXPECT_THROW(run_per_core(2,
                            [&](unsigned) -> task<> {
                              failing.arrive_and_wait();  // both fail, one after the other
                              throw std::runtime_error("failed");
                              co_return;
                            }),
               std::runtime_error);
  ASSERT_EQ(reports.size(), 1u);
  EXPECT_EQ(reports.all()[0].what, "failed");
}

// Core 1 ends at once; core 0 hears of it (by a post) and goes on: nothing stopped it. The short
// sleep afterwards is a window in which a wrong stop request would arrive, not synchronisation.
TEST(RunPerCore, BodiesThatEndOnTheirOwnLeaveTheOthersRunning) {
  std::latch core0_waits(1);
  remote_scheduler core0;
  event* core1_ending = nullptr;  // core 0's, set there
  bool core0_went_on = false;
  run_per_core(2, [&](unsigned core) -> task<> {
    if (core == 1) {
      core0_waits.wait();
      core0.post([&] { core1_ending->set(); });
      co_return;
    }
    event core1_ended;
    core1_ending = &core1_ended;
    core0 = scheduler::current().remote();
    core0_waits.count_down();
    co_await core1_ended.wait();
    co_await sleep_for(std::chrono::milliseconds(20));
    core0_went_on = true;
  });
  EXPECT_TRUE(core0_went_on);
}

#ifndef _WIN32
// SIGTERM, sent to the process once every core runs, stops them all; run_per_core returns it.
// The signal is sent from a core: those threads have it blocked, like the rest of the process.
TEST(RunPerCore, SigtermStopsEveryCoreAndIsReturned) {
  constexpr unsigned n = 3;
  std::latch running(n);
  std::atomic<int> cancelled{0};
  const int r = run_per_core(n, [&](unsigned core) -> task<> {
    running.count_down();
    if (core == 1) {
      running.wait();
      ::kill(::getpid(), SIGTERM);
    }
    try {
      co_await sleep_for(long_sleep);
    } catch (const std::system_error& e) {
      if (is_cancellation(e)) ++cancelled;
      throw;
    }
  });
  EXPECT_EQ(r, SIGTERM);
  EXPECT_EQ(cancelled.load(), int(n));
}

#ifdef __linux__
std::vector<int> allowed_cpus() {
  std::vector<int> cpus;
  cpu_set_t set;
  CPU_ZERO(&set);
  if (::sched_getaffinity(0, sizeof set, &set) == 0)
    for (int c = 0; c < CPU_SETSIZE; ++c)
      if (CPU_ISSET(c, &set)) cpus.push_back(c);
  return cpus;
}

std::vector<int> this_thread_cpus() {
  std::vector<int> cpus;
  cpu_set_t set;
  CPU_ZERO(&set);
  if (::pthread_getaffinity_np(::pthread_self(), sizeof set, &set) == 0)
    for (int c = 0; c < CPU_SETSIZE; ++c)
      if (CPU_ISSET(c, &set)) cpus.push_back(c);
  return cpus;
}

TEST(RunPerCore, PinPutsEachCoreOnOneCpuAndRestoresTheCaller) {
  const std::vector<int> allowed = allowed_cpus();
  ASSERT_FALSE(allowed.empty());
  const unsigned n = unsigned(allowed.size()) + 1;  // one more than CPUs: wraps around
  std::mutex mutex;
  std::vector<std::vector<int>> pinned(n);
  per_core_options o;
  o.threads = n;
  o.pin = true;
  run_per_core(o, [&](unsigned core) -> task<> {
    std::lock_guard lock(mutex);
    pinned[core] = this_thread_cpus();
    co_return;
  });
  for (unsigned core = 0; core < n; ++core)
    EXPECT_EQ(pinned[core], std::vector<int>{allowed[core % allowed.size()]}) << "core " << core;
  EXPECT_EQ(this_thread_cpus(), allowed) << "the calling thread's affinity is restored";
}
#endif

// A blocking client on a thread of its own: connects `count` times to 127.0.0.1:port, reads the
// one byte the server writes on each connection (the core that accepted it), and returns them.
std::vector<unsigned> connect_and_read_cores(std::uint16_t port, int count) {
  std::vector<unsigned> cores;
  for (int i = 0; i < count; ++i) {
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
      ::close(fd);
      throw std::system_error(errno, std::generic_category(), "connect");
    }
    unsigned char core = 0;
    const ssize_t n = ::read(fd, &core, 1);
    ::close(fd);
    if (n != 1) throw std::runtime_error("no byte from the server");
    cores.push_back(core);
  }
  return cores;
}

// Two listeners on one port: with many connections (distinct source ports, so distinct hashes),
// both cores get some. The chance that 64 connections all hash to one of two sockets is 2^-63.
TEST(ServePerCore, ListenersOfEveryCoreShareOnePortAndAllAccept) {
  std::uint16_t port = 0;
  std::string address;
  std::stop_source stop;
  std::vector<unsigned> cores;
  std::exception_ptr client_failure;
  std::thread client;
  tcp::per_core_server_options o;
  o.cores.threads = 2;
  o.cores.stop = stop.get_token();
  o.on_listening = [&](const socket_address& a) {
    port = a.port();
    address = a.to_string();
    client = std::thread([&, port = a.port()] {
      try {
        cores = connect_and_read_cores(port, 64);
      } catch (...) {
        client_failure = std::current_exception();
      }
      stop.request_stop();
    });
  };
  std::atomic<int> served{0};
  const int r = tcp::serve_per_core(
      {"127.0.0.1", 0},
      [&](stream s, unsigned core) -> task<> {
        ++served;
        const auto byte = static_cast<char>(core);
        co_await s.write_all(std::string_view(&byte, 1));
      },
      o);
  client.join();
  if (client_failure) std::rethrow_exception(client_failure);
  EXPECT_EQ(r, 0);
  EXPECT_NE(port, 0);
  EXPECT_EQ(address, "127.0.0.1:" + std::to_string(port));
  EXPECT_EQ(served.load(), 64);
  EXPECT_EQ(std::set<unsigned>(cores.begin(), cores.end()), (std::set<unsigned>{0, 1}));
}

// A connection whose task fails is reported; the core goes on serving.
TEST(ServePerCore, FailingConnectionIsReportedAndTheCoreGoesOn) {
  unhandled_reports reports;
  std::stop_source stop;
  std::vector<unsigned> cores;
  std::thread client;
  tcp::per_core_server_options o;
  o.cores.threads = 1;
  o.cores.stop = stop.get_token();
  o.on_listening = [&](const socket_address& a) {
    client = std::thread([&, port = a.port()] {
      cores = connect_and_read_cores(port, 3);
      stop.request_stop();
    });
  };
  tcp::serve_per_core(
      {"127.0.0.1", 0},
      [&](stream s, unsigned core) -> task<> {
        const auto byte = static_cast<char>(core);
        co_await s.write_all(std::string_view(&byte, 1));
        throw std::runtime_error("connection failed");
      },
      o);
  client.join();
  EXPECT_EQ(cores.size(), 3u);
  ASSERT_EQ(reports.size(), 3u);
  EXPECT_EQ(reports.all()[0].where, "connection");
  EXPECT_EQ(reports.all()[0].what, "connection failed");
}

// A plain listener holds 127.0.0.1:port: a per-core server on the port refuses to share it.
TEST(ListenPerCore, FailsAtOnceWhenThePortIsTaken) {
  const int holder = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  const int reuse = 1;
  ::setsockopt(holder, SOL_SOCKET, SO_REUSEPORT, &reuse, sizeof reuse);  // joinable, even
  ASSERT_EQ(::bind(holder, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
  ASSERT_EQ(::listen(holder, 8), 0);
  ::getsockname(holder, reinterpret_cast<sockaddr*>(&a), &len);
  const std::uint16_t port = ntohs(a.sin_port);

  std::atomic<bool> ran = false;  // set by every core's thread
  tcp::per_core_server_options o;
  o.cores.threads = 2;
  try {
    tcp::listen_per_core(
        {"127.0.0.1", port},
        [&](tcp::listener&, unsigned) -> task<> {
          ran = true;
          co_return;
        },
        o);
    ADD_FAILURE() << "listen_per_core did not fail";
  } catch (const std::system_error& e) {
    EXPECT_EQ(e.code(), std::errc::address_in_use);
    EXPECT_STREQ(e.what(),
                 ("bind 127.0.0.1:" + std::to_string(port) + ": Address already in use").c_str());
  }
  EXPECT_FALSE(ran) << "no core starts";

  // Told not to check, it joins the holder's SO_REUSEPORT group (which is why it checks).
  o.exclusive = false;
  o.cores.stop_on_signal = false;
  tcp::listen_per_core(
      {"127.0.0.1", port},
      [&](tcp::listener& l, unsigned) -> task<> {
        ran = true;
        EXPECT_EQ(l.port(), port);
        co_return;
      },
      o);
  EXPECT_TRUE(ran);
  ::close(holder);
}
#endif  // !_WIN32

#ifndef _WIN32
task<std::vector<std::byte>> echo_through(std::uint16_t port, std::span<const std::byte> data) {
  stream s = co_await tcp::connect(socket_address::ip("127.0.0.1", port));
  co_return co_await round_trip(s, data);
}

TEST(TcpListenerFromNative, AdoptsAListeningSocketAndRefusesOthers) {
  run([]() -> task<> {
    // A listening socket made elsewhere: here, a duplicate of another listener's.
    auto original = tcp::listener::bind({"127.0.0.1", 0});
    tcp::listener adopted =
        tcp::listener::from_native(::fcntl(original.native_handle(), F_DUPFD_CLOEXEC, 0));
    EXPECT_EQ(adopted.port(), original.port());
    original.close();
    const auto data = pattern(100, 3);
    task<std::vector<std::byte>> client = echo_through(adopted.port(), data);
    auto r = co_await when_all(serve_echo(adopted, 1), std::move(client));
    EXPECT_TRUE(std::get<1>(r) == data);

    // Not listening: refused, and the descriptor is closed all the same.
    const int plain = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    try {
      tcp::listener::from_native(plain);
      ADD_FAILURE() << "adopted a socket that does not listen";
    } catch (const std::system_error& e) {
      EXPECT_EQ(e.code(), std::errc::invalid_argument) << e.what();
    }
    EXPECT_EQ(::fcntl(plain, F_GETFD), -1) << "closed";
  });
}

TEST(UnixListenerFromNative, AdoptsAListeningUnixSocketAndLeavesItsFile) {
  temp_dir dir;
  const std::string path = dir.file("s.sock");
  run([&]() -> task<> {
    auto original = unix::listener::bind(path);
    {
      unix::listener adopted =
          unix::listener::from_native(::fcntl(original.native_handle(), F_DUPFD_CLOEXEC, 0));
      EXPECT_EQ(adopted.path(), path);
      // A TCP listener is not a Unix one.
      auto tcp_listener = tcp::listener::bind({"127.0.0.1", 0});
      EXPECT_THROW(
          unix::listener::from_native(::fcntl(tcp_listener.native_handle(), F_DUPFD_CLOEXEC, 0)),
          std::system_error);
    }
    EXPECT_EQ(::access(path.c_str(), F_OK), 0) << "the adopted copy does not own the path";
    co_return;
  });
}
#endif  // !_WIN32

}  // namespace
}  // namespace coronet::test
