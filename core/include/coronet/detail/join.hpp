// Shared machinery of when_all and when_any: children run as join_child coroutines that store
// their outcome and count down; the last one to finish resumes the parent. The parent's stop
// token is linked to a stop_source that all children see, so cancelling the parent cancels them.
#pragma once

#include <coroutine>
#include <cstddef>
#include <exception>
#include <optional>
#include <stop_token>
#include <utility>
#include <variant>
#include <vector>

#include "coronet/detail/promise_base.hpp"
#include "coronet/task.hpp"

namespace coronet::detail {

// What a child produced. void results are stored as std::monostate.
template <class T>
using stored_t = std::conditional_t<std::is_void_v<T>, std::monostate, T>;

template <class T>
struct outcome {
  std::optional<stored_t<T>> value;
  std::exception_ptr error;
  stored_t<T> take() {
    if (error) std::rethrow_exception(error);
    return std::move(*value);
  }
};

struct join_state {
  std::size_t remaining = 0;
  std::coroutine_handle<> parent;
  std::stop_source stop;
  // when_any: the first child to finish cancels the others. when_all: the first failure does.
  bool stop_on_first_done = false;
  std::ptrdiff_t first_done = -1;
  // when_all rethrows this child's exception: the one that cancelled the others, not the
  // operation_canceled that they end with in consequence.
  std::ptrdiff_t first_failed = -1;

  // Returns who runs next: the parent when this was the last child.
  std::coroutine_handle<> child_done(std::size_t index, bool failed) noexcept {
    if (failed && first_failed < 0) first_failed = std::ptrdiff_t(index);
    if (first_done < 0) {
      if (stop_on_first_done || failed) stop.request_stop();
      if (stop_on_first_done) first_done = std::ptrdiff_t(index);
    }
    if (--remaining == 0) return parent;
    return std::noop_coroutine();
  }
};

class join_child_promise;
struct join_child {
  using promise_type = join_child_promise;
  std::coroutine_handle<join_child_promise> h;
  join_child(std::coroutine_handle<join_child_promise> h) noexcept : h(h) {}
  join_child(join_child&& o) noexcept : h(std::exchange(o.h, {})) {}
  ~join_child();
};

class join_child_promise : public promise_base {
 public:
  join_child get_return_object() noexcept {
    return {std::coroutine_handle<join_child_promise>::from_promise(*this)};
  }
  struct final_awaiter {
    bool await_ready() noexcept { return false; }
    std::coroutine_handle<> await_suspend(std::coroutine_handle<join_child_promise> h) noexcept {
      auto& p = h.promise();
      return p.state->child_done(p.index, p.error_slot && *p.error_slot);
    }
    void await_resume() noexcept {}
  };
  final_awaiter final_suspend() noexcept { return {}; }
  void return_void() noexcept {}
  void unhandled_exception() noexcept { std::terminate(); }  // bodies catch everything

  join_state* state = nullptr;
  std::size_t index = 0;
  const std::exception_ptr* error_slot = nullptr;  // the child's outcome.error
};

inline join_child::~join_child() {
  if (h) h.destroy();
}

template <class T>
join_child run_join_child(task<T> t, outcome<T>& out) {
  try {
    if constexpr (std::is_void_v<T>) {
      co_await std::move(t);
      out.value.emplace();
    } else {
      out.value.emplace(co_await std::move(t));
    }
  } catch (...) {
    out.error = std::current_exception();
  }
}

template <class T>
join_child make_join_child(task<T> t, outcome<T>& out) {
  join_child c = run_join_child(std::move(t), out);
  c.h.promise().error_slot = &out.error;
  return c;
}

// One join_child per task, each storing into its outcome.
template <class... T, std::size_t... I>
std::vector<join_child> make_join_children(std::index_sequence<I...>,
                                           std::tuple<outcome<T>...>& outcomes, task<T>&... tasks) {
  std::vector<join_child> children;
  children.reserve(sizeof...(T));
  (children.push_back(make_join_child(std::move(tasks), std::get<I>(outcomes))), ...);
  return children;
}

template <class T>
std::vector<join_child> make_join_children(std::vector<task<T>>& tasks,
                                           std::vector<outcome<T>>& outcomes) {
  std::vector<join_child> children;
  children.reserve(tasks.size());
  for (std::size_t i = 0; i < tasks.size(); ++i)
    children.push_back(make_join_child(std::move(tasks[i]), outcomes[i]));
  return children;
}

// Awaiting this starts every child and resumes the awaiting coroutine when all have finished.
class join_awaiter {
 public:
  join_awaiter(join_state& state, std::vector<join_child>& children) noexcept
      : state_(state), children_(children) {}

  bool await_ready() const noexcept { return children_.empty(); }

  template <class Promise>
  bool await_suspend(std::coroutine_handle<Promise> parent) {
    std::stop_token parent_token = stop_token_of(parent);
    if (parent_token.stop_possible()) link_.emplace(std::move(parent_token), forward_stop{&state_});
    state_.parent = parent;
    state_.remaining = children_.size() + 1;  // +1: ours, so no child can resume us mid-start
    for (std::size_t i = 0; i < children_.size(); ++i) {
      auto& p = children_[i].h.promise();
      p.state = &state_;
      p.index = i;
      p.set_stop_token(state_.stop.get_token());
      children_[i].h.resume();
    }
    return --state_.remaining != 0;
  }
  void await_resume() noexcept { link_.reset(); }

 private:
  struct forward_stop {
    join_state* s;
    void operator()() const noexcept { s->stop.request_stop(); }
  };
  join_state& state_;
  std::vector<join_child>& children_;
  std::optional<std::stop_callback<forward_stop>> link_;
};

}  // namespace coronet::detail
