// child: a running (or finished) child process started by process::spawn or process::fork.
//
//   coronet::process::options o;  // {.out = pipe} draws GCC 12 -Wextra warnings
//   o.out = coronet::process::stdio::pipe;
//   auto ls = coronet::process::spawn("ls", {"-l"}, o);
//   std::array<std::byte, 4096> buf;
//   for (;;) {
//     std::size_t n = co_await ls.out().read_some(buf);  // 0: ls closed its stdout
//     if (n == 0) break;
//     std::fwrite(buf.data(), 1, n, stdout);
//   }
//   coronet::process::exit_status s = co_await ls.wait();
//
// wait() is driven by a pidfd polled through the scheduler's backend, and reaps the child with
// waitid(P_PIDFD): no SIGCHLD handler, no blocking waitpid, and other libraries' children are
// left alone. Destroying a child object does not kill the process; if it is still running, it is
// reaped in the background when it exits, so no zombie is left behind. A child belongs to the
// scheduler (thread) that started it and must outlive the awaits on it.
//
// Windows: wait() waits for the process handle through the backend and reads the exit code
// (GetExitCodeProcess); there are no zombies, so destroying a child just closes its handle.
// Signals do not exist there: kill() with SIGTERM, SIGKILL or SIGINT terminates the process
// (TerminateProcess), and its status then reports that signal, as Node does on Windows.
//
// Cancel safety: wait() is safe (cancelling it loses no exit status).
#pragma once

#ifndef _WIN32
#include <sys/types.h>
#endif

#include <chrono>
#include <csignal>
#include <memory>
#include <optional>
#include <string>

#include "coronet/detail/io_handle.hpp"
#include "coronet/process/channel.hpp"
#include "coronet/process/exit_status.hpp"
#include "coronet/stream.hpp"
#include "coronet/task.hpp"

#if defined(_WIN32) && !defined(SIGKILL)
// Windows' C runtime has no SIGKILL; kill(SIGKILL) still means "terminate" (libuv's uv/win.h
// defines it the same way).
#define SIGKILL 9
#endif

namespace coronet::process {

namespace detail {
struct timeout_state;
}

#ifdef _WIN32
// A Windows process id (a DWORD): MSVC has no pid_t, and mingw's is 64 bits wide.
using process_id = unsigned long;
#else
using process_id = pid_t;
#endif

class child {
 public:
  child() noexcept = default;
  child(child&& o) noexcept;
  child& operator=(child&& o) noexcept;
  ~child();

  process_id pid() const noexcept { return pid_; }
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
  // invalid signal. Windows: SIGTERM, SIGKILL and SIGINT terminate the child (exit code 1,
  // reported as the signal); other signals throw ENOSYS.
  bool kill(int sig = SIGTERM);
  // Sends `sig` to the child's whole process group: the child and every process it started
  // that stayed in its group (the commands of `sh -c`, a build's compilers), as Node's
  // process.kill(-child.pid, sig). The child must have been started with options.detached (it
  // leads its own group then); throws std::system_error (EINVAL) otherwise, and for an invalid
  // signal. false when no process of the group is left. Works after the child itself has been
  // reaped, for the members it left behind (a group id, like a pid, is only reused once the
  // group is empty). POSIX only: Windows throws ENOSYS.
  bool kill_group(int sig = SIGTERM);

  // For a child that may outlive its channel (Node's seed child keeps its timer running):
  // disconnect the channel, give the child `grace` to exit, then send it `sig` and wait. Returns
  // how it ended, and whether that was by our `sig`. Cancel safe like wait().
  struct ending {
    exit_status status;
    bool stopped_by_us = false;  // it was still running after `grace`, and `sig` ended it
    bool expected() const noexcept { return status.success() || stopped_by_us; }
  };
  task<ending> disconnect_and_wait(std::chrono::milliseconds grace = std::chrono::seconds(1),
                                   int sig = SIGTERM);

 private:
  friend class spawner;
  // Gives the unreaped child to the background reaper (Windows: closes its handle); leaves this
  // object empty.
  void release() noexcept;

#ifdef _WIN32
  process_id pid_ = 0;
  int kill_signal_ = 0;  // the signal of a kill() that terminated the child
#else
  pid_t pid_ = -1;
  bool detached_ = false;  // leads its own process group (options.detached)
  // options.timeout's watch: whether it fired (null without a timeout).
  std::shared_ptr<detail::timeout_state> timeout_;
#endif
  std::string program_;
  // The pidfd (Linux) or the process handle (Windows), under backend_.
  coronet::detail::io_handle handle_;
  coronet::detail::io_backend* backend_ = nullptr;
  std::optional<exit_status> status_;
  stream in_, out_, err_;
  process::channel channel_;
};

}  // namespace coronet::process
