// as_task(a): any awaitable as a task<T>, so that the combinators written for tasks (when_any,
// with_timeout, deadline) take a socket's receive(), a sleep_for() or a user's awaiter as well.
// A task passes through untouched (no extra frame).
//
// A movable awaitable is moved into the wrapping task's frame. coronet's I/O and timer awaiters
// cannot move (the kernel holds their address once started), so an rvalue one is used in place:
// the wrapping task refers to the temporary, which lives until the end of the statement that made
// it, and the combinator must be awaited in that statement (`co_await with_timeout(d,
// s.receive())`), which is how they are written anyway.
#pragma once

#include <concepts>
#include <coroutine>
#include <type_traits>
#include <utility>

#include "coronet/task.hpp"

namespace coronet::detail {

template <class T>
inline constexpr bool is_task_v = false;
template <class T>
inline constexpr bool is_task_v<task<T>> = true;

// The awaiter that `co_await a` uses: a's member operator co_await, or a itself.
template <class A>
decltype(auto) get_awaiter(A&& a) {
  if constexpr (requires { std::forward<A>(a).operator co_await(); })
    return std::forward<A>(a).operator co_await();
  else
    return std::forward<A>(a);
}

// What `co_await a` gives, as a task can hold it (a reference result is copied).
template <class A>
using await_result_t = std::remove_cvref_t<decltype(get_awaiter(std::declval<A>()).await_resume())>;

template <class A>
concept awaitable = requires(A&& a) {
  get_awaiter(std::forward<A>(a)).await_ready();
  get_awaiter(std::forward<A>(a)).await_resume();
};

// Both await the awaiter through an lvalue: GCC 12 copies an xvalue operand of co_await (which
// an awaiter that cannot move, op_awaiter, refuses).
template <class A>
task<await_result_t<A>> await_by_value(A a) {
  auto&& awaiter = get_awaiter(std::move(a));
  co_return co_await awaiter;
}
template <class A>
task<await_result_t<A&&>> await_in_place(A&& a) {
  auto&& awaiter = get_awaiter(std::forward<A>(a));
  co_return co_await awaiter;
}

template <class A>
requires awaitable<A&&>
auto as_task(A&& a) {
  using plain = std::remove_cvref_t<A>;
  if constexpr (is_task_v<plain>) {
    static_assert(!std::is_lvalue_reference_v<A>,
                  "a task is awaited once: pass it as std::move(t), or call the function again");
    return plain(std::move(a));
  } else if constexpr (!std::is_lvalue_reference_v<A> && std::is_move_constructible_v<plain>) {
    return await_by_value<plain>(std::move(a));
  } else {
    return await_in_place<A>(std::forward<A>(a));
  }
}

template <class A>
using as_task_t = decltype(as_task(std::declval<A>()));

}  // namespace coronet::detail
