// spawn's errors: each names the program (and the directory) and carries the errno.
#include <gtest/gtest.h>

#include <fstream>

#include "process_test_support.hpp"
#ifndef _WIN32
#include <sys/stat.h>

#include "temp_dir.hpp"
#endif

namespace {

using namespace coronet::process;
using process_test::helper;

// The std::system_error that spawn(program, {}, o) throws (inside a scheduler).
std::system_error spawn_error(std::string program, options o = {}) {
  return coronet::run([](std::string program, options o) -> coronet::task<std::system_error> {
    try {
      child c = spawn(program, {}, o);
      co_await c.wait();
    } catch (const std::system_error& e) {
      co_return e;
    }
    co_return std::system_error(std::error_code(), "no error");
  }(std::move(program), std::move(o)));
}

TEST(ProcessSpawnError, ProgramNotFoundOnPath) {
  const auto e = spawn_error("coronet-no-such-program");
  EXPECT_EQ(e.code(), std::errc::no_such_file_or_directory);
  EXPECT_STREQ(e.what(), "spawn coronet-no-such-program: No such file or directory");
}

TEST(ProcessSpawnError, ProgramPathNotFound) {
  const auto e = spawn_error("/nonexistent/coronet-prog");
  EXPECT_EQ(e.code(), std::errc::no_such_file_or_directory);
  EXPECT_STREQ(e.what(), "spawn /nonexistent/coronet-prog: No such file or directory");
}

TEST(ProcessSpawnError, ProgramNotExecutable) {
#ifdef _WIN32
  GTEST_SKIP() << "execute permission; Windows: FileThatIsNoProgram";
#else
  coronet::test::temp_dir dir;
  const std::string file = dir.path() + "/notes.txt";
  std::ofstream(file) << "not a program\n";
  ::chmod(file.c_str(), 0644);
  const auto e = spawn_error(file);
  EXPECT_EQ(e.code(), std::errc::permission_denied);
  EXPECT_EQ(std::string(e.what()), "spawn " + file + ": Permission denied");
#endif
}

TEST(ProcessSpawnError, ProgramOnPathNotExecutable) {
#ifdef _WIN32
  GTEST_SKIP() << "execute permission; Windows: FileThatIsNoProgram";
#else
  coronet::test::temp_dir dir;
  std::ofstream(dir.path() + "/coronet-not-exec") << "#!/bin/sh\n";
  ::chmod((dir.path() + "/coronet-not-exec").c_str(), 0644);
  options o;
  o.env_add["PATH"] = dir.path();
  const auto e = spawn_error("coronet-not-exec", o);
  EXPECT_EQ(e.code(), std::errc::permission_denied);
  EXPECT_STREQ(e.what(), "spawn coronet-not-exec: Permission denied");
#endif
}

TEST(ProcessSpawnError, BadWorkingDirectory) {
  options o;
  o.cwd = "/nonexistent/coronet-dir";
  const auto e = spawn_error(helper(), o);
  EXPECT_EQ(e.code(), std::errc::no_such_file_or_directory);
  EXPECT_EQ(std::string(e.what()), "spawn " + helper() +
                                       ": working directory /nonexistent/coronet-dir: No such "
                                       "file or directory");
}

TEST(ProcessSpawnError, WorkingDirectoryIsAFile) {
  options o;
  o.cwd = helper();
  const auto e = spawn_error(helper(), o);
  EXPECT_EQ(e.code(), std::errc::not_a_directory);
}

}  // namespace
