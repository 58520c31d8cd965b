// child: a running (or finished) child process started by process::spawn or process::fork.
//
//   auto ls = coronet::process::spawn("ls", {"-l"}, {.out = coronet::process::stdio::pipe});
//   std::array<char, 4096> buf;
//   while (std::size_t n = co_await ls.out().read_some(buf)) ...;
//   coronet::process::exit_status s = co_await ls.wait();
//
// wait() is driven by a pidfd polled through the scheduler's backend, and reaps the child with
// waitid(P_PIDFD): no SIGCHLD handler, no blocking waitpid, and other libraries' children are
// left alone. Destroying a child object does not kill the process; if it is still running, it is
// reaped in the background when it exits, so no zombie is left behind. A child belongs to the
// scheduler (thread) that started it and must outlive the awaits on it.
//
// Cancel safety: wait() is safe (cancelling it loses no exit status).
#pragma once

#include <sys/types.h>

#include <csignal>
#include <optional>
#include <string>

#include "coronet/detail/io_backend.hpp"
#include "coronet/process/channel.hpp"
#include "coronet/process/exit_status.hpp"
#include "coronet/stream.hpp"
#include "coronet/task.hpp"

namespace coronet::process {

class child {
 public:
  child() noexcept = default;
  child(child&& o) noexcept;
  child& operator=(child&& o) noexcept;
  ~child();

  pid_t pid() const noexcept { return pid_; }
  // The program as given to spawn(), for messages.
  const std::string& program() const noexcept { return program_; }

  // The parent's ends of the child's stdin, stdout and stderr when their option was
  // stdio::pipe; closed streams otherwise. Close in() (or shutdown it) to give the child end of
  // input.
  stream& in() noexcept { return in_; }
  stream& out() noexcept { return out_; }
  stream& err() noexcept { return err_; }
  // The message channel of a child started by fork(); not connected for spawn().
  process::channel& channel() noexcept { return channel_; }

  // Waits for the child to end and reaps it. Once it has, every call returns the same status
  // at once.
  task<exit_status> wait();
  // The status if the child has already been reaped by wait().
  const std::optional<exit_status>& status() const noexcept { return status_; }

  // Sends `sig` through the pidfd (never to a recycled pid). false when the child has already
  // ended (it is then reaped, and status() has its status); throws std::system_error for an
  // invalid signal.
  bool kill(int sig = SIGTERM);

 private:
  friend class spawner;
  // Gives the unreaped child to the background reaper; leaves this object empty.
  void release() noexcept;

  pid_t pid_ = -1;
  std::string program_;
  coronet::detail::io_handle pidfd_;
  coronet::detail::io_backend* backend_ = nullptr;
  std::optional<exit_status> status_;
  stream in_, out_, err_;
  process::channel channel_;
};

}  // namespace coronet::process
