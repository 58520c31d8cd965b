// Helpers shared by coronet's tests: synchronising coroutines without sleeps (an event, a turn
// of the loop), recording unhandled-exception reports, counting live objects, and generous
// timing bounds for a shared, noisy machine.
//
//   coronet::test::event ready;
//   coronet::spawn([](coronet::test::event& e) -> coronet::task<> { e.set(); co_return; }(ready));
//   co_await ready.wait();
//
// Everything here runs on the scheduler's thread, like the coroutines it serves.
#pragma once

#include <chrono>
#include <coroutine>
#include <cstdlib>
#include <exception>
#include <optional>
#include <stdexcept>
#include <stop_token>
#include <string>
#include <string_view>
#include <system_error>
#include <type_traits>
#include <utility>
#include <vector>

#include "coronet/detail/event.hpp"
#include "coronet/detail/promise_base.hpp"
#include "coronet/error.hpp"
#include "coronet/scheduler.hpp"
#include "coronet/task.hpp"
#include "coronet/timer.hpp"

namespace coronet::test {

// A sleep that no test waits out: finishing before `prompt` proves it was cancelled.
inline constexpr std::chrono::seconds long_sleep{10};
// "Promptly": an upper bound far above any scheduling hiccup, far below `long_sleep`.
inline constexpr std::chrono::seconds prompt{5};

class stopwatch {
 public:
  std::chrono::steady_clock::duration elapsed() const {
    return std::chrono::steady_clock::now() - start_;
  }

 private:
  std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
};

// co_await next_turn(): resume on the next turn of the loop, after everything already ready.
struct next_turn_awaiter {
  bool await_ready() const noexcept { return false; }
  void await_suspend(std::coroutine_handle<> h) const { scheduler::current().schedule(h); }
  void await_resume() const noexcept {}
};
inline next_turn_awaiter next_turn() noexcept {
  return {};
}

// A one-shot event: wait() suspends until set() (or returns at once if it already was); the
// waiters resume on the next turn of the loop; a stop request ends a wait with
// operation_canceled. The library's own (core/include/coronet/detail/event.hpp).
using event = coronet::detail::event;

// While alive, records what reaches the unhandled exception handler instead of printing it;
// restores the previous handler when destroyed. One at a time.
class unhandled_reports {
 public:
  struct report {
    std::string where;
    std::string what;  // what() of a std::exception, "" otherwise
    std::exception_ptr error;
  };

  unhandled_reports() : prev_(set_unhandled_exception_handler(&record)) { active() = this; }
  ~unhandled_reports() {
    active() = nullptr;
    set_unhandled_exception_handler(prev_);
  }
  unhandled_reports(const unhandled_reports&) = delete;
  unhandled_reports& operator=(const unhandled_reports&) = delete;

  const std::vector<report>& all() const noexcept { return reports_; }
  std::size_t size() const noexcept { return reports_.size(); }

 private:
  static unhandled_reports*& active() {
    static unhandled_reports* p = nullptr;
    return p;
  }
  static void record(std::exception_ptr e, std::string_view where) {
    std::string what;
    try {
      std::rethrow_exception(e);
    } catch (const std::exception& ex) {
      what = ex.what();
    } catch (...) {
    }
    if (active()) active()->reports_.push_back({std::string(where), std::move(what), std::move(e)});
  }

  unhandled_exception_handler prev_;
  std::vector<report> reports_;
};

// Counts the instances alive (copies and moves included). Pass one by value to a coroutine to
// see whether its frame was freed: the parameter copy lives in the frame.
class live_counter {
 public:
  explicit live_counter(int& live) noexcept : live_(&live) { ++*live_; }
  live_counter(const live_counter& o) noexcept : live_(o.live_) { ++*live_; }
  live_counter& operator=(const live_counter&) = delete;
  ~live_counter() { --*live_; }

 private:
  int* live_;
};

// The error code of the std::system_error that `t` ends with, or an empty code if it succeeds.
// Any other exception propagates.
template <class T>
task<std::error_code> error_of(task<T> t) {
  try {
    co_await std::move(t);
  } catch (const std::system_error& e) {
    co_return e.code();
  }
  co_return std::error_code{};
}

// The backend name (scheduler::backend_name()) that CORONET_BACKEND asks for, or "" when unset.
inline std::string_view backend_from_env() {
  const char* env = std::getenv("CORONET_BACKEND");
  std::string_view v = env ? env : "";
  if (v == "uring" || v == "io_uring") return "io_uring";
  return v;
}

// Shared by the core tests: an error type of their own, and tasks that sleep until cancelled.
struct test_error : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// Sleeps "forever" and records how the sleep ended (operation_canceled, normally).
inline task<> sleep_forever(std::error_code& ended_with) {
  try {
    co_await sleep_for(long_sleep);
  } catch (const std::system_error& e) {
    ended_with = e.code();
    throw;
  }
}

// Sleeps "forever"; once cancelled, takes two more turns to clean up, then ends by cancellation:
// for checking that a joiner waits for its children's clean-up.
template <class T = void>
task<T> sleep_then_clean_up(std::error_code& ended_with, bool& cleaned_up) {
  std::exception_ptr error;
  try {
    co_await sleep_for(long_sleep);
  } catch (const std::system_error& e) {
    ended_with = e.code();
    error = std::current_exception();
  }
  co_await next_turn();
  co_await next_turn();
  cleaned_up = true;
  if (error) std::rethrow_exception(error);
  if constexpr (!std::is_void_v<T>) co_return T{};
}

// Requests a stop on the next turn of the loop, once everything already ready has run.
inline task<> request_stop_next_turn(std::stop_source& stop) {
  co_await next_turn();
  stop.request_stop();
}

}  // namespace coronet::test
