// wait and kill: exit codes and signals, repeated and concurrent waits, cancellation, and no
// zombie left behind when a child object goes away first.
#include <gtest/gtest.h>

#ifdef _WIN32
#include <windows.h>
#else
#include <poll.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#endif

#include <chrono>
#include <csignal>
#include <thread>

#include "process_test_support.hpp"
#include "test_support.hpp"

namespace {

using namespace coronet::process;
using namespace std::chrono_literals;
using process_test::helper;
using process_test::run_bounded;

// Whether the process `pid` (a child of ours, reaped or not) ends within `limit`.
bool ends_within(process_id pid, std::chrono::milliseconds limit) {
#ifdef _WIN32
  const HANDLE h = ::OpenProcess(SYNCHRONIZE, FALSE, pid);
  if (!h) return true;  // gone already
  const bool ended = ::WaitForSingleObject(h, DWORD(limit.count())) == WAIT_OBJECT_0;
  ::CloseHandle(h);
  return ended;
#else
  const int fd = int(::syscall(SYS_pidfd_open, pid, 0));
  pollfd p{fd, POLLIN, 0};
  const bool ended = ::poll(&p, 1, int(limit.count())) == 1;
  ::close(fd);
  return ended;
#endif
}

#ifndef _WIN32
// A pidfd of this test's own, to watch a child the child object no longer tracks.
int open_pidfd(pid_t pid) {
  return int(::syscall(SYS_pidfd_open, pid, 0));
}

// Whether the process behind `pidfd` has been reaped (by anyone): waitid then fails with ECHILD.
// WNOWAIT: looking must not reap it ourselves.
bool reaped(int pidfd) {
  siginfo_t info{};
  return ::waitid(idtype_t(3 /* P_PIDFD */), id_t(pidfd), &info, WEXITED | WNOHANG | WNOWAIT) < 0 &&
         errno == ECHILD;
}
#endif

TEST(ChildWait, GivesExitCode) {
  const exit_status s = run_bounded([]() -> coronet::task<exit_status> {
    child c = spawn(helper(), {"exit", "3"});
    co_return co_await c.wait();
  }());
  EXPECT_EQ(s.code, 3);
  EXPECT_EQ(s.signal, 0);
  EXPECT_TRUE(s.exited());
  EXPECT_FALSE(s.success());
  EXPECT_EQ(s.to_string(), "exit code 3");
}

TEST(ChildWait, GivesTerminatingSignal) {
#ifdef _WIN32
  GTEST_SKIP() << "no signals on Windows; kill() is ChildKill.TerminatesWithTheSignal";
#endif
  const exit_status s = run_bounded([]() -> coronet::task<exit_status> {
    child c = spawn(helper(), {"raise", std::to_string(SIGKILL)});
    co_return co_await c.wait();
  }());
  EXPECT_EQ(s.signal, SIGKILL);
  EXPECT_EQ(s.code, 0);
  EXPECT_EQ(s.shell_code(), 128 + SIGKILL);
  EXPECT_EQ(s.to_string(), "signal 9 (SIGKILL)");
}

TEST(ChildWait, SecondWaitGivesSameStatus) {
  run_bounded([]() -> coronet::task<> {
    child c = spawn(helper(), {"exit", "4"});
    const exit_status first = co_await c.wait();
    EXPECT_EQ(co_await c.wait(), first);
    EXPECT_EQ(c.status(), std::optional(exit_status{4, 0}));
  }());
}

TEST(ChildWait, ConcurrentWaitsBothGetStatus) {
  run_bounded([]() -> coronet::task<> {
    options o;
    o.in = stdio::pipe;
    child c = spawn(helper(), {"wait-stdin"}, o);
    auto both = coronet::when_all(c.wait(), c.wait());
    auto end_input = [](child& c) -> coronet::task<> {
      c.in().close();
      co_return;
    };
    auto [r, ignored] = co_await coronet::when_all(std::move(both), end_input(c));
    (void)ignored;
    auto [a, b] = r;
    EXPECT_TRUE(a.success());
    EXPECT_EQ(a, b);
  }());
}

TEST(ChildWait, IsCancellableAndLosesNothing) {
  run_bounded([]() -> coronet::task<> {
    options o;
    o.in = stdio::pipe;
    child c = spawn(helper(), {"wait-stdin"}, o);
    std::error_code ec = co_await coronet::test::error_of(coronet::with_timeout(20ms, c.wait()));
    EXPECT_EQ(ec, std::errc::timed_out);
    c.in().close();
    EXPECT_TRUE((co_await c.wait()).success());
  }());
}

TEST(ChildKill, TerminatesWithTheSignal) {
  run_bounded([]() -> coronet::task<> {
    options o;
    o.in = stdio::pipe;
    child c = spawn(helper(), {"wait-stdin"}, o);
    EXPECT_TRUE(c.kill());
    const exit_status s = co_await c.wait();
    EXPECT_EQ(s.signal, SIGTERM);
    EXPECT_FALSE(c.kill());  // reaped: nothing to signal
  }());
}

TEST(ChildKill, AfterExitBeforeWaitReturnsFalse) {
  run_bounded([]() -> coronet::task<> {
    options o = process_test::piped_out();
    child c = spawn(helper(), {"say", "bye"}, o);
    co_await process_test::read_all(c.out());  // its stdout closes when it exits...
    // ...which may come just before the exit itself: watch it until it has.
    EXPECT_TRUE(ends_within(c.pid(), 10s));
    EXPECT_FALSE(c.kill(SIGKILL));
    EXPECT_TRUE((co_await c.wait()).success());
  }());
}

TEST(ChildKill, InvalidSignalThrows) {
  run_bounded([]() -> coronet::task<> {
    options o;
    o.in = stdio::pipe;
    child c = spawn(helper(), {"wait-stdin"}, o);
    EXPECT_THROW(c.kill(12345), std::system_error);
    c.in().close();
    co_await c.wait();
  }());
}

#ifndef _WIN32  // no zombies on Windows: a destroyed child closes its handle (windows_spawn_test)
TEST(ChildReaping, DestroyedChildIsReapedWhenItExits) {
  int watch = -1;
  run_bounded([](int& watch) -> coronet::task<> {
    {
      options o;
      o.in = stdio::pipe;
      child c = spawn(helper(), {"wait-stdin"}, o);
      watch = open_pidfd(c.pid());
    }  // closes its stdin: the child exits, nobody waits for it
    const auto deadline = std::chrono::steady_clock::now() + coronet::test::prompt;
    // Polling with a bound: the reaper runs on this scheduler, in its own time.
    while (!reaped(watch) && std::chrono::steady_clock::now() < deadline)
      co_await coronet::sleep_for(1ms);
    EXPECT_TRUE(reaped(watch)) << "a zombie was left behind";
  }(watch));
  ::close(watch);
}

TEST(ChildReaping, ChildOutlivingTheSchedulerIsReaped) {
  int watch = -1, keep_stdin_open = -1;
  coronet::run([](int& watch, int& keep) -> coronet::task<> {
    options o;
    o.in = stdio::pipe;
    child c = spawn(helper(), {"wait-stdin"}, o);
    watch = open_pidfd(c.pid());
    keep = ::dup(c.in().native_handle());  // the child keeps running after run() returns
    co_return;
  }(watch, keep_stdin_open));
  ASSERT_GE(watch, 0);
  EXPECT_FALSE(reaped(watch));
  ::close(keep_stdin_open);  // now it exits, with no scheduler left to notice
  pollfd p{watch, POLLIN, 0};
  ASSERT_EQ(::poll(&p, 1, 10'000), 1);
  const auto deadline = std::chrono::steady_clock::now() + coronet::test::prompt;
  while (!reaped(watch) && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(1ms);
  EXPECT_TRUE(reaped(watch)) << "a zombie was left behind";
  ::close(watch);
}

TEST(ChildReaping, DestructionDoesNotKillTheChild) {
  int watch = -1, keep_stdin_open = -1;
  run_bounded([](int& watch, int& keep) -> coronet::task<> {
    options o;
    o.in = stdio::pipe;
    child c = spawn(helper(), {"wait-stdin"}, o);
    watch = open_pidfd(c.pid());
    keep = ::dup(c.in().native_handle());
    co_return;
  }(watch, keep_stdin_open));
  // A killed child would be gone well within this bound; a running one stays.
  pollfd p{watch, POLLIN, 0};
  EXPECT_EQ(::poll(&p, 1, 200), 0) << "the child ended when its object was destroyed";
  ::close(keep_stdin_open);
  EXPECT_EQ(::poll(&p, 1, 10'000), 1);
  ::close(watch);
}
#endif

}  // namespace
