// spawn(task): start `t` on the current scheduler without waiting for it.
//
//   for (;;) coronet::spawn(echo(co_await server.accept()));
//
// The task starts on the next turn of the loop. An exception escaping it goes to the unhandled
// exception handler (coronet/error.hpp; stderr by default): it is never dropped. A spawned task
// still running when its scheduler shuts down is destroyed, its I/O cancelled first. Prefer
// task_group where the caller should wait for, or cancel, what it started.
//
// Not to be confused with coronet::process::spawn (coronet/process/spawn.hpp), which starts a
// program as a child process, as Node's child_process.spawn does: coronet::spawn starts a
// coroutine in this process, on this thread.
#pragma once

#include <exception>
#include <stop_token>
#include <system_error>

#include "coronet/detail/detached_task.hpp"
#include "coronet/error.hpp"
#include "coronet/scheduler.hpp"
#include "coronet/task.hpp"

namespace coronet {

namespace detail {
template <class T>
detached_task run_detached(task<T> t) {
  try {
    co_await std::move(t);
  } catch (const std::system_error& e) {
    // Ending by cancellation is what a cancelled task is asked to do, not a failure.
    if (!is_cancellation(e)) report_unhandled_exception(std::current_exception(), "spawned task");
  } catch (...) {
    report_unhandled_exception(std::current_exception(), "spawned task");
  }
}
}  // namespace detail

// `stop` (optional) cancels the spawned task's awaits when requested.
template <class T>
void spawn(task<T> t, std::stop_token stop = {}) {
  // Find the scheduler before making the detached frame: nothing would free it if this threw.
  scheduler& s = scheduler::current();
  detail::detached_task d = detail::run_detached(std::move(t));
  d.h.promise().set_stop_token(std::move(stop));
  d.h.promise().start_on(s);
}

}  // namespace coronet
