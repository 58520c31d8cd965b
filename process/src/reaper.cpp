// The background reaper: what happens to a child whose child object is destroyed while the
// process still runs.
//
// The choice: a detached coroutine on the child's own scheduler awaits the pidfd and reaps the
// process when it exits. It costs one small frame and no thread, and fits the one-thread model:
// a program that starts and forgets many children does not grow threads. A scheduler can end
// before its orphans do, though (run() returns, or it shuts down and destroys detached frames);
// the frame's guard then hands the pid to a short-lived helper thread that blocks in waitid
// until the process ends, the same way resolve() puts getaddrinfo on a helper thread. So a
// zombie never outlives its parent's interest in it, whatever the order of events.
#include <thread>

#include "coronet/detail/io_backend.hpp"
#include "coronet/scheduler.hpp"
#include "coronet/spawn.hpp"
#include "coronet/task.hpp"
#include "pidfd.hpp"

namespace coronet::process::detail {
namespace {

using coronet::detail::io_backend;
using coronet::detail::io_handle;

void reap_on_thread(pid_t pid) noexcept {
  try {
    std::thread([pid] { reap_blocking(pid); }).detach();
  } catch (...) {
    // No thread to be had (out of resources): the zombie stays until this process exits,
    // which reaps it through init. Nothing better is possible without blocking here.
  }
}

// Owns an unreaped child in a coroutine frame; if the frame dies first, the thread takes over.
struct orphan {
  pid_t pid;
  io_handle pidfd;
  io_backend* backend;
  bool reaped = false;

  orphan(pid_t p, io_handle h, io_backend* b) noexcept : pid(p), pidfd(h), backend(b) {}
  orphan(orphan&& o) noexcept : pid(o.pid), pidfd(o.pidfd), backend(o.backend), reaped(o.reaped) {
    o.pid = -1;
    o.pidfd = {};
  }
  orphan& operator=(orphan&&) = delete;
  ~orphan() {
    if (pidfd.fd >= 0) backend->close(pidfd);
    if (pid > 0 && !reaped) reap_on_thread(pid);
  }
};

task<> reap_when_exited(orphan o) {
  for (;;) {
    int err = 0;
    if (try_reap(o.pid, o.pidfd.fd, err) || err != 0) {
      // Reaped, or not ours to reap any more (ECHILD: SIGCHLD set to SIG_IGN reaps by itself).
      o.reaped = true;
      co_return;
    }
    if (co_await pidfd_readable(*o.backend, o.pidfd) < 0)
      co_return;  // the pidfd cannot be polled: the guard hands the pid to a thread
  }
}

}  // namespace

void reap_in_background(pid_t pid, io_handle pidfd, io_backend* b) noexcept {
  orphan o(pid, pidfd, b);
  scheduler* s = scheduler::try_current();
  // Only the scheduler that owns the pidfd can poll it.
  if (s && b && &s->loop() == static_cast<coronet::detail::event_loop*>(b)) {
    try {
      coronet::spawn(reap_when_exited(std::move(o)));
      return;
    } catch (...) {
      // Could not make the frame: `o` (moved-from only if the frame exists) falls back below.
    }
  }
}  // `o`, if still holding the child, closes the pidfd and starts the helper thread

}  // namespace coronet::process::detail
