// Inside io/: bind's wait for an address that is about to be freed (listen_options::bind_retry).
//
// A server killed with SIGKILL and restarted at once: with io_uring the dead process's ring is
// torn down by a kernel worker after the process is gone (measured on 2 busy cores: a median of
// 8-19 ms, once 872 ms; docs/reliability.md), and until then its standing (multishot) accept holds
// a reference to the listening socket. The port, or the Unix socket path, stays taken by a socket
// no process owns. Nothing on our side can release it earlier (a killed process cleans nothing
// up), so bind tries again for a bounded time. The kernel still refuses a live server's address
// every time: waiting only delays that failure.
#pragma once

#include <algorithm>
#include <chrono>
#include <thread>

namespace coronet::detail {

// Calls `attempt` (a callable returning bool: true when it is done, bound or failed for good;
// false when the address is in use and may be freed) until it is done or `bound` has passed since
// the first call, sleeping between calls (1 ms, doubling up to 32 ms: the ring is usually gone
// within a few). Returns false when the time ran out with the address still in use. A zero or
// negative bound makes one call.
template <class Attempt>
bool retry_while_in_use(std::chrono::milliseconds bound, Attempt attempt) {
  using clock = std::chrono::steady_clock;
  const auto deadline = clock::now() + bound;
  std::chrono::milliseconds pause{1};
  for (;;) {
    if (attempt()) return true;
    const auto now = clock::now();
    if (now >= deadline) return false;
    // The last call falls on the deadline, not a pause past it.
    std::this_thread::sleep_for(std::min<clock::duration>(pause, deadline - now));
    pause = std::min(pause * 2, std::chrono::milliseconds{32});
  }
}

}  // namespace coronet::detail
