// Cancellation is a std::stop_token carried by every coronet task and passed to what it awaits.
//
//   std::stop_source stop;
//   coronet::spawn(coronet::with_stop_token(stop.get_token(), serve(listener)));
//   ...
//   stop.request_stop();  // serve()'s pending accept ends with operation_canceled
//
//   std::stop_token mine = co_await coronet::this_task::stop_token();
//
// Request stops on the scheduler's own thread (post() there from elsewhere).
#pragma once

#include <coroutine>
#include <stop_token>

#include "coronet/detail/promise_base.hpp"
#include "coronet/task.hpp"

namespace coronet {

// `t`, cancelled by `token` instead of by the token of whoever awaits it.
template <class T>
task<T> with_stop_token(std::stop_token token, task<T> t) {
  t.handle().promise().set_stop_token(std::move(token));
  return t;
}

namespace detail {
// A token no one ever stops. Unlike an empty token it counts as one given with with_stop_token:
// awaiting the task does not replace it with the awaiter's (an empty one would be replaced).
inline std::stop_token never_stopped() noexcept {
  static std::stop_source source;
  return source.get_token();
}

// `t`, which no stop request reaches: for work that must run to its end even when whoever awaits
// it is being cancelled (closing down after a cancellation, a short answer a peer waits for).
template <class T>
task<T> shielded(task<T> t) {
  return with_stop_token(never_stopped(), std::move(t));
}
}  // namespace detail

namespace this_task {
namespace detail {
struct get_stop_token {
  std::stop_token token;
  bool await_ready() const noexcept { return false; }
  template <class Promise>
  bool await_suspend(std::coroutine_handle<Promise> h) noexcept {
    token = coronet::detail::stop_token_of(h);
    return false;
  }
  std::stop_token await_resume() noexcept { return std::move(token); }
};
}  // namespace detail

// The stop token of the calling coroutine.
inline detail::get_stop_token stop_token() noexcept {
  return {};
}
}  // namespace this_task

}  // namespace coronet
