// run_per_core: N threads, a scheduler each, one body per core; see coronet/per_core.hpp.
//
// Core 0 runs on the calling thread and also supervises: it waits for a stop signal and for
// every body to end. Cores reach each other only by posting through remote_scheduler handles:
// a stop request is posted to every core and carried out there (a stop_source belongs to the
// thread whose awaits it cancels), and each core posts "my body has ended" to core 0.
#include "coronet/per_core.hpp"

#ifdef __linux__
#include <pthread.h>
#include <sched.h>
#endif

#include <atomic>
#include <cerrno>
#include <csignal>
#include <exception>
#include <memory>
#include <mutex>
#include <optional>
#include <stop_token>
#include <string>
#include <thread>
#include <vector>

#include "coronet/cancellation.hpp"
#include "coronet/detail/event.hpp"
#include "coronet/error.hpp"
#include "coronet/run.hpp"
#include "coronet/signal.hpp"
#include "coronet/when_all.hpp"
#include "coronet/when_any.hpp"
#include "stop_signals.hpp"

namespace coronet {
namespace {

// What one core shares with the others.
struct core_slot {
  std::stop_source stop;  // cancels the body's awaits; requested on the core's own thread only
  remote_scheduler remote;
  bool registered = false;  // remote is set (under the state's mutex)
  bool done = false;        // ended_body() was called (on the core's own thread)
};

class shared_state {
 public:
  explicit shared_state(unsigned n) : slots_(n), remaining_(n) {}

  core_slot& slot(unsigned core) noexcept { return slots_[core]; }

  // The core's scheduler runs: stop requests can reach it from now on. True when a stop was
  // requested before, in which case the caller stops itself.
  bool register_core(unsigned core, remote_scheduler r) {
    std::lock_guard lock(mutex_);
    slots_[core].remote = std::move(r);
    slots_[core].registered = true;
    return stopping_;
  }

  // Any thread: ask every core to stop, once.
  void stop_all() noexcept {
    std::lock_guard lock(mutex_);
    if (stopping_) return;
    stopping_ = true;
    for (core_slot& s : slots_) {
      if (!s.registered) continue;  // it stops itself when it registers
      try {
        s.remote.post([&s] { s.stop.request_stop(); });
      } catch (...) {
        // No memory for the posted function: that core cannot be reached, and nothing better
        // can be done than to report it.
        report_unhandled_exception(std::current_exception(), "run_per_core stop");
      }
    }
  }

  // Any thread: the first failure is rethrown by run_per_core, later ones are reported.
  void fail(std::exception_ptr e) noexcept {
    {
      std::lock_guard lock(mutex_);
      if (!first_error_) {
        first_error_ = std::move(e);
        e = nullptr;
      }
    }
    if (e) report_unhandled_exception(std::move(e), "run_per_core");
    stop_all();
  }

  std::exception_ptr take_error() {
    std::lock_guard lock(mutex_);
    return std::exchange(first_error_, nullptr);
  }

  // Core 0's scheduler, and the event its supervisor waits on (set on core 0's thread).
  void set_supervisor(remote_scheduler core0, detail::event& all_done) {
    core0_ = std::move(core0);
    all_done_ = &all_done;
  }
  detail::event& all_done() noexcept { return *all_done_; }

  // On the core's own thread (or for a core that never started, on the calling thread): its
  // body has ended. The last one tells core 0.
  void ended_body(unsigned core) noexcept {
    if (std::exchange(slots_[core].done, true)) return;
    if (remaining_.fetch_sub(1) != 1) return;
    try {
      core0_.post([this] { all_done_->set(); });
    } catch (...) {
      report_unhandled_exception(std::current_exception(), "run_per_core");
      std::terminate();  // core 0 would wait for ever
    }
  }

