// without-io-uring CMD ARGS...: runs CMD with io_uring blocked and CORONET_BACKEND unset, so that
// coronet's default choice has to fall back to Asio (the CTest tests labelled "blocked" run the io,
// http, process and samples suites this way).
//
// io_uring_setup fails with EPERM through a seccomp filter (io_uring_blocker.hpp), as in a
// container: the filter is inherited by CMD and everything it starts, and cannot be lifted. The
// launcher checks two things, so that a run which silently used io_uring cannot pass:
// - before CMD starts, that io_uring_setup really fails here with EPERM (else exit 125);
// - that CMD logged the fallback: it runs with CORONET_DEBUG=1, which makes coronet print its
//   choice once per process to stderr; that stderr goes through this launcher (and on to its
//   own stderr unchanged), and a CMD that succeeded without the line "coronet: backend asio
//   (io_uring unavailable: ..." fails the run (exit 1). Otherwise the exit status is CMD's.
#include <fcntl.h>
#include <linux/io_uring.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>

#include "io_uring_blocker.hpp"

namespace {

constexpr std::string_view k_fallback = "coronet: backend asio (io_uring unavailable";
constexpr std::string_view k_uring = "coronet: backend io_uring";

int fail(const char* what) {
  std::fprintf(stderr, "without-io-uring: %s\n", what);
  return 125;
}

bool write_all(int fd, const char* p, std::size_t n) {
  while (n > 0) {
    const ssize_t w = ::write(fd, p, n);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) return false;
    p += w;
    n -= std::size_t(w);
  }
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: without-io-uring CMD ARGS...\n");
    return 2;
  }
  if (!coronet::test::block_io_uring(EPERM)) return fail("cannot install the seccomp filter");
  io_uring_params params{};
  const long probe = ::syscall(__NR_io_uring_setup, 1, &params);
  if (probe >= 0 || errno != EPERM) {
    if (probe >= 0) ::close(int(probe));
    return fail("io_uring_setup still works under the filter");
  }
  ::unsetenv("CORONET_BACKEND");
  ::setenv("CORONET_DEBUG", "1", 1);

  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) return fail("pipe2 failed");
  const pid_t pid = ::fork();
  if (pid < 0) return fail("fork failed");
  if (pid == 0) {
    ::dup2(fds[1], 2);  // dup2 clears close-on-exec on the copy
    ::execvp(argv[1], argv + 1);
    std::fprintf(stderr, "without-io-uring: %s: %s\n", argv[1], std::strerror(errno));
    ::_exit(127);
  }
  ::close(fds[1]);

  // Pass stderr through while looking for the log lines, which may straddle two reads.
  std::string window;
  bool fell_back = false, used_uring = false;
  char buf[4096];
  for (;;) {
    const ssize_t n = ::read(fds[0], buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    write_all(2, buf, std::size_t(n));
    window.append(buf, std::size_t(n));
    fell_back = fell_back || window.find(k_fallback) != std::string::npos;
    used_uring = used_uring || window.find(k_uring) != std::string::npos;
    if (window.size() > 256) window.erase(0, window.size() - 256);
  }
  ::close(fds[0]);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  const int code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  if (used_uring) {
    std::fprintf(stderr, "without-io-uring: %s ran on io_uring despite the filter\n", argv[1]);
    return 1;
  }
  if (code == 0 && !fell_back) {
    std::fprintf(stderr, "without-io-uring: %s did not log the fallback to Asio (\"%.*s\")\n",
                 argv[1], int(k_fallback.size()), k_fallback.data());
    return 1;
  }
  return code;
}
