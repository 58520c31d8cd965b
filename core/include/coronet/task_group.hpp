// task_group: start tasks now, join them later; a nursery for structured concurrency.
//
//   coronet::task_group clients;
//   for (;;) clients.spawn(echo(co_await server.accept()));
//   ...
//   clients.cancel();
//   co_await clients.join();
//
// Children run on the current scheduler and see the group's stop token. The first child to fail
// cancels its siblings and join() rethrows that exception; children ending by cancellation are
// not failures. A later failure from another child goes to the unhandled exception handler.
// Cancelling the coroutine awaiting join() cancels the group; join() still waits for every child
// and then throws operation_canceled.
// Destroying a group with children still running cancels them and lets them finish on their own.
#pragma once

#include <cerrno>
#include <coroutine>
#include <cstddef>
#include <exception>
#include <memory>
#include <optional>
#include <stop_token>

#include "coronet/detail/detached_task.hpp"
#include "coronet/error.hpp"
#include "coronet/scheduler.hpp"
#include "coronet/task.hpp"

namespace coronet {

namespace detail {
struct group_state {
  std::size_t running = 0;
  std::stop_source stop;
  std::exception_ptr first_error;
  std::coroutine_handle<> joiner;
  scheduler* sched = nullptr;

  void fail(std::exception_ptr e) noexcept {
    if (is_cancellation(e)) return;
    if (first_error) {
      report_unhandled_exception(std::move(e), "task_group child");
      return;
    }
    first_error = std::move(e);
    stop.request_stop();
  }
  // A failure nobody joined to see (the group was destroyed first) is still reported.
  ~group_state() {
    if (first_error) report_unhandled_exception(std::move(first_error), "task_group child");
  }

  void child_done() noexcept {
    if (--running == 0 && joiner) sched->schedule(std::exchange(joiner, {}));
  }
};

template <class T>
detached_task run_group_child(std::shared_ptr<group_state> g, task<T> t) {
  try {
    co_await std::move(t);
  } catch (...) {
    g->fail(std::current_exception());
  }
  g->child_done();
}
}  // namespace detail

class task_group {
 public:
  task_group() : state_(std::make_shared<detail::group_state>()) {}
  ~task_group() {
    if (state_->running) state_->stop.request_stop();
  }
  task_group(const task_group&) = delete;
  task_group& operator=(const task_group&) = delete;

  // Start `t` on the current scheduler (on its next turn) as a child of this group.
  template <class T>
  void spawn(task<T> t) {
    scheduler& s = scheduler::current();
    state_->sched = &s;
    ++state_->running;
    detail::detached_task d = detail::run_group_child(state_, std::move(t));
    d.h.promise().set_stop_token(state_->stop.get_token());
    d.h.promise().start_on(s);
  }

  // Ask every child to stop: their awaits end with operation_canceled.
  void cancel() noexcept { state_->stop.request_stop(); }
  std::stop_token stop_token() const noexcept { return state_->stop.get_token(); }
  // Children still running.
  std::size_t size() const noexcept { return state_->running; }

  // Wait until no child runs; rethrow the first child failure, if any.
  [[nodiscard]] auto join() { return join_awaiter{state_.get(), {}, false}; }

 private:
  struct join_awaiter {
    detail::group_state* g;
    struct forward_stop {
      join_awaiter* self;
      void operator()() const noexcept {
        self->stop_requested = true;
        self->g->stop.request_stop();
      }
    };
    std::optional<std::stop_callback<forward_stop>> link;
    bool stop_requested = false;

    bool await_ready() const noexcept { return g->running == 0; }
    template <class Promise>
    void await_suspend(std::coroutine_handle<Promise> h) {
      g->joiner = h;
      g->sched = &scheduler::current();
      std::stop_token t = detail::stop_token_of(h);
      if (t.stop_possible()) link.emplace(std::move(t), forward_stop{this});
    }
    void await_resume() {
      const bool cancelled = link && stop_requested;
      link.reset();
      if (g->first_error) std::rethrow_exception(std::exchange(g->first_error, {}));
      // The joiner itself was cancelled: its children were stopped, so it must not carry on as
      // if their work were done.
      if (cancelled) throw_errno(ECANCELED, "task_group::join");
    }
  };
  std::shared_ptr<detail::group_state> state_;
};

}  // namespace coronet
