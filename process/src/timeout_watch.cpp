#include "timeout_watch.hpp"

#include <poll.h>

#include <cerrno>
#include <csignal>
#include <utility>

#include "coronet/error.hpp"
#include "coronet/spawn.hpp"
#include "coronet/task.hpp"
#include "coronet/timer.hpp"
#include "coronet/when_any.hpp"
#include "pidfd.hpp"

namespace coronet::process::detail {
namespace {

using coronet::detail::io_backend;
using coronet::detail::io_handle;

// The watch's pidfd, closed under its backend however the frame ends (a scheduler that shuts
// down destroys detached frames).
struct watched_pidfd {
  io_backend* backend;
  io_handle h;
  watched_pidfd(io_backend* b, io_handle handle) noexcept : backend(b), h(handle) {}
  watched_pidfd(watched_pidfd&& o) noexcept : backend(o.backend), h(std::exchange(o.h, {})) {}
  watched_pidfd& operator=(watched_pidfd&&) = delete;
  ~watched_pidfd() {
    if (h.fd >= 0) backend->close(h);
  }
};

// Whether the process has exited (reaped or not): its pidfd is readable then.
bool has_exited(int pidfd) noexcept {
  pollfd p{pidfd, POLLIN, 0};
  return ::poll(&p, 1, 0) > 0;
}

task<> exited(io_backend& b, io_handle& h) {
  co_await pidfd_readable(b, h);
}

task<> sleep_ms(std::chrono::milliseconds d) {
  co_await sleep_for(d);
}

task<> watch(watched_pidfd fd, pid_t pid, bool group, int sig, std::chrono::milliseconds timeout,
             std::shared_ptr<timeout_state> state) {
  auto r = co_await when_any(exited(*fd.backend, fd.h), sleep_ms(timeout));
  // Both may be ready in one turn: an exit wins, so a child that ended in time is not marked.
  if (r.index() == 0 || has_exited(fd.h.fd)) co_return;
  state->fired = true;
  // Not exited, so not reaped: the pid (and the group id it leads) is still this child's.
  if (group)
    ::kill(-pid, sig);
  else
    pidfd_send_signal(fd.h.fd, pid, sig);
}

}  // namespace

std::shared_ptr<timeout_state> start_timeout_watch(io_backend& b, pid_t pid, bool group,
                                                   int kill_signal,
                                                   std::chrono::milliseconds timeout) {
  // A pidfd of its own, not a dup of the child's: a dup shares the open file, and io_uring's
  // cancel-by-file when one of them is closed would end the other's poll too. The child is not
  // reaped yet, so its pid still names it.
  const int pidfd = pidfd_open(pid);
  if (pidfd < 0) throw_errno(-pidfd, "timeout watch: pidfd_open");
  io_handle h;
  coronet::detail::adopt_on(b, h, pidfd);
  watched_pidfd fd(&b, h);
  auto state = std::make_shared<timeout_state>();
  coronet::spawn(watch(std::move(fd), pid, group, kill_signal, timeout, state));
  return state;
}

}  // namespace coronet::process::detail
