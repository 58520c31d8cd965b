// task<T>: a lazy coroutine producing a T (or nothing, for task<>).
//
//   coronet::task<int> answer() { co_return 42; }
//   coronet::task<> user() { int v = co_await answer(); }
//
// A task held in a variable is awaited as `co_await std::move(t)`: it runs once (awaiting it
// as an lvalue is a compile error that says so).
// A task starts when it is awaited and resumes its awaiter by symmetric transfer when it ends;
// an exception thrown inside propagates to the awaiter. A task destroyed before it is awaited
// frees its frame and runs nothing. Awaiting a task passes the awaiter's stop token down to it,
// so cancelling an outer task cancels the I/O its inner tasks are waiting on.
#pragma once

#include <cassert>
#include <coroutine>
#include <exception>
#include <type_traits>
#include <utility>
#include <variant>

#include "coronet/detail/promise_base.hpp"

namespace coronet {

template <class T = void>
class task;

namespace detail {

template <class T>
class task_promise : public promise_base {
 public:
  task<T> get_return_object() noexcept;
  void unhandled_exception() noexcept { result_.template emplace<2>(std::current_exception()); }
  template <class U>
  requires std::is_convertible_v<U&&, T>
  void return_value(U&& v) noexcept(std::is_nothrow_constructible_v<T, U&&>) {
    result_.template emplace<1>(std::forward<U>(v));
  }
  T take_result() {
    if (result_.index() == 2) std::rethrow_exception(std::get<2>(result_));
    return std::move(std::get<1>(result_));
  }

 private:
  std::variant<std::monostate, T, std::exception_ptr> result_;
};

template <>
class task_promise<void> : public promise_base {
 public:
  task<void> get_return_object() noexcept;
  void unhandled_exception() noexcept { exception_ = std::current_exception(); }
  void return_void() noexcept {}
  void take_result() {
    if (exception_) std::rethrow_exception(exception_);
  }

 private:
  std::exception_ptr exception_;
};

}  // namespace detail

template <class T>
class [[nodiscard]] task {
 public:
  using promise_type = detail::task_promise<T>;
  using value_type = T;

  task() noexcept = default;
  explicit task(std::coroutine_handle<promise_type> h) noexcept : h_(h) {}
  task(task&& o) noexcept : h_(std::exchange(o.h_, {})) {}
  task& operator=(task o) noexcept {
    std::swap(h_, o.h_);
    return *this;
  }
  ~task() {
    if (h_) h_.destroy();
  }

  bool valid() const noexcept { return bool(h_); }

  struct awaiter {
    std::coroutine_handle<promise_type> h;
    bool await_ready() const noexcept { return false; }
    template <class P>
    std::coroutine_handle<> await_suspend(std::coroutine_handle<P> awaiting) noexcept {
      h.promise().set_continuation(awaiting);
      // An explicit token (with_stop_token) wins over the inherited one.
      if (!h.promise().stop_token().stop_possible())
        h.promise().set_stop_token(detail::stop_token_of(awaiting));
      return h;
    }
    T await_resume() { return h.promise().take_result(); }
  };

  awaiter operator co_await() && noexcept {
    assert(h_ && "awaiting an empty or already awaited task");
    return awaiter{h_};
  }
  // A task runs once, so awaiting one held in a variable says that it is used up:
  // `co_await std::move(t)`. Without this overload the compiler's complaint is about `this`
  // discarding qualifiers, which does not say what to write.
  template <class Self = task>
  awaiter operator co_await() const& noexcept {
    static_assert(!std::is_same_v<Self, Self>,
                  "co_await on a task held in a variable: write co_await std::move(t) (a task "
                  "runs once; the variable is empty afterwards)");
    return awaiter{h_};
  }

  // For the library's own drivers (run, spawn, when_all): the frame, still owned by this task.
  std::coroutine_handle<promise_type> handle() const noexcept { return h_; }
  std::coroutine_handle<promise_type> release() noexcept { return std::exchange(h_, {}); }

 private:
  std::coroutine_handle<promise_type> h_;
};

namespace detail {
template <class T>
task<T> task_promise<T>::get_return_object() noexcept {
  return task<T>{std::coroutine_handle<task_promise<T>>::from_promise(*this)};
}
inline task<void> task_promise<void>::get_return_object() noexcept {
  return task<void>{std::coroutine_handle<task_promise<void>>::from_promise(*this)};
}
}  // namespace detail

}  // namespace coronet
