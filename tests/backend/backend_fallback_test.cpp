// Backend selection when io_uring is blocked the way containers block it: a seccomp filter that
// fails io_uring_setup with the errno a blocked or limited system gives (io_uring_blocker.hpp).
// Each case runs in a forked child, since a seccomp filter cannot be removed once installed. The
// whole io, http, process and samples suites also run blocked: see without_io_uring.cpp.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstddef>
#include <cstdlib>
#include <string>

#include <coronet/coronet.hpp>

#include "io_uring_blocker.hpp"

namespace {

using coronet::test::block_io_uring;  // tests/support/io_uring_blocker.hpp

struct child_result {
  int exit_code = -1;
  std::string output;
};

// Runs `body` in a child whose io_uring_setup fails with `err` under the given CORONET_BACKEND
// (nullptr: unset); `body` writes its findings to the pipe and the child exits with its result.
template <class Body>
child_result in_blocked_child(int err, const char* backend, Body body) {
  int fds[2];
  if (pipe(fds) != 0) return {};
  const pid_t pid = fork();
  if (pid == 0) {
    close(fds[0]);
    if (backend)
      setenv("CORONET_BACKEND", backend, 1);
    else
      unsetenv("CORONET_BACKEND");
    if (!block_io_uring(err)) _exit(99);
    _exit(body(fds[1]));
  }
  close(fds[1]);
  child_result r;
  char buf[512];
  for (ssize_t n; (n = read(fds[0], buf, sizeof buf)) > 0;) r.output.append(buf, std::size_t(n));
  close(fds[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return r;
}

void put(int fd, const std::string& s) {
  for (std::size_t off = 0; off < s.size();) {
    ssize_t n = write(fd, s.data() + off, s.size() - off);
    if (n <= 0) return;
    off += std::size_t(n);
  }
}

// The child's work: serve one echo round trip on whatever backend run() picked, report its name.
int echo_and_report(int out) {
  try {
    std::string name = coronet::run([]() -> coronet::task<std::string> {
      auto server = coronet::tcp::listener::bind({"127.0.0.1", 0});
      auto serve = [&]() -> coronet::task<> {
        coronet::stream s = co_await server.accept();
        std::array<std::byte, 16> buf;
        std::size_t n = co_await s.read_some(buf);
        co_await s.write_all(std::span(buf).first(n));
      };
      auto client = [&]() -> coronet::task<std::string> {
        coronet::stream c = co_await coronet::tcp::connect("127.0.0.1", server.port());
        co_await c.write_all("ping");
        std::array<char, 16> buf;
        std::size_t n = co_await c.read_some(buf);
        co_return std::string(buf.data(), n);
      };
      auto [ignored, echoed] = co_await coronet::when_all(serve(), client());
      co_return std::string(coronet::backend_name()) + " " + echoed;
    });
    put(out, name);
    return 0;
  } catch (const std::exception& e) {
    put(out, e.what());
    return 1;
  }
}

class BlockedIoUring : public testing::TestWithParam<int> {};

TEST_P(BlockedIoUring, DefaultFallsBackToAsio) {
  auto r = in_blocked_child(GetParam(), nullptr, echo_and_report);
  ASSERT_NE(r.exit_code, 99) << "could not install the seccomp filter";
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(r.output, "asio ping");
}

TEST_P(BlockedIoUring, ForcedUringFailsWithClearMessage) {
  auto r = in_blocked_child(GetParam(), "uring", echo_and_report);
  ASSERT_NE(r.exit_code, 99) << "could not install the seccomp filter";
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.output.find("CORONET_BACKEND=uring but io_uring is unavailable"), std::string::npos)
      << r.output;
  EXPECT_NE(r.output.find("io_uring_queue_init"), std::string::npos) << r.output;
}

TEST_P(BlockedIoUring, ForcedAsioIgnoresIoUring) {
  auto r = in_blocked_child(GetParam(), "asio", echo_and_report);
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(r.output, "asio ping");
}

// EPERM: Docker's profile or kernel.io_uring_disabled; ENOSYS: older profiles and kernels;
// ENOMEM: RLIMIT_MEMLOCK on kernels that still charge rings to it (before 5.12).
INSTANTIATE_TEST_SUITE_P(Errno, BlockedIoUring, testing::Values(EPERM, ENOSYS, ENOMEM),
                         [](const testing::TestParamInfo<int>& i) {
                           return std::string(i.param == EPERM    ? "EPERM"
                                              : i.param == ENOSYS ? "ENOSYS"
                                                                  : "ENOMEM");
                         });

TEST(BackendChoice, UnknownNameIsRejected) {
  auto r = in_blocked_child(EPERM, "epoll", echo_and_report);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.output.find("CORONET_BACKEND must be 'uring' or 'asio'"), std::string::npos)
      << r.output;
}

}  // namespace
