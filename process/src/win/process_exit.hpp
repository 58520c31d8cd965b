// Waiting for a Windows child to end: the backend waits for its process handle to be signalled
// (the io_handle::kind::waitable poll), and GetExitCodeProcess gives the status.
#pragma once

#include <optional>

#include "coronet/detail/io_awaiter.hpp"
#include "coronet/detail/io_backend.hpp"
#include "coronet/process/exit_status.hpp"

namespace coronet::process::detail {

// co_await process_exit(b, h): 0 once the process has ended, -ECANCELED when the wait is
// cancelled or the handle closed.
class process_exit : public coronet::detail::io_awaiter<process_exit> {
 public:
  process_exit(coronet::detail::io_backend& b, coronet::detail::io_handle& h)
      : io_awaiter(b), h_(h) {}
  void start() { backend_.poll(op_, h_, 0); }
  int await_resume() noexcept { return result(); }

 private:
  coronet::detail::io_handle& h_;
};

// The status of the process behind `h` if it has ended: its exit code, or `kill_signal` when a
// kill() terminated it. nullopt while it runs; -errno in `err` (and nullopt) on failure.
std::optional<exit_status> exit_status_of(coronet::native_handle_type h, int kill_signal,
                                          int& err) noexcept;

}  // namespace coronet::process::detail
