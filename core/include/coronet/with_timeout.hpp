// with_timeout(d, a): await `a` (a task, or any awaitable: a stream's receive(), a read_some()),
// but give up after `d`.
//
//   coronet::received r = co_await coronet::with_timeout(10s, s.receive());
//
// When the time runs out, `a` is cancelled and awaited, then std::system_error(errc::timed_out)
// is thrown. Otherwise `a`'s result (or exception) comes back unchanged. Await it in the statement
// that makes it (see detail/as_task.hpp). For an idle timeout that a connection pushes back as it
// goes, see deadline.hpp; tcp::connect takes a timeout of its own (connect_options).
#pragma once

#include <chrono>
#include <system_error>

#include "coronet/error.hpp"
#include "coronet/task.hpp"
#include "coronet/timer.hpp"
#include "coronet/when_any.hpp"

namespace coronet {

namespace detail {
inline task<> sleep_task(std::chrono::steady_clock::duration d) {
  co_await sleep_for(d);
}

template <class T>
task<T> with_timeout_impl(std::chrono::steady_clock::duration d, task<T> t) {
  auto r = co_await when_any(std::move(t), sleep_task(d));
  if (r.index() == 1)
    throw_error(std::make_error_code(std::errc::timed_out), "operation timed out");
  if constexpr (!std::is_void_v<T>) co_return std::get<0>(std::move(r));
}
}  // namespace detail

template <class Rep, class Period, class A>
requires detail::awaitable<A&&>
auto with_timeout(std::chrono::duration<Rep, Period> d, A&& awaitable) {
  return detail::with_timeout_impl(std::chrono::ceil<std::chrono::steady_clock::duration>(d),
                                   detail::as_task(std::forward<A>(awaitable)));
}

}  // namespace coronet