 private:
  std::mutex mutex_;
  std::vector<core_slot> slots_;
  std::atomic<unsigned> remaining_;
  bool stopping_ = false;
  std::exception_ptr first_error_;
  remote_scheduler core0_;
  detail::event* all_done_ = nullptr;
};

// What an external stop request does.
struct stop_everything {
  shared_state* st;
  void operator()() const noexcept { st->stop_all(); }
};

using body_fn = std::function<task<>(unsigned)>;

// One core's life on its scheduler: register for stop requests, run the body under the core's
// stop token, say that it has ended. Never throws.
task<> run_core(shared_state& st, unsigned core, const body_fn& body) {
  core_slot& slot = st.slot(core);
  try {
    if (st.register_core(core, scheduler::current().remote())) slot.stop.request_stop();
    co_await with_stop_token(slot.stop.get_token(), body(core));
  } catch (...) {
    std::exception_ptr e = std::current_exception();
    if (!is_cancellation(e)) st.fail(std::move(e));
  }
  st.ended_body(core);
}

task<> wait_for(detail::event& e) {
  co_await e.wait();
}

// Core 0's second job: turn SIGINT/SIGTERM into a stop of every core, then wait until every body
// has ended. Returns the signal, or 0.
task<int> supervise(shared_state& st, bool on_signals) {
  int sig = 0;
  if (on_signals) {
    try {
      std::vector<int> signals{SIGINT, SIGTERM};
      auto first = co_await when_any(wait_for_signal(std::move(signals)), wait_for(st.all_done()));
      if (first.index() == 0) {
        sig = std::get<0>(first);
        st.stop_all();
      }
    } catch (...) {
      st.fail(std::current_exception());
    }
  }
  co_await wait_for(st.all_done());
  co_return sig;
}

task<int> run_core0(shared_state& st, const body_fn& body, bool on_signals) {
  auto [ignored, sig] = co_await when_all(run_core(st, 0, body), supervise(st, on_signals));
  (void)ignored;
  co_return sig;
}

#ifdef __linux__
// The CPUs this process may run on, in order.
std::vector<int> allowed_cpus() {
  std::vector<int> cpus;
  cpu_set_t set;
  CPU_ZERO(&set);
  if (::sched_getaffinity(0, sizeof set, &set) == 0)
    for (int c = 0; c < CPU_SETSIZE; ++c)
      if (CPU_ISSET(c, &set)) cpus.push_back(c);
  return cpus;
}

void pin_this_thread(int cpu, unsigned core) {
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(cpu, &set);
  if (const int err = ::pthread_setaffinity_np(::pthread_self(), sizeof set, &set); err != 0)
    throw_errno(
        err, "run_per_core: pin core " + std::to_string(core) + " to CPU " + std::to_string(cpu));
}
#endif

// A worker thread: core `core` on a scheduler of its own.
void core_thread(shared_state& st, unsigned core, const body_fn& body, int cpu) {
#ifdef __linux__
  const std::string name = "coronet-core" + std::to_string(core);
  ::pthread_setname_np(::pthread_self(), name.substr(0, 15).c_str());
#endif
  try {
#ifdef __linux__
    // Before the scheduler, so that the ring's memory is allocated near the CPU that uses it.
    if (cpu >= 0) pin_this_thread(cpu, core);
#else
    (void)cpu;
#endif
    scheduler s = detail::make_scheduler();
    s.run(run_core(st, core, body));
  } catch (...) {
    st.fail(std::current_exception());  // no scheduler: the body never ran
  }
  st.ended_body(core);  // a no-op when run_core said so already
}

// Restores the calling thread's CPU affinity when core 0 was pinned.
class affinity_guard {
 public:
  affinity_guard() = default;
  affinity_guard(const affinity_guard&) = delete;
  affinity_guard& operator=(const affinity_guard&) = delete;
#ifdef __linux__
  void save() noexcept {
    saved_ = ::pthread_getaffinity_np(::pthread_self(), sizeof set_, &set_) == 0;
  }
  ~affinity_guard() {
    if (saved_) ::pthread_setaffinity_np(::pthread_self(), sizeof set_, &set_);
  }

 private:
  cpu_set_t set_{};
  bool saved_ = false;
#endif
};

}  // namespace

namespace detail {
void block_stop_signals() {
#ifndef _WIN32
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  if (const int err = pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr); err != 0)
    throw_errno(err, "pthread_sigmask");
#endif
}
}  // namespace detail

unsigned default_core_count() noexcept {
#ifdef __linux__
  cpu_set_t set;
  CPU_ZERO(&set);
  if (::sched_getaffinity(0, sizeof set, &set) == 0) {
    const int n = CPU_COUNT(&set);
    if (n > 0) return unsigned(n);
  }
#endif
  const unsigned n = std::thread::hardware_concurrency();
  return n > 0 ? n : 1;
}

int run_per_core(const per_core_options& options, std::function<task<>(unsigned core)> body) {
  const unsigned n = options.threads ? options.threads : default_core_count();
  // Before any thread starts, so that all inherit the mask: a signal then waits for core 0's
  // signalfd instead of killing the process through a thread that does not expect it.
  if (options.stop_on_signal) detail::block_stop_signals();
  std::vector<int> cpus;
#ifdef __linux__
  affinity_guard caller_affinity;  // pinning core 0 pins the caller: undone on the way out
  if (options.pin) {
    cpus = allowed_cpus();
    if (cpus.empty()) throw_errno(EINVAL, "run_per_core: no CPU to pin to");
    caller_affinity.save();
    pin_this_thread(cpus[0], 0);
  }
#endif
  auto cpu_of = [&](unsigned core) { return cpus.empty() ? -1 : cpus[core % cpus.size()]; };

  shared_state st(n);
  int sig = 0;
  std::vector<std::thread> threads;
  {
    // Core 0's scheduler first: if it cannot start, nothing has been started yet.
    scheduler s0 = detail::make_scheduler();
    detail::event all_done;
    st.set_supervisor(s0.remote(), all_done);
    // Destroyed at the end of this block, before the joins: it waits for a stop callback that
    // runs on another thread at that moment.
    std::stop_callback external(options.stop, stop_everything{&st});

    threads.reserve(n - 1);
    for (unsigned core = 1; core < n; ++core) {
      try {
        threads.emplace_back(core_thread, std::ref(st), core, std::cref(body), cpu_of(core));
      } catch (...) {
        st.fail(std::current_exception());
        for (unsigned never = core; never < n; ++never) st.ended_body(never);
        break;
      }
    }
    try {
      sig = s0.run(run_core0(st, body, options.stop_on_signal));
    } catch (...) {
      // run_core0 handles its failures itself; this is a scheduler failure (io_uring_enter).
      st.fail(std::current_exception());
    }
  }
  for (std::thread& t : threads) t.join();
  if (std::exception_ptr e = st.take_error()) std::rethrow_exception(e);
  return sig;
}

}  // namespace coronet
