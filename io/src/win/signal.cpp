// wait_for_signal on Windows, which has no signals to block: console control events stand in,
// mapped the way Node maps them: Ctrl+C is SIGINT, Ctrl+Break SIGBREAK, closing the console
// window SIGHUP, and logoff/shutdown SIGTERM. One console handler, installed on the first wait,
// queues each event for the waiters of that signal (on their own schedulers); an event that
// arrives while nobody waits stays pending for the next wait, as a blocked signal does on POSIX.
#include <windows.h>

#include <csignal>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <stop_token>
#include <vector>

#include "coronet/detail/native.hpp"
#include "coronet/detail/promise_base.hpp"
#include "coronet/error.hpp"
#include "coronet/scheduler.hpp"
#include "coronet/signal.hpp"

#ifndef SIGHUP
#define SIGHUP 1
#endif

namespace coronet {
namespace {

struct waiter_state {
  std::vector<int> signals;
  remote_scheduler sched;
  std::coroutine_handle<> handle;  // scheduler thread only
  int got = 0;                     // under registry::m
  bool cancelled = false;          // scheduler thread only
};

struct registry {
  std::mutex m;
  std::vector<std::shared_ptr<waiter_state>> waiters;
  std::vector<int> handled;  // signals some program code has waited for
  std::deque<int> pending;
  bool installed = false;
};

registry& reg() {
  static registry* r = new registry;  // never destroyed: the handler may run during exit
  return *r;
}

int signal_of(DWORD event) {
  switch (event) {
    case CTRL_C_EVENT:
      return SIGINT;
    case CTRL_BREAK_EVENT:
      return SIGBREAK;
    case CTRL_CLOSE_EVENT:
      return SIGHUP;
    default:
      return SIGTERM;  // CTRL_LOGOFF_EVENT, CTRL_SHUTDOWN_EVENT
  }
}

bool contains(const std::vector<int>& v, int s) {
  for (int x : v)
    if (x == s) return true;
  return false;
}

// Hand `sig` to one waiter for it; false when there is none (registry::m held).
bool deliver(registry& r, int sig) {
  for (auto it = r.waiters.begin(); it != r.waiters.end(); ++it) {
    if (!contains((*it)->signals, sig)) continue;
    std::shared_ptr<waiter_state> w = *it;
    bool posted = false;
    try {
      posted = w->sched.post([w] {
        if (auto h = std::exchange(w->handle, {})) h.resume();
      });
    } catch (...) {
      // No memory for the message: this waiter cannot be told; the signal stays pending.
    }
    // A scheduler that has ended cannot resume its waiter either: try the next one.
    if (!posted) continue;
    w->got = sig;
    r.waiters.erase(it);
    return true;
  }
  return false;
}

BOOL WINAPI on_console_event(DWORD event) {
  const int sig = signal_of(event);
  registry& r = reg();
  {
    std::lock_guard lock(r.m);
    if (!contains(r.handled, sig)) return FALSE;  // the default: end the process
    if (!deliver(r, sig)) {
      try {
        r.pending.push_back(sig);
      } catch (...) {
        return FALSE;  // cannot keep it: let the default handling end the process
      }
    }
  }
  // For these three, Windows ends the process as soon as the handler returns (after at most
  // 5 s it does so anyway): wait here so that the program's own shutdown gets to run. Its
  // exit ends this thread with the process, as libuv does.
  if (event == CTRL_CLOSE_EVENT || event == CTRL_LOGOFF_EVENT || event == CTRL_SHUTDOWN_EVENT)
    ::Sleep(INFINITE);
  return TRUE;
}

class signal_awaiter {
 public:
  explicit signal_awaiter(std::shared_ptr<waiter_state> w) : w_(std::move(w)) {}
  ~signal_awaiter() {
    withdraw();
    w_->handle = {};  // a signal posted to this waiter already must not resume a dead frame
  }
  signal_awaiter(const signal_awaiter&) = delete;
  bool await_ready() const noexcept { return false; }

  template <class Promise>
  bool await_suspend(std::coroutine_handle<Promise> h) {
    std::stop_token token = detail::stop_token_of(h);
    if (token.stop_requested()) {
      w_->cancelled = true;
      return false;
    }
    registry& r = reg();
    {
      std::lock_guard lock(r.m);
      for (auto it = r.pending.begin(); it != r.pending.end(); ++it) {
        if (contains(w_->signals, *it)) {
          w_->got = *it;
          r.pending.erase(it);
          return false;
        }
      }
      w_->handle = h;
      r.waiters.push_back(w_);
    }
    if (token.stop_possible()) cb_.emplace(std::move(token), canceller{this});
    return true;
  }

  int await_resume() {
    cb_.reset();
    std::lock_guard lock(reg().m);
    if (w_->got != 0) return w_->got;
    throw_errno(ECANCELED, "wait_for_signal");
  }

 private:
  // Leave the registry; false when a signal was already handed to this waiter.
  bool withdraw() noexcept {
    registry& r = reg();
    std::lock_guard lock(r.m);
    for (auto it = r.waiters.begin(); it != r.waiters.end(); ++it) {
      if (*it == w_) {
        r.waiters.erase(it);
        return true;
      }
    }
    return false;
  }

  struct canceller {
    signal_awaiter* self;
    void operator()() const noexcept {
      // A signal delivered already wins: its post resumes the waiter.
      if (!self->withdraw()) return;
      self->w_->cancelled = true;
      if (auto h = std::exchange(self->w_->handle, {})) scheduler::current().schedule(h);
    }
  };

  std::shared_ptr<waiter_state> w_;
  std::optional<std::stop_callback<canceller>> cb_;
};

}  // namespace

task<int> wait_for_signal(std::vector<int> signals) {
  registry& r = reg();
  {
    std::lock_guard lock(r.m);
    for (int s : signals)
      if (!contains(r.handled, s)) r.handled.push_back(s);
    if (!r.installed) {
      if (!::SetConsoleCtrlHandler(&on_console_event, TRUE))
        throw_errno(detail::from_windows_error(::GetLastError()),
                    "wait_for_signal: SetConsoleCtrlHandler");
      r.installed = true;
    }
  }
  auto w = std::make_shared<waiter_state>();
  w->signals = std::move(signals);
  w->sched = scheduler::current().remote();
  co_return co_await signal_awaiter(w);
}

}  // namespace coronet
