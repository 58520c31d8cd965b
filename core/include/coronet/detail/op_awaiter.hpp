// The one place where an awaiter meets a kernel operation: cancellation through the awaiting
// coroutine's stop token, and buffer ownership when the awaiting coroutine is destroyed. Every
// I/O and timer awaiter derives from it and only says how to start and how to read the result.
#pragma once

#include <cerrno>
#include <coroutine>
#include <stop_token>
#include <type_traits>
#include <utility>

#include "coronet/detail/operation.hpp"
#include "coronet/detail/promise_base.hpp"

namespace coronet::detail {

// The loop (the backend's vtable) is declared only: an awaiter reaches it through these two,
// out of line in core/src, so that users' code never sees the backend interface.
class event_loop;
// event_loop::cancel: ask the kernel to stop `op` (it still completes).
void request_cancel(event_loop& loop, operation& op) noexcept;
// event_loop::cancel_and_wait: cancel `op` and run the loop until the kernel is done with it.
void cancel_and_wait(event_loop& loop, operation& op) noexcept;

template <class Derived>
class op_awaiter {
 public:
  explicit op_awaiter(event_loop& loop) noexcept : loop_(&loop) {}
  // The kernel holds the address of op_, so an awaiter never moves.
  op_awaiter(const op_awaiter&) = delete;
  op_awaiter& operator=(const op_awaiter&) = delete;

  // A coroutine destroyed while suspended here (scheduler shutdown, an abandoned task) must not
  // free the buffer under the kernel: cancel and wait for the completion first.
  ~op_awaiter() { settle(); }

  bool await_ready() const noexcept { return false; }

  // Cancellation goes through the awaiting coroutine's promise (promise_base::arm_cancel): it
  // registers one stop_callback for its whole life, not one per operation, so an await costs no
  // atomic operations on the stop state. Other coroutines' awaits cannot be cancelled.
  template <class Promise>
  bool await_suspend(std::coroutine_handle<Promise> h) {
    promise_base* p = nullptr;
    if constexpr (std::is_base_of_v<promise_base, Promise>) {
      p = &h.promise();
      if (p->stop_token().stop_requested()) {
        op_.result = -ECANCELED;
        op_.cancel_requested = true;
        return false;
      }
    }
    op_.waiter = h;
    op_.pending = true;
    try {
      static_cast<Derived*>(this)->start();
    } catch (...) {
      op_.pending = false;  // never reached the kernel: nothing to wait for
      throw;
    }
    if (p && op_.pending && p->stop_token().stop_possible()) {
      promise_ = p;
      p->arm_cancel(&cancel_thunk, this);
    }
    return true;
  }

 protected:
  // Make sure the kernel is done with the operation. Derived awaiters whose destructors release
  // what the operation used (a lent buffer) call it first; then the base destructor's call is a
  // no-op.
  void settle() noexcept {
    disarm();
    if (op_.pending) cancel_and_wait(*loop_, op_);
  }

  // The result as the caller should see it: a cancellation request that raced with a successful
  // completion keeps the success, so no received data is lost.
  int result() noexcept {
    disarm();
    if (op_.result < 0 && op_.cancel_requested) return -ECANCELED;
    return op_.result;
  }

  event_loop* loop_;
  operation op_;

 private:
  static void cancel_thunk(void* self) noexcept {
    auto* me = static_cast<op_awaiter*>(self);
    me->op_.cancel_requested = true;
    request_cancel(*me->loop_, me->op_);
  }
  void disarm() noexcept {
    if (promise_) std::exchange(promise_, nullptr)->disarm_cancel(this);
  }
  promise_base* promise_ = nullptr;  // whose stop request cancels op_, while armed
};

}  // namespace coronet::detail
