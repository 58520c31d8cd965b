// exec_file (Node's execFile) and read_to_end: a program run to its end with its output
// collected, within limits.
#include <gtest/gtest.h>

#include <chrono>
#include <csignal>
#include <string>
#include <system_error>
#include <vector>

#include "process_test_support.hpp"

namespace {

using namespace coronet::process;
using namespace std::chrono_literals;
using process_test::helper;
using process_test::run_bounded;
using args = std::vector<std::string>;  // named: GCC 12 miscompiles a braced list in a co_await

TEST(ExecFile, CollectsStdoutAndStderr) {
  run_bounded([]() -> coronet::task<> {
    const args a{"say", "hello"};
    exec_result r = co_await exec_file(helper(), a);
    EXPECT_TRUE(r.status.success()) << r.status.to_string();
    EXPECT_EQ(r.out, "hello\n");
    EXPECT_EQ(r.err, "err: hello\n");
  }());
}

TEST(ExecFile, ANonzeroExitIsInTheStatus) {
  run_bounded([]() -> coronet::task<> {
    const args a{"exit", "3"};
    exec_result r = co_await exec_file(helper(), a);
    EXPECT_EQ(r.status.code, 3);
    EXPECT_FALSE(r.status.success());
    EXPECT_EQ(r.out, "");
  }());
}

TEST(ExecFile, AMissingProgramIsNamed) {
  run_bounded([]() -> coronet::task<> {
    try {
      const args a{"x"};
      co_await exec_file("coronet-no-such-program", a);
      ADD_FAILURE() << "no error";
    } catch (const std::system_error& e) {
      EXPECT_EQ(e.code(), std::errc::no_such_file_or_directory);
      EXPECT_EQ(std::string(e.what()), "spawn coronet-no-such-program: No such file or directory");
    }
  }());
}

TEST(ExecFile, OutputOverMaxBufferFailsNamingTheProgramAndStream) {
  run_bounded([]() -> coronet::task<> {
    exec_options o;
    o.max_buffer = 7;  // stdout's "hello\n" fits, stderr's "err: hello\n" does not
    try {
      const args a{"say", "hello"};
      co_await exec_file(helper(), a, o);
      ADD_FAILURE() << "no error";
    } catch (const std::system_error& e) {
      EXPECT_EQ(e.code(), std::errc::no_buffer_space);
      EXPECT_EQ(std::string(e.what()), "exec_file " + helper() +
                                           ": stderr over max_buffer of 7 bytes: " +
                                           coronet::errno_category().message(ENOBUFS));
    }
  }());
}

TEST(ExecFile, StdinIsEmpty) {
  run_bounded([]() -> coronet::task<> {
    // cat ends at once: its stdin is /dev/null, not this process's.
    const args a{"cat"};
    exec_result r = co_await exec_file(helper(), a);
    EXPECT_TRUE(r.status.success());
    EXPECT_EQ(r.out, "");
  }());
}

TEST(ReadToEnd, ReadsAChildsStdoutToItsEnd) {
  run_bounded([]() -> coronet::task<> {
    child c = spawn(helper(), {"say", "hi"}, process_test::piped_out());
    EXPECT_EQ(co_await read_to_end(c.out()), "hi\n");
    EXPECT_TRUE((co_await c.wait()).success());
  }());
}

TEST(ReadToEnd, MoreThanTheLimitFails) {
  run_bounded([]() -> coronet::task<> {
    child c = spawn(helper(), {"say", "hello"}, process_test::piped_out());
    try {
      co_await read_to_end(c.out(), 5);  // "hello\n" is 6
      ADD_FAILURE() << "no error";
    } catch (const std::system_error& e) {
      EXPECT_EQ(e.code(), std::errc::no_buffer_space);
      EXPECT_NE(std::string(e.what()).find("read stdout of " + helper() + ": more than 5 bytes"),
                std::string::npos)
          << e.what();
    }
    co_await c.wait();
  }());
}

#ifndef _WIN32
TEST(ExecFile, AnEndlessWriterIsKilledAtMaxBuffer) {
  run_bounded([]() -> coronet::task<> {
    exec_options o;
    o.max_buffer = 1 << 16;
    const args a{};
    EXPECT_THROW(co_await exec_file("yes", a, o), std::system_error);
  }());
}

TEST(ExecFile, TimeoutKillsAndTheStatusSaysSo) {
  run_bounded([]() -> coronet::task<> {
    exec_options o;
    o.timeout = 50ms;
    const args a{"-c", "echo started; exec sleep 100"};
    exec_result r = co_await exec_file("/bin/sh", a, o);
    EXPECT_TRUE(r.status.timed_out);
    EXPECT_EQ(r.status.signal, SIGTERM);
    EXPECT_EQ(r.out, "started\n");
  }());
}
#endif

}  // namespace
