// child on Windows: the process handle is all there is to a child once it runs. No reaping:
// a process's exit status lives as long as a handle to it, so closing the handle is the whole
// cleanup, and a destroyed child leaves nothing behind.
#include "coronet/process/child.hpp"

#include <windows.h>

#include <cerrno>
#include <utility>

#include "coronet/detail/io_backend.hpp"
#include "coronet/error.hpp"
#include "process_exit.hpp"

namespace coronet::process {

namespace detail {

std::optional<exit_status> exit_status_of(coronet::native_handle_type h, int kill_signal,
                                          int& err) noexcept {
  err = 0;
  const HANDLE process = reinterpret_cast<HANDLE>(h);
  const DWORD w = ::WaitForSingleObject(process, 0);
  if (w == WAIT_TIMEOUT) return std::nullopt;
  DWORD code = 0;
  if (w != WAIT_OBJECT_0 || !::GetExitCodeProcess(process, &code)) {
    err = -coronet::detail::from_windows_error(::GetLastError());
    return std::nullopt;
  }
  exit_status s;
  if (kill_signal)
    s.signal = kill_signal;
  else
    s.code = static_cast<int>(code);  // an NTSTATUS such as 0xC0000005 comes out negative
  return s;
}

}  // namespace detail

child::child(child&& o) noexcept
    : pid_(std::exchange(o.pid_, 0)),
      kill_signal_(std::exchange(o.kill_signal_, 0)),
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
    pid_ = std::exchange(o.pid_, 0);
    kill_signal_ = std::exchange(o.kill_signal_, 0);
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
  if (handle_.fd >= 0) backend_->close(handle_);
  pid_ = 0;
}

task<exit_status> child::wait() {
  if (status_) co_return *status_;
  if (handle_.fd < 0) throw_errno(ECHILD, "wait: no child process");
  for (;;) {
    int err = 0;
    if (auto s = detail::exit_status_of(handle_.fd, kill_signal_, err)) {
      status_ = *s;
      // Closing cancels the waits of other waiters; they find the status set.
      backend_->close(handle_);
      co_return *s;
    }
    if (err != 0) throw_errno(-err, "wait " + program_);
    const int r = co_await detail::process_exit(*backend_, handle_);
    if (status_) co_return *status_;  // another wait() got it meanwhile
    if (r < 0) throw_errno(-r, "wait " + program_);
  }
}

bool child::kill(int sig) {
  if (status_ || handle_.fd < 0) return false;
  const std::string what = "kill " + program_ + " (pid " + std::to_string(pid_) + ")";
  if (sig != SIGTERM && sig != SIGKILL && sig != SIGINT) throw_errno(ENOSYS, what);
  // An ended process is told first, as on POSIX: TerminateProcess may succeed on one (Wine's
  // does), which would turn its own exit code into our signal.
  int err = 0;
  if (auto s = detail::exit_status_of(handle_.fd, 0, err)) {
    status_ = *s;
    backend_->close(handle_);
    return false;
  }
  const HANDLE process = reinterpret_cast<HANDLE>(handle_.fd);
  // Exit code 1, as libuv's uv_process_kill: the status reports the signal, not the code.
  if (::TerminateProcess(process, 1)) {
    kill_signal_ = sig;
    return true;
  }
  const DWORD error = ::GetLastError();
  // Access denied is what TerminateProcess says about a process that has already ended.
  DWORD code = 0;
  if (::GetExitCodeProcess(process, &code) && code != STILL_ACTIVE) return false;
  throw_errno(coronet::detail::from_windows_error(error), what);
}

bool child::kill_group(int) {
  // Process groups (and a job object to stand for one) are not implemented on Windows.
  throw_errno(ENOSYS, "kill group of " + program_ + ": process groups are POSIX only");
}

}  // namespace coronet::process
