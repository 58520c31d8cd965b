#include "pidfd.hpp"

#include <poll.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>

#ifndef P_PIDFD
#define P_PIDFD 3  // glibc headers older than the kernel feature (Linux 5.4)
#endif

namespace coronet::process::detail {

int pidfd_open(pid_t pid) noexcept {
  // Through syscall(): the glibc wrapper is recent (2.36) and adds nothing.
  const long fd = ::syscall(SYS_pidfd_open, pid, 0);
  return fd < 0 ? -errno : int(fd);
}

int pidfd_send_signal(int pidfd, pid_t pid, int sig) noexcept {
  if (::syscall(SYS_pidfd_send_signal, pidfd, sig, nullptr, 0) == 0) return 0;
  // Linux 5.1 has the call; without it, the pid is still safe to use: the child is not reaped
  // (we alone reap it), so its number cannot have been given to another process.
  if (errno == ENOSYS) return ::kill(pid, sig) == 0 ? 0 : -errno;
  return -errno;
}

std::optional<exit_status> try_reap(pid_t pid, int pidfd, int& err) noexcept {
  err = 0;
  siginfo_t info{};
  int r = -1;
  errno = EINVAL;
  if (pidfd >= 0) {
    do r = ::waitid(idtype_t(P_PIDFD), id_t(pidfd), &info, WEXITED | WNOHANG);
    while (r < 0 && errno == EINTR);
  }
  // Linux < 5.4 has no P_PIDFD (and a child whose pidfd could not be set up has none): the pid
  // is just as safe, since it stays ours until we reap it.
  if (r < 0 && errno == EINVAL) {
    do r = ::waitid(P_PID, id_t(pid), &info, WEXITED | WNOHANG);
    while (r < 0 && errno == EINTR);
  }
  if (r < 0) {
    err = -errno;
    return std::nullopt;
  }
  if (info.si_pid == 0) return std::nullopt;  // still running
  exit_status s;
  if (info.si_code == CLD_EXITED)
    s.code = info.si_status;
  else
    s.signal = info.si_status;  // CLD_KILLED or CLD_DUMPED
  return s;
}

void reap_blocking(pid_t pid) noexcept {
  siginfo_t info{};
  while (::waitid(P_PID, id_t(pid), &info, WEXITED) < 0 && errno == EINTR) {
  }
}

void pidfd_readable::start() {
  backend_.poll(op_, h_, POLLIN);
}

}  // namespace coronet::process::detail
