// The watch behind options.timeout (Node's `timeout` and `killSignal`): a detached coroutine on
// the child's scheduler that waits for the child to exit or the time to run out, whichever comes
// first, and in the second case sends the child (or its group, for a detached child) the kill
// signal. It holds a pidfd of its own, so it works whether or not the child object
// is still around (as Node's timer fires whatever the program holds), and it never signals a
// process that has been reaped (see start_timeout_watch).
#pragma once

#include <sys/types.h>

#include <chrono>
#include <memory>

#include "coronet/detail/io_backend.hpp"

namespace coronet::process::detail {

// Shared by the watch and the child: whether the time ran out and the signal went.
struct timeout_state {
  bool fired = false;
};

// Starts the watch over the unreaped child `pid` on the current scheduler, whose backend is
// `b`. Throws std::system_error when its pidfd cannot be opened.
std::shared_ptr<timeout_state> start_timeout_watch(coronet::detail::io_backend& b, pid_t pid,
                                                   bool group, int kill_signal,
                                                   std::chrono::milliseconds timeout);

}  // namespace coronet::process::detail
