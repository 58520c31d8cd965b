// run: the entry point. Makes a scheduler with the best available backend on the calling
// thread, runs `t` to completion and returns its result (or rethrows its exception).
//
//   int main() {
//     return coronet::run([]() -> coronet::task<int> { co_return 0; });
//   }
//
// The backend is io_uring where the kernel allows it and Boost.Asio (epoll) otherwise;
// CORONET_BACKEND=uring|asio forces one (coronet/detail/io_backend.hpp). SIGPIPE is set to be
// ignored, as Node does, so that writing to a closed pipe is an error instead of death.
#pragma once

#include <concepts>
#include <functional>
#include <string_view>
#include <utility>

#include "coronet/scheduler.hpp"
#include "coronet/task.hpp"

namespace coronet {

namespace detail {
scheduler make_scheduler();
}

template <class T>
T run(task<T> t) {
  scheduler s = detail::make_scheduler();
  return s.run(std::move(t));
}

template <std::invocable F>
auto run(F&& f) {
  return run(std::invoke(std::forward<F>(f)));
}

// "io_uring" or "asio": the backend of the scheduler running on this thread.
std::string_view backend_name();

}  // namespace coronet
