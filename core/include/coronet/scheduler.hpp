// scheduler: one per thread, running ready coroutines and the backend's completions.
//
//   coronet::run(main_task());             // makes a scheduler on this thread (coronet/run.hpp)
//   auto& s = coronet::scheduler::current();
//   std::thread([&s] { s.post([] { /* runs on s's thread */ }); }).join();
//
// post() is the only member that may be called from another thread, and only while the
// scheduler exists; threads that may outlive it keep a remote() handle instead. Everything else,
// including std::stop_source::request_stop() on tokens that cancel this scheduler's awaits, belongs
// to the scheduler's own thread.
#pragma once

#include <atomic>
#include <coroutine>
#include <functional>
#include <memory>
#include <string_view>
#include <vector>

#include "coronet/task.hpp"

namespace coronet {

namespace detail {
// A detached coroutine the scheduler must destroy if it is still running at shutdown.
struct detached_node {
  detached_node* prev = nullptr;
  detached_node* next = nullptr;
  std::coroutine_handle<> frame;
};
struct remote_queue;
// The backend's loop (core/include/coronet/detail/event_loop.hpp): declared only, so that a
// program that uses the scheduler does not see the backend interface.
class event_loop;
}  // namespace detail

// A handle other threads keep to post work to a scheduler. Copyable, and safe to use after the
// scheduler has ended: post() then returns false.
//
//   coronet::remote_scheduler r = coronet::scheduler::current().remote();
//   std::thread([r] { r.post([] { /* on the scheduler's thread */ }); }).detach();
class remote_scheduler {
 public:
  remote_scheduler() = default;
  // Thread-safe: run `fn` on the scheduler's thread soon; false (fn dropped) when it has ended
  // or this handle is empty.
  bool post(std::function<void()> fn) const;

 private:
  friend class scheduler;
  explicit remote_scheduler(std::shared_ptr<detail::remote_queue> q) : q_(std::move(q)) {}
  std::shared_ptr<detail::remote_queue> q_;
};

class scheduler {
 public:
  explicit scheduler(std::unique_ptr<detail::event_loop> loop);
  // Destroys detached tasks still running (cancelling their I/O and waiting for the kernel to
  // release their buffers), then the backend.
  ~scheduler();
  scheduler(const scheduler&) = delete;
  scheduler& operator=(const scheduler&) = delete;

  // The scheduler running on this thread; throws std::logic_error when there is none.
  static scheduler& current();
  static scheduler* try_current() noexcept;

  // Run `t` to completion on this thread, with this scheduler current, and return its result.
  template <class T>
  T run(task<T> t) {
    auto h = t.handle();
    current_guard guard(this);
    schedule(h);
    for (;;) {
      run_ready();
      if (h.done()) break;
      poll();
    }
    return h.promise().take_result();
  }

  // Thread-safe: run `fn` on this scheduler's thread soon. Returns false when the scheduler has
  // already shut down (fn is dropped).
  bool post(std::function<void()> fn);

  // A handle for other threads that stays safe after this scheduler has ended.
  remote_scheduler remote() const { return remote_scheduler(remote_); }

  // This thread only: resume `h` on a later turn of the loop.
  void schedule(std::coroutine_handle<> h) { ready_.push_back(h); }

  detail::event_loop& loop() noexcept { return *loop_; }
  // Which backend runs this scheduler: "io_uring" or "asio".
  std::string_view backend_name() const noexcept;

  // For spawn(): frames the scheduler destroys at shutdown if they have not finished.
  void link_detached(detail::detached_node& n) noexcept;
  void unlink_detached(detail::detached_node& n) noexcept;

 private:
  struct current_guard {
    scheduler* prev;
    explicit current_guard(scheduler* s);
    ~current_guard();
  };
  void run_ready();
  void poll();
  void drain_remote();

  std::unique_ptr<detail::event_loop> loop_;
  std::vector<std::coroutine_handle<>> ready_;
  std::vector<std::coroutine_handle<>> running_;
  detail::detached_node detached_;  // sentinel of a circular list
  std::shared_ptr<detail::remote_queue> remote_;
};

// Same as s.post(fn).
inline bool post(scheduler& s, std::function<void()> fn) {
  return s.post(std::move(fn));
}

}  // namespace coronet
