// deadline: a time limit that the code it guards can push back, for idle timeouts (Node's
// socket.setTimeout, a resettable Asio steady_timer).
//
//   coronet::deadline idle(30s);
//   for (;;) {
//     coronet::received r = co_await idle.guard(s.receive());  // timed_out after 30 s idle
//     if (!r) break;
//     idle.reset();  // 30 s again from now
//     co_await s.write_all(r.bytes());
//   }
//
// guard(a) awaits `a` (a task, or any awaitable; see detail/as_task.hpp) until it ends or the
// deadline passes; then `a` is cancelled and awaited, and std::system_error(errc::timed_out,
// "<what>: Connection timed out") is thrown. The deadline is read when it is reached, not when
// guard() starts: reset() or extend() while `a` runs (from `a` itself, or from a writer
// coroutine that shares the deadline) pushes the end back. So one guard may cover a whole
// connection (`co_await idle.guard(handle(s, idle))`, with handle calling idle.reset() as bytes
// arrive), and resetting costs a store, not a timer. The deadline must outlive its guards, on
// the scheduler's thread.
#pragma once

#include <chrono>
#include <string>
#include <system_error>
#include <utility>

#include "coronet/detail/as_task.hpp"
#include "coronet/error.hpp"
#include "coronet/task.hpp"
#include "coronet/timer.hpp"
#include "coronet/when_any.hpp"

namespace coronet {

class deadline {
 public:
  using clock = std::chrono::steady_clock;

  // Ends `period` from now; reset() starts the same period again. `what` names it in the error.
  template <class Rep, class Period>
  explicit deadline(std::chrono::duration<Rep, Period> period, std::string what = "timeout")
      : period_(std::chrono::ceil<clock::duration>(period)),
        at_(clock::now() + period_),
        what_(std::move(what)) {}

  // The whole period again, from now (after each message, say).
  void reset() { at_ = clock::now() + period_; }
  // `d` more than the current end (a slow step that is expected to take long).
  template <class Rep, class Period>
  void extend(std::chrono::duration<Rep, Period> d) {
    at_ += std::chrono::ceil<clock::duration>(d);
  }
  // End at `t` instead.
  void expires_at(clock::time_point t) noexcept { at_ = t; }
  clock::time_point expiry() const noexcept { return at_; }
  bool expired() const noexcept { return clock::now() >= at_; }

  template <class A>
  requires detail::awaitable<A&&>
  auto guard(A&& awaitable) {
    return guard_impl(*this, detail::as_task(std::forward<A>(awaitable)));
  }

 private:
  // Sleeps until the deadline, again and again while it moves later.
  static task<> watch(const deadline& d) {
    for (;;) {
      const clock::time_point at = d.at_;
      if (clock::now() >= at) co_return;
      co_await sleep_until(at);
    }
  }

  template <class T>
  static task<T> guard_impl(deadline& d, task<T> t) {
    auto r = co_await when_any(std::move(t), watch(d));
    if (r.index() == 1) throw_error(std::make_error_code(std::errc::timed_out), d.what_);
    if constexpr (!std::is_void_v<T>) co_return std::get<0>(std::move(r));
  }

  clock::duration period_;
  clock::time_point at_;
  std::string what_;
};

}  // namespace coronet
