// options.detached and child.kill_group: a child leading its own process group, and the
// processes it starts, stopped together; options.timeout and kill_signal (Node's timeout and
// killSignal). POSIX only (Windows refuses both options, see WindowsSpawn).
#include <gtest/gtest.h>

#ifndef _WIN32
#include <signal.h>

#include <array>
#include <cerrno>
#include <chrono>
#include <stdexcept>
#include <string>
#include <system_error>

#include "process_test_support.hpp"

namespace {

using namespace coronet::process;
using namespace std::chrono_literals;
using process_test::helper;
using process_test::run_bounded;

// A shell whose background command (the grandchild) holds the shell's stdout too; the shell
// prints the grandchild's pid first, then waits for it.
child shell_with_grandchild(bool detached) {
  options o = process_test::piped_out();
  o.detached = detached;
  return spawn("/bin/sh", {"-c", "sleep 100 & echo $!; wait"}, o);
}

// The first line the child writes to stdout (without its '\n').
coronet::task<std::string> first_line(child& c, std::string& rest) {
  std::string text;
  std::array<std::byte, 256> buf;
  for (;;) {
    const std::size_t n = co_await c.out().read_some(buf);
    if (n == 0) throw std::runtime_error("stdout ended before a line: " + text);
    text.append(reinterpret_cast<const char*>(buf.data()), n);
    if (auto nl = text.find('\n'); nl != std::string::npos) {
      rest = text.substr(nl + 1);
      co_return text.substr(0, nl);
    }
  }
}

bool alive(pid_t pid) {
  return ::kill(pid, 0) == 0;
}

TEST(ProcessGroup, KillEndsTheChildButNotItsGrandchild) {
  run_bounded([]() -> coronet::task<> {
    child sh = shell_with_grandchild(true);
    std::string rest;
    const pid_t grandchild = std::stoi(co_await first_line(sh, rest));
    EXPECT_TRUE(sh.kill(SIGTERM));
    EXPECT_EQ((co_await sh.wait()).signal, SIGTERM);
    // What child.kill() of `sh -c` leaves behind: the command, still running and still
    // holding the pipe. The group reaches it (the shell is reaped, its group lives on).
    EXPECT_TRUE(alive(grandchild));
    EXPECT_TRUE(sh.kill_group(SIGTERM));
    EXPECT_EQ(co_await process_test::read_all(sh.out()), rest);  // every writer is gone: EOF
  }());
}

TEST(ProcessGroup, KillGroupEndsTheChildAndWhatItStarted) {
  run_bounded([]() -> coronet::task<> {
    child sh = shell_with_grandchild(true);
    std::string rest;
    const pid_t grandchild = std::stoi(co_await first_line(sh, rest));
    EXPECT_NE(grandchild, sh.pid());
    EXPECT_EQ(::getpgid(grandchild), sh.pid());  // the shell leads the group; its command is in it
    EXPECT_TRUE(sh.kill_group(SIGTERM));
    // The pipe reaches its end only once the grandchild, which holds it too, is gone.
    co_await process_test::read_all(sh.out());
    EXPECT_EQ((co_await sh.wait()).signal, SIGTERM);
  }());
}

TEST(ProcessGroup, KillGroupNeedsADetachedChild) {
  run_bounded([]() -> coronet::task<> {
    child c = spawn(helper(), {"exit", "0"});
    try {
      c.kill_group(SIGTERM);
      ADD_FAILURE() << "kill_group of a child in our own group";
    } catch (const std::system_error& e) {
      EXPECT_EQ(e.code(), std::errc::invalid_argument);
      EXPECT_NE(std::string(e.what()).find("options.detached"), std::string::npos) << e.what();
    }
    EXPECT_TRUE((co_await c.wait()).success());
  }());
}

TEST(ProcessGroup, ADetachedChildLeadsANewSession) {
  run_bounded([]() -> coronet::task<> {
    options o;
    o.in = stdio::pipe;
    o.detached = true;
    child c = spawn(helper(), {"wait-stdin"}, o);  // runs until its stdin ends
    EXPECT_EQ(::getsid(c.pid()), c.pid());
    EXPECT_EQ(::getpgid(c.pid()), c.pid());
    EXPECT_NE(::getpgid(c.pid()), ::getpgrp());
    c.in().close();
    EXPECT_TRUE((co_await c.wait()).success());
  }());
}

TEST(ProcessTimeout, ChildStillRunningGetsTheKillSignal) {
  run_bounded([]() -> coronet::task<> {
    options o;
    o.timeout = 50ms;
    child c = spawn("sleep", {"100"}, o);
    const exit_status s = co_await c.wait();
    EXPECT_EQ(s.signal, SIGTERM);
    EXPECT_TRUE(s.timed_out);
    EXPECT_FALSE(s.success());
    EXPECT_EQ(s.to_string(), "signal 15 (SIGTERM), timed out");
  }());
}

TEST(ProcessTimeout, KillSignalIsTheOneSent) {
  run_bounded([]() -> coronet::task<> {
    options o;
    o.timeout = 50ms;
    o.kill_signal = SIGKILL;
    child c = spawn("/bin/sh", {"-c", "trap '' TERM; exec sleep 100"}, o);  // ignores SIGTERM
    const exit_status s = co_await c.wait();
    EXPECT_EQ(s.signal, SIGKILL);
    EXPECT_TRUE(s.timed_out);
  }());
}

TEST(ProcessTimeout, AChildThatEndsInTimeIsNotMarked) {
  run_bounded([]() -> coronet::task<> {
    options o;
    o.timeout = 60s;
    child c = spawn(helper(), {"exit", "3"}, o);
    const exit_status s = co_await c.wait();
    EXPECT_EQ(s.code, 3);
    EXPECT_FALSE(s.timed_out);
    EXPECT_EQ(s.to_string(), "exit code 3");
  }());
}

TEST(ProcessTimeout, FiresWithNobodyWaiting) {
  run_bounded([]() -> coronet::task<> {
    options o = process_test::piped_out();
    o.in = stdio::pipe;
    o.timeout = 50ms;
    child c = spawn(helper(), {"wait-stdin"}, o);  // its stdin stays open: it would wait for ever
    // Only the pipe is read: its end comes when the timeout has killed the child.
    EXPECT_EQ(co_await process_test::read_all(c.out()), "");
    const exit_status s = co_await c.wait();
    EXPECT_TRUE(s.timed_out);
    EXPECT_EQ(s.signal, SIGTERM);
  }());
}

TEST(ProcessTimeout, ADetachedChildsGroupIsKilled) {
  run_bounded([]() -> coronet::task<> {
    options o = process_test::piped_out();
    o.detached = true;
    o.timeout = 50ms;
    child sh = spawn("/bin/sh", {"-c", "sleep 100 & wait"}, o);
    co_await process_test::read_all(sh.out());  // the grandchild held it: it is gone too
    const exit_status s = co_await sh.wait();
    EXPECT_TRUE(s.timed_out);
    EXPECT_EQ(s.signal, SIGTERM);
  }());
}

TEST(ProcessTimeout, AnInvalidKillSignalFailsTheSpawn) {
  run_bounded([]() -> coronet::task<> {
    options o;
    o.timeout = 50ms;
    o.kill_signal = 100000;
    EXPECT_THROW(spawn(helper(), {"exit", "0"}, o), std::system_error);
    co_return;
  }());
}

}  // namespace
#endif  // !_WIN32
