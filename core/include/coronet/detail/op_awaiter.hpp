// The one place where an awaiter meets a kernel operation: cancellation through the awaiting
// coroutine's stop token, and buffer ownership when the awaiting coroutine is destroyed. Every
// I/O and timer awaiter derives from it and only says how to start and how to read the result.
#pragma once

#include <cerrno>
#include <coroutine>
#include <optional>
#include <stop_token>

#include "coronet/detail/event_loop.hpp"
#include "coronet/detail/promise_base.hpp"

namespace coronet::detail {

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

  template <class Promise>
  bool await_suspend(std::coroutine_handle<Promise> h) {
    std::stop_token token = stop_token_of(h);
    if (token.stop_requested()) {
      op_.result = -ECANCELED;
      op_.cancel_requested = true;
      return false;
    }
    op_.waiter = h;
    op_.pending = true;
    try {
      static_cast<Derived*>(this)->start();
    } catch (...) {
      op_.pending = false;  // never reached the kernel: nothing to wait for
      throw;
    }
    if (token.stop_possible() && op_.pending)
      stop_callback_.emplace(std::move(token), canceller{this});
    return true;
  }

 protected:
  // Make sure the kernel is done with the operation. Derived awaiters whose destructors release
  // what the operation used (a lent buffer) call it first; then the base destructor's call is a
  // no-op.
  void settle() noexcept {
    stop_callback_.reset();
    if (op_.pending) loop_->cancel_and_wait(op_);
  }

  // The result as the caller should see it: a cancellation request that raced with a successful
  // completion keeps the success, so no received data is lost.
  int result() noexcept {
    stop_callback_.reset();
    if (op_.result < 0 && op_.cancel_requested) return -ECANCELED;
    return op_.result;
  }

  event_loop* loop_;
  operation op_;

 private:
  struct canceller {
    op_awaiter* self;
    void operator()() const noexcept {
      self->op_.cancel_requested = true;
      self->loop_->cancel(self->op_);
    }
  };
  std::optional<std::stop_callback<canceller>> stop_callback_;
};

}  // namespace coronet::detail
