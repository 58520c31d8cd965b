// Timers: suspend the awaiting coroutine until a deadline.
//
//   co_await coronet::sleep_for(std::chrono::milliseconds(100));
//   co_await coronet::sleep_until(deadline);
//
// Cancellation: a stop request ends the sleep early with std::system_error(operation_canceled).
#pragma once

#include <cerrno>
#include <chrono>

#include "coronet/detail/op_awaiter.hpp"
#include "coronet/error.hpp"
#include "coronet/scheduler.hpp"

namespace coronet {

namespace detail {
// event_loop::timeout, out of line (see op_awaiter.hpp).
void start_timeout(event_loop& loop, operation& op, std::chrono::steady_clock::time_point deadline);

class sleep_awaiter : public op_awaiter<sleep_awaiter> {
 public:
  explicit sleep_awaiter(std::chrono::steady_clock::time_point deadline)
      : op_awaiter(scheduler::current().loop()), deadline_(deadline) {}
  void start() { start_timeout(*loop_, op_, deadline_); }
  void await_resume() {
    if (int r = result(); r < 0) throw_errno(-r, "sleep");
  }

 private:
  std::chrono::steady_clock::time_point deadline_;
};
}  // namespace detail

[[nodiscard]] inline detail::sleep_awaiter sleep_until(std::chrono::steady_clock::time_point t) {
  return detail::sleep_awaiter(t);
}

template <class Rep, class Period>
[[nodiscard]] detail::sleep_awaiter sleep_for(std::chrono::duration<Rep, Period> d) {
  return detail::sleep_awaiter(std::chrono::steady_clock::now() +
                               std::chrono::ceil<std::chrono::steady_clock::duration>(d));
}

}  // namespace coronet
