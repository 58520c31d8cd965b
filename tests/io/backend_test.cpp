// run() and the choice of backend: CORONET_BACKEND, and the process state run() sets up.
#include "coronet/run.hpp"

#include <gtest/gtest.h>

#include <csignal>
#include <cstdlib>
#include <stdexcept>
#include <string>
#include <string_view>

#include "io_test_support.hpp"

namespace coronet::test {
namespace {

std::string running_backend() {
  return run([]() -> task<std::string> { co_return std::string(backend_name()); });
}

TEST(Backend, NameMatchesCoronetBackend) {
  const std::string_view expected = backend_from_env();
  if (expected.empty()) GTEST_SKIP() << "CORONET_BACKEND is not set (CTest sets it for each run)";
  EXPECT_EQ(running_backend(), expected);
}

TEST(Backend, EachBackendCanBeForced) {
  {
    scoped_env env("CORONET_BACKEND", "asio");
    EXPECT_EQ(running_backend(), "asio");
  }
  scoped_env env("CORONET_BACKEND", "uring");
#ifdef _WIN32
  // IOCP through Asio is the only Windows backend: asking for io_uring is an error.
  EXPECT_THROW(running_backend(), std::invalid_argument);
#else
  EXPECT_EQ(running_backend(), "io_uring");
#endif
}

TEST(Backend, DefaultIsOneOfTheTwo) {
  scoped_env env("CORONET_BACKEND", std::nullopt);
  const std::string name = running_backend();
  EXPECT_TRUE(name == "io_uring" || name == "asio") << name;
}

TEST(Backend, BogusBackendMakesRunThrowInvalidArgument) {
  scoped_env env("CORONET_BACKEND", "bogus");
  bool body_ran = false;
  try {
    run([&]() -> task<> {
      body_ran = true;
      co_return;
    });
    FAIL() << "run() accepted CORONET_BACKEND=bogus";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("bogus"), std::string::npos) << e.what();
  }
  EXPECT_FALSE(body_ran);
}

#ifndef _WIN32  // Windows has no SIGPIPE
TEST(Backend, RunIgnoresSigpipeLeftAtDefault) {
  struct sigaction old {};
  ASSERT_EQ(::sigaction(SIGPIPE, nullptr, &old), 0);
  std::signal(SIGPIPE, SIG_DFL);
  run([]() -> task<> { co_return; });
  struct sigaction now {};
  ::sigaction(SIGPIPE, nullptr, &now);
  ::sigaction(SIGPIPE, &old, nullptr);
  EXPECT_EQ(now.sa_handler, SIG_IGN);
}
#endif

TEST(Backend, RunReturnsTheValueAndRethrows) {
  EXPECT_EQ(run([]() -> task<int> { co_return 42; }), 42);
  EXPECT_THROW(run([]() -> task<> {
                 throw std::runtime_error("boom");
                 co_return;
               }),
               std::runtime_error);
}

}  // namespace
}  // namespace coronet::test
