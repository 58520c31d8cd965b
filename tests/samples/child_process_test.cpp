// The test helper itself: the sample tests are only as honest as its reads, waits and clean-up.
#include "child_process.hpp"

#include <gtest/gtest.h>
#include <signal.h>

#include <cerrno>
#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace sample_test {
namespace {

using namespace std::chrono_literals;

TEST(ChildProcess, ReadsLinesThenEndOfOutput) {
  child_process p({"/bin/sh", "-c", "echo one; printf 'two\\nthree'"});
  EXPECT_EQ(p.read_lines(10), (std::vector<std::string>{"one", "two", "three"}));
  EXPECT_EQ(p.read_line(), std::nullopt);
  EXPECT_EQ(p.wait(), 0);
}

TEST(ChildProcess, KeepsStdoutAndStderrApart) {
  child_process p({"/bin/sh", "-c", "echo out; echo err >&2; exit 3"});
  EXPECT_EQ(p.wait(), 3);
  EXPECT_EQ(p.read_stderr(), "err\n");
  EXPECT_EQ(p.read_line(), "out");
}

TEST(ChildProcess, ReadLineTimesOutWhenNoLineComes) {
  child_process p({"/bin/sh", "-c", "echo first; printf partial; exec sleep 60"});
  EXPECT_EQ(p.read_line(), "first");
  try {
    (void)p.read_line(200ms);
    ADD_FAILURE() << "read_line returned without a full line";
  } catch (const timeout_error& e) {
    EXPECT_NE(std::string(e.what()).find("first\npartial"), std::string::npos) << e.what();
  }
}

TEST(ChildProcess, WaitReportsTheSignalThatEndedTheChild) {
  child_process p({"/bin/sh", "-c", "echo ready; exec sleep 60"});
  EXPECT_EQ(p.read_line(), "ready");
  p.signal(SIGTERM);
  EXPECT_EQ(p.wait(), 128 + SIGTERM);
}

TEST(ChildProcess, DestructorKillsAndReapsARunningChild) {
  pid_t pid;
  {
    child_process p({"/bin/sh", "-c", "exec sleep 60"});
    pid = p.pid();
    EXPECT_EQ(::kill(pid, 0), 0) << "running";
  }
  EXPECT_EQ(::kill(pid, 0), -1) << "still there after its test";
  EXPECT_EQ(errno, ESRCH);
}

TEST(ChildProcess, ProgramThatCannotStartThrows) {
  EXPECT_THROW(child_process({"/nonexistent/program"}), std::system_error);
}

}  // namespace
}  // namespace sample_test
