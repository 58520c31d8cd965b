// The half of the backend seam that core/ needs: wait for completions, time out, cancel, wake up.
// io/ extends it with socket operations (detail::io_backend); core/ knows nothing of sockets.
#pragma once

#include <chrono>
#include <coroutine>
#include <string_view>
#include <vector>

#include "coronet/detail/operation.hpp"

namespace coronet::detail {

class event_loop {
 public:
  virtual ~event_loop() = default;

  // "io_uring" or "asio": which backend runs this scheduler.
  virtual std::string_view name() const noexcept = 0;

  // Harvest completions, calling on_complete for each. With `block`, wait until at least one
  // arrives (or wake() is called); without, return at once.
  virtual void run_once(bool block) = 0;

  // Thread-safe: make a blocked run_once return.
  virtual void wake() noexcept = 0;

  // Completes with 0 at `deadline` (std::chrono::steady_clock), or -ECANCELED when cancelled.
  virtual void timeout(operation& op, std::chrono::steady_clock::time_point deadline) = 0;

  // Ask the kernel to stop `op`. The operation still completes (with -ECANCELED, or with its
  // result if it won the race); only then may its buffer be reused. No-op if it is not pending.
  virtual void cancel(operation& op) noexcept = 0;

  // Every completion goes through here: the operation stops being pending, then either its own
  // on_complete runs or its waiter joins the scheduler's ready queue.
  void complete(operation& op, int result) noexcept {
    op.result = result;
    op.pending = false;
    if (op.on_complete)
      op.on_complete(&op);
    else
      ready_->push_back(op.waiter);
  }

  // The scheduler's ready queue; set once by the scheduler that owns this loop.
  void attach(std::vector<std::coroutine_handle<>>& ready) noexcept { ready_ = &ready; }

  // cancel() and wait for the completion without resuming anyone: for destructors of awaiters
  // whose coroutine frame (and so buffer) is about to be freed.
  void cancel_and_wait(operation& op) noexcept {
    if (!op.pending) return;
    // The waiter is being destroyed: its completion must neither resume it nor (for multi-step
    // awaiters) start another step.
    op.on_complete = [](operation*) noexcept {};
    cancel(op);
    while (op.pending) run_once(true);
  }

 protected:
  std::vector<std::coroutine_handle<>>* ready_ = nullptr;
};

}  // namespace coronet::detail
