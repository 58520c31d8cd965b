#include "coronet/process/child.hpp"

#include <signal.h>

#include <cerrno>
#include <utility>

#include "coronet/detail/io_backend.hpp"
#include "coronet/error.hpp"
#include "pidfd.hpp"
#include "timeout_watch.hpp"

namespace coronet::process {

child::child(child&& o) noexcept
    : pid_(std::exchange(o.pid_, -1)),
      detached_(std::exchange(o.detached_, false)),
      timeout_(std::move(o.timeout_)),
      program_(std::move(o.program_)),
      handle_(std::exchange(o.handle_, {})),
      backend_(std::exchange(o.backend_, nullptr)),
      status_(std::exchange(o.status_, std::nullopt)),
      in_(std::move(o.in_)),
      out_(std::move(o.out_)),
      err_(std::move(o.err_)),
      channel_(std::move(o.channel_)) {}

child& child::operator=(child&& o) noexcept {
  if (this != &o) {
    release();
    pid_ = std::exchange(o.pid_, -1);
    detached_ = std::exchange(o.detached_, false);
    timeout_ = std::move(o.timeout_);
    program_ = std::move(o.program_);
    handle_ = std::exchange(o.handle_, {});
    backend_ = std::exchange(o.backend_, nullptr);
    status_ = std::exchange(o.status_, std::nullopt);
    in_ = std::move(o.in_);
    out_ = std::move(o.out_);
    err_ = std::move(o.err_);
    channel_ = std::move(o.channel_);
  }
  return *this;
}

child::~child() {
  release();
}

void child::release() noexcept {
  // The pipes and the channel close with their members; the process itself is left running.
  if (pid_ > 0 && !status_) {
    int err = 0;
    if (!detail::try_reap(pid_, handle_.fd, err) && err == 0) {
      detail::reap_in_background(pid_, std::exchange(handle_, {}), backend_);
      pid_ = -1;
      return;
    }
  }
  if (handle_.fd >= 0) backend_->close(handle_);
  pid_ = -1;
}

task<exit_status> child::wait() {
  if (status_) co_return *status_;
  if (pid_ < 0) throw_errno(ECHILD, "wait: no child process");
  for (;;) {
    int err = 0;
    if (auto s = detail::try_reap(pid_, handle_.fd, err)) {
      status_ = *s;
      status_->timed_out = timeout_ && timeout_->fired;
      // Closing cancels the polls of other waiters; they find the status set.
      backend_->close(handle_);
      co_return *status_;
    }
    if (err != 0) throw_errno(-err, "wait " + program_);
    const int r = co_await detail::pidfd_readable(*backend_, handle_);
    if (status_) co_return *status_;  // another wait() reaped it meanwhile
    if (r < 0) throw_errno(-r, "wait " + program_);
  }
}

bool child::kill(int sig) {
  if (status_ || pid_ < 0) return false;
  // Linux delivers a signal to a zombie without complaint: reap first to tell an ended child.
  int err = 0;
  if (auto s = detail::try_reap(pid_, handle_.fd, err)) {
    status_ = *s;
    status_->timed_out = timeout_ && timeout_->fired;
    backend_->close(handle_);
    return false;
  }
  const int r = detail::pidfd_send_signal(handle_.fd, pid_, sig);
  if (r == -ESRCH) return false;  // exited just now
  if (r < 0) throw_errno(-r, "kill " + program_ + " (pid " + std::to_string(pid_) + ")");
  return true;
}

bool child::kill_group(int sig) {
  const std::string what = "kill group of " + program_ + " (pid " + std::to_string(pid_) + ")";
  if (!detached_) throw_errno(EINVAL, what + ": not started with options.detached");
  if (pid_ <= 0) return false;  // -pid must never be -1 (every process) or 0 (our own group)
  // Until the child is reaped its pid, and so its group id, cannot be anyone else's; after, the
  // id stays reserved while any member of the group lives, and no process is left otherwise.
  if (::kill(-pid_, sig) == 0) return true;
  if (errno == ESRCH) return false;
  throw_errno(errno, what);
}

}  // namespace coronet::process
