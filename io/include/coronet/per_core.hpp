// run_per_core: thread-per-core, the way Seastar shards or a pool of Asio io_contexts one per
// thread work. Each of N threads gets a scheduler of its own (with its own io_uring or epoll)
// and runs body(core) on it; nothing is shared between them unless the program shares it.
//
//   int main() {
//     coronet::run_per_core(4, [](unsigned core) -> coronet::task<> {
//       auto server = coronet::tcp::listener::bind({"0.0.0.0", 8888}, {.reuse_port = true});
//       coronet::task_group clients;
//       for (;;) clients.spawn(echo(co_await server.accept()));  // this core's connections
//     });
//   }
//
// (coronet/tcp_per_core.hpp does exactly that, port 0 and clean shutdown included.)
//
// - Core 0 runs on the calling thread; cores 1..N-1 on threads started here. So
//   run_per_core(1, body) is coronet::run(body(0)) plus the stop handling below, on one thread.
// - Stopping: SIGINT or SIGTERM (unless stop_on_signal is false), `options.stop`, or the first
//   failure ask every core to stop: each body's stop token is triggered on that core's own
//   thread, so its pending awaits end with operation_canceled (as under coronet::run with a
//   cancelled task). A body that ends by cancellation has ended normally. Bodies that end on
//   their own leave the others running.
// - run_per_core returns once every body has ended and every thread is joined: the signal that
//   stopped it, or 0. If a body (or a thread's start: a backend that cannot be set up) failed,
//   the others are stopped and joined first, then the first failure is rethrown; later ones go
//   to the unhandled exception handler.
// - The signals are blocked in the calling thread before any core starts (so every thread
//   inherits the mask and none of them is killed by one), and stay blocked afterwards, as with
//   wait_for_signal.
// - A stream, a listener, a child process, everything made under a scheduler belongs to the core
//   (thread) that made it: use it only there, and let it go before that core's body returns.
//   Handing a connection to another core means handing over its descriptor, not the stream.
//   Cores talk to each other by posting: scheduler::current().remote() on one core gives a
//   handle any other thread may post() to.
// - Call it from outside coronet::run (from main()), as coronet::run itself.
//
// Windows: the same (threads and IOCP schedulers); SIGINT/SIGTERM are the console events
// wait_for_signal reports there, and pinning is not implemented (`pin` is ignored).
#pragma once

#include <functional>
#include <stop_token>

#include "coronet/task.hpp"

namespace coronet {

struct per_core_options {
  // 0: one per CPU this process may run on (its affinity mask; hardware_concurrency() where
  // there is no such mask).
  unsigned threads = 0;
  // Pin core i to the i-th CPU of the process's affinity mask (round robin when there are more
  // cores than CPUs). Linux only. The calling thread's affinity is restored on return.
  bool pin = false;
  // Stop every core on SIGINT or SIGTERM, and return that signal's number.
  bool stop_on_signal = true;
  // Stop every core when this is requested (from any thread).
  std::stop_token stop;
};

// How many cores `threads = 0` means: the CPUs this process may run on, at least 1.
unsigned default_core_count() noexcept;

// Runs body(core) for core = 0..threads-1, each on its own thread and scheduler, until every one
// has ended; see above. Returns the signal that stopped them, or 0.
int run_per_core(const per_core_options& options, std::function<task<>(unsigned core)> body);

inline int run_per_core(unsigned threads, std::function<task<>(unsigned core)> body) {
  per_core_options o;
  o.threads = threads;
  return run_per_core(o, std::move(body));
}

}  // namespace coronet
