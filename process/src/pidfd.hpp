// The Linux calls behind child::wait and child::kill, in one place: pidfd_open,
// pidfd_send_signal, a non-blocking reap, and the poll awaiter that waits for a pidfd to become
// readable (which it does when the process has exited).
#pragma once

#include <sys/types.h>

#include <optional>

#include "coronet/detail/io_awaiter.hpp"
#include "coronet/detail/io_backend.hpp"
#include "coronet/process/exit_status.hpp"

namespace coronet::process::detail {

// Returns the new descriptor (close-on-exec), or -errno.
int pidfd_open(pid_t pid) noexcept;
// 0, or -errno (-ESRCH once the process has exited, even if not yet reaped).
int pidfd_send_signal(int pidfd, pid_t pid, int sig) noexcept;

// Reaps the child if it has exited: waitid(P_PIDFD, WNOHANG), or by pid on kernels older than
// 5.4. nullopt while it runs; -errno in `err` (and nullopt) on failure.
std::optional<exit_status> try_reap(pid_t pid, int pidfd, int& err) noexcept;

// Blocks this thread until `pid` ends and reaps it. For the background reaper's helper thread.
void reap_blocking(pid_t pid) noexcept;

// co_await pidfd_readable(b, h): the poll's result (POLLIN once the process has exited).
class pidfd_readable : public coronet::detail::io_awaiter<pidfd_readable> {
 public:
  pidfd_readable(coronet::detail::io_backend& b, coronet::detail::io_handle& h)
      : io_awaiter(b), h_(h) {}
  void start();
  int await_resume() noexcept { return result(); }

 private:
  coronet::detail::io_handle& h_;
};

// Takes an unreaped child the program no longer holds a child object for: reaps it when it
// exits. Closes `pidfd` (under backend `b`) either way.
void reap_in_background(pid_t pid, coronet::detail::io_handle pidfd,
                        coronet::detail::io_backend* b) noexcept;

}  // namespace coronet::process::detail
