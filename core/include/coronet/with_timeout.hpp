// with_timeout(d, t): run `t`, but give up after `d`.
//
//   auto s = co_await coronet::with_timeout(5s, coronet::tcp::connect("example.org", 80));
//
// When the time runs out, `t` is cancelled and awaited, then std::system_error(errc::timed_out)
// is thrown. Otherwise `t`'s result (or exception) comes back unchanged.
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
}  // namespace detail

template <class Rep, class Period, class T>
task<T> with_timeout(std::chrono::duration<Rep, Period> d, task<T> t) {
  auto r = co_await when_any(
      std::move(t), detail::sleep_task(std::chrono::ceil<std::chrono::steady_clock::duration>(d)));
  if (r.index() == 1)
    throw_error(std::make_error_code(std::errc::timed_out), "operation timed out");
  if constexpr (!std::is_void_v<T>) co_return std::get<0>(std::move(r));
}

}  // namespace coronet
