// when_all: run tasks concurrently and wait for all of them.
//
//   auto [a, b] = co_await coronet::when_all(fetch_a(), fetch_b());
//   std::vector<int> v = co_await coronet::when_all(std::move(tasks));
//
// Results come back in argument order (std::monostate for a task<>). If a task throws, the
// others are cancelled (their awaits end with operation_canceled), all are waited for, and the
// first exception thrown (the failure, not the cancellations it caused) is rethrown. Cancelling
// the awaiting task cancels every child.
#pragma once

#include <tuple>
#include <vector>

#include "coronet/detail/as_task.hpp"
#include "coronet/detail/join.hpp"
#include "coronet/task.hpp"

namespace coronet {

namespace detail {
template <class... T, std::size_t... I>
task<std::tuple<stored_t<T>...>> when_all_impl(std::index_sequence<I...>, task<T>... tasks) {
  std::tuple<outcome<T>...> outcomes;
  std::vector<join_child> children =
      make_join_children(std::index_sequence<I...>{}, outcomes, tasks...);
  join_state state;
  co_await join_awaiter(state, children);
  if (state.first_failed >= 0) {
    std::exception_ptr first;
    ((I == std::size_t(state.first_failed) ? (void)(first = std::get<I>(outcomes).error) : void()),
     ...);
    std::rethrow_exception(first);
  }
  co_return std::tuple<stored_t<T>...>(std::get<I>(outcomes).take()...);
}
}  // namespace detail

// Any awaitable may stand for a task, as in when_any (await when_all in the statement that makes
// it).
template <class... A>
requires(detail::awaitable<A&&>&&...)
    task<std::tuple<detail::stored_t<typename detail::as_task_t<A&&>::value_type>...>> when_all(
        A&&... awaitables) {
  return detail::when_all_impl(std::index_sequence_for<A...>{},
                               detail::as_task(std::forward<A>(awaitables))...);
}

template <class T>
task<std::conditional_t<std::is_void_v<T>, void, std::vector<T>>> when_all(
    std::vector<task<T>> tasks) {
  std::vector<detail::outcome<T>> outcomes(tasks.size());
  std::vector<detail::join_child> children = detail::make_join_children(tasks, outcomes);
  detail::join_state state;
  co_await detail::join_awaiter(state, children);
  if (state.first_failed >= 0)
    std::rethrow_exception(outcomes[std::size_t(state.first_failed)].error);
  if constexpr (!std::is_void_v<T>) {
    std::vector<T> values;
    values.reserve(outcomes.size());
    for (auto& o : outcomes) values.push_back(std::move(*o.value));
    co_return values;
  }
}

}  // namespace coronet
