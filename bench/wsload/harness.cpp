#include "harness.hpp"

#include <signal.h>
#include <time.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace wsload {
namespace {

constexpr std::uint64_t max_logged_errors = 10;

}  // namespace

void sync_point(const char* word) {
  std::printf("%s\n", word);
  std::fflush(stdout);
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGUSR1);
  timespec timeout{};
  timeout.tv_sec = harness_timeout_sec;
  for (;;) {
    int sig = sigtimedwait(&set, nullptr, &timeout);
    if (sig == SIGUSR1) return;
    if (sig < 0 && errno == EINTR) continue;
    std::fprintf(stderr, "%s: no SIGUSR1 from the harness within %d s after '%s'\n", program_name,
                 harness_timeout_sec, word);
    std::exit(exit_failure);
  }
}

void fatal(const char* what) {
  std::fprintf(stderr, "%s: %s: %s\n", program_name, what, std::strerror(errno));
  std::exit(exit_failure);
}

void error_log::report(std::size_t connection, const char* why) {
  ++count_;
  if (count_ <= max_logged_errors)
    std::fprintf(stderr, "%s: connection %zu: %s\n", program_name, connection, why);
  else if (count_ == max_logged_errors + 1)
    std::fprintf(stderr, "%s: further errors not shown\n", program_name);
}

}  // namespace wsload
