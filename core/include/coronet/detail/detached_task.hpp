// The coroutine type behind spawn() and task_group: it runs on its own, reports what it could not
// handle, frees itself when done, and is linked into its scheduler so that shutdown can destroy
// it if it never finishes.
#pragma once

#include <coroutine>
#include <exception>

#include "coronet/detail/promise_base.hpp"
#include "coronet/scheduler.hpp"

namespace coronet::detail {

class detached_promise;

struct detached_task {
  using promise_type = detached_promise;
  std::coroutine_handle<detached_promise> h;
};

class detached_promise : public promise_base, public detached_node {
 public:
  detached_task get_return_object() noexcept {
    auto h = std::coroutine_handle<detached_promise>::from_promise(*this);
    frame = h;
    return {h};
  }
  struct final_awaiter {
    bool await_ready() noexcept { return false; }
    void await_suspend(std::coroutine_handle<detached_promise> h) noexcept {
      scheduler* s = h.promise().owner_;
      if (s) s->unlink_detached(h.promise());
      h.destroy();
    }
    void await_resume() noexcept {}
  };
  final_awaiter final_suspend() noexcept { return {}; }
  void return_void() noexcept {}
  // The bodies catch everything themselves; reaching here means a bug in coronet.
  void unhandled_exception() noexcept { std::terminate(); }

  // Link into `s` and queue the first resumption.
  void start_on(scheduler& s) {
    owner_ = &s;
    s.link_detached(*this);
    s.schedule(frame);
  }

 private:
  scheduler* owner_ = nullptr;
};

}  // namespace coronet::detail
