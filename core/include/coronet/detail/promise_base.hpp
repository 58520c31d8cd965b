// The part of every coronet coroutine promise that the rest of the library relies on: where to go
// when the coroutine finishes (its continuation) and which stop token cancels its awaits.
#pragma once

#include <coroutine>
#include <exception>
#include <optional>
#include <stop_token>

#include "coronet/detail/frame_allocator.hpp"

namespace coronet::detail {

class promise_base {
 public:
  // Coroutine frames are recycled per thread (frame_allocator.hpp).
  static void* operator new(std::size_t size) { return allocate_frame(size); }
  static void operator delete(void* p, std::size_t size) noexcept { free_frame(p, size); }

  std::suspend_always initial_suspend() noexcept { return {}; }

  // Symmetric transfer to the awaiter: finishing a task costs no stack depth however long the
  // chain of awaiting tasks is.
  struct final_awaiter {
    bool await_ready() noexcept { return false; }
    template <class Promise>
    std::coroutine_handle<> await_suspend(std::coroutine_handle<Promise> h) noexcept {
      return h.promise().continuation_;
    }
    void await_resume() noexcept {}
  };
  final_awaiter final_suspend() noexcept { return {}; }

  void set_continuation(std::coroutine_handle<> c) noexcept { continuation_ = c; }
  const std::stop_token& stop_token() const noexcept { return stop_token_; }
  void set_stop_token(std::stop_token t) noexcept {
    stop_callback_.reset();  // registered with the old token
    stop_token_ = std::move(t);
  }

  // The await a stop request cancels now (op_awaiter): `cancel(target)` runs on a stop request
  // until disarm_cancel(target). The stop_callback is registered at the first arm and kept for
  // the coroutine's life, so each later await costs two stores instead of a registration with
  // the stop state (atomic operations) and its removal.
  void arm_cancel(void (*cancel)(void*) noexcept, void* target) noexcept {
    cancel_ = cancel;
    cancel_target_ = target;
    if (!stop_callback_) stop_callback_.emplace(stop_token_, stop_forwarder{this});
  }
  void disarm_cancel(void* target) noexcept {
    if (cancel_target_ == target) cancel_target_ = nullptr;
  }

 protected:
  std::coroutine_handle<> continuation_ = std::noop_coroutine();
  std::stop_token stop_token_;

 private:
  struct stop_forwarder {
    promise_base* self;
    void operator()() const noexcept {
      if (void* target = self->cancel_target_) self->cancel_(target);
    }
  };
  void (*cancel_)(void*) noexcept = nullptr;
  void* cancel_target_ = nullptr;
  std::optional<std::stop_callback<stop_forwarder>> stop_callback_;
};

// The stop token of the coroutine `h` when it is one of ours, otherwise an empty token: awaiters
// use it to find out whether their await can be cancelled.
template <class Promise>
std::stop_token stop_token_of(std::coroutine_handle<Promise> h) noexcept {
  if constexpr (std::is_base_of_v<promise_base, Promise>) {
    return h.promise().stop_token();
  } else {
    return {};
  }
}

}  // namespace coronet::detail
