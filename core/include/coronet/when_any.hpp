// when_any: run tasks (or any awaitables: a stream's receive(), a sleep_for()) concurrently; the
// first to finish wins and the others are cancelled.
//
//   auto r = co_await coronet::when_any(s.receive(), coronet::sleep_for(5s));
//   if (r.index() == 1) { /* nothing arrived in 5 s */ }
//
// An awaitable that is not a task runs in a task of its own (detail/as_task.hpp), so await
// when_any in the statement that makes it.
// The losers are cancelled and awaited before when_any returns, so nothing they touch outlives
// it. The winner's value comes back (as the variant alternative of its position), or its
// exception is rethrown. A loser ending by cancellation is expected; any other exception from a
// loser goes to the unhandled exception handler rather than being lost.
#pragma once

#include <optional>
#include <stdexcept>
#include <utility>
#include <variant>
#include <vector>

#include "coronet/detail/as_task.hpp"
#include "coronet/detail/join.hpp"
#include "coronet/error.hpp"
#include "coronet/task.hpp"

namespace coronet {

namespace detail {
inline void report_loser(const std::exception_ptr& e) {
  if (e && !is_cancellation(e)) report_unhandled_exception(e, "when_any loser");
}

template <class... T, std::size_t... I>
task<std::variant<stored_t<T>...>> when_any_impl(std::index_sequence<I...>, task<T>... tasks) {
  std::tuple<outcome<T>...> outcomes;
  std::vector<join_child> children =
      make_join_children(std::index_sequence<I...>{}, outcomes, tasks...);
  join_state state;
  state.stop_on_first_done = true;
  co_await join_awaiter(state, children);
  const std::size_t winner = std::size_t(state.first_done);
  ((I != winner ? report_loser(std::get<I>(outcomes).error) : void()), ...);
  std::optional<std::variant<stored_t<T>...>> result;
  ((I == winner ? (void)result.emplace(std::in_place_index<I>, std::get<I>(outcomes).take())
                : void()),
   ...);
  co_return std::move(*result);
}
}  // namespace detail

template <class... A>
requires(sizeof...(A) > 0 && (detail::awaitable<A&&> && ...))
    task<std::variant<detail::stored_t<typename detail::as_task_t<A&&>::value_type>...>> when_any(
        A&&... awaitables) {
  return detail::when_any_impl(std::index_sequence_for<A...>{},
                               detail::as_task(std::forward<A>(awaitables))...);
}

// For a vector: the winner's index and value (just the index for task<>).
template <class T>
task<std::conditional_t<std::is_void_v<T>, std::size_t, std::pair<std::size_t, T>>> when_any(
    std::vector<task<T>> tasks) {
  if (tasks.empty()) throw std::invalid_argument("when_any: no tasks");
  std::vector<detail::outcome<T>> outcomes(tasks.size());
  std::vector<detail::join_child> children = detail::make_join_children(tasks, outcomes);
  detail::join_state state;
  state.stop_on_first_done = true;
  co_await detail::join_awaiter(state, children);
  const std::size_t winner = std::size_t(state.first_done);
  for (std::size_t i = 0; i < outcomes.size(); ++i)
    if (i != winner) detail::report_loser(outcomes[i].error);
  if constexpr (std::is_void_v<T>) {
    outcomes[winner].take();
    co_return winner;
  } else {
    co_return std::pair<std::size_t, T>(winner, outcomes[winner].take());
  }
}

}  // namespace coronet
