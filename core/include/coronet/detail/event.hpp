// event: a flag coroutines can wait for, on one scheduler. The building block of coronet's own
// hand-offs between coroutines (a process channel's handle acknowledgement, run_per_core's "every
// core has finished"); not a public type.
//
//   detail::event done;
//   ...                        // in one coroutine
//   co_await done.wait();      // suspends until set() (at once if already set)
//   ...                        // in another
//   done.set();                // the waiters resume on the next turn of the loop
//
// set() and reset() may be called any number of times; a waiter resumes once the flag is set,
// and reset() only affects later waits. Everything happens on the scheduler's own thread (post()
// there from another). Cancel safe: a stop request on a waiting coroutine ends its wait with
// operation_canceled and leaves the event as it was.
#pragma once

#include <cerrno>
#include <coroutine>
#include <optional>
#include <stop_token>
#include <utility>
#include <vector>

#include "coronet/detail/promise_base.hpp"
#include "coronet/error.hpp"
#include "coronet/scheduler.hpp"

namespace coronet::detail {

class event {
  class awaiter;

 public:
  event() = default;
  event(const event&) = delete;
  event& operator=(const event&) = delete;
  // Waiters still suspended (their frames are being destroyed) are simply forgotten.
  ~event() {
    for (awaiter* w : waiters_) w->ev_ = nullptr;
  }

  bool is_set() const noexcept { return set_; }
  void set() {
    set_ = true;
    for (awaiter* w : std::exchange(waiters_, {})) w->wake(false);
  }
  void reset() noexcept { set_ = false; }
  [[nodiscard]] awaiter wait() noexcept { return awaiter(*this); }

 private:
  class awaiter {
   public:
    explicit awaiter(event& ev) noexcept : ev_(&ev) {}
    awaiter(const awaiter&) = delete;
    awaiter& operator=(const awaiter&) = delete;
    ~awaiter() { unlink(); }  // the waiting coroutine was destroyed while suspended

    bool await_ready() const noexcept { return ev_->set_; }
    template <class Promise>
    bool await_suspend(std::coroutine_handle<Promise> h) {
      std::stop_token token = stop_token_of(h);
      if (token.stop_requested()) {
        cancelled_ = true;
        return false;
      }
      h_ = h;
      ev_->waiters_.push_back(this);
      if (token.stop_possible()) on_stop_.emplace(std::move(token), stop_fn{this});
      return true;
    }
    void await_resume() {
      on_stop_.reset();
      if (cancelled_) throw_errno(ECANCELED, "wait");
    }

   private:
    friend class event;
    struct stop_fn {
      awaiter* self;
      void operator()() const noexcept {
        if (!self->h_) return;  // set() already woke it
        self->unlink();
        self->wake(true);
      }
    };
    void unlink() noexcept {
      if (!ev_ || !h_) return;
      std::erase(ev_->waiters_, this);
    }
    void wake(bool cancelled) noexcept {
      cancelled_ = cancelled;
      scheduler::current().schedule(std::exchange(h_, {}));
    }

    event* ev_;
    std::coroutine_handle<> h_;
    bool cancelled_ = false;
    std::optional<std::stop_callback<stop_fn>> on_stop_;
  };

  bool set_ = false;
  std::vector<awaiter*> waiters_;
};

}  // namespace coronet::detail
