#include "coronet/scheduler.hpp"

#include <mutex>
#include <stdexcept>

#include "coronet/detail/event_loop.hpp"
#include "coronet/error.hpp"

namespace coronet {
namespace detail {

// Shared with posting threads, so that a post after the scheduler is gone finds `closed` instead
// of a dangling scheduler.
struct remote_queue {
  std::mutex mutex;
  std::vector<std::function<void()>> items;
  event_loop* loop = nullptr;
  bool closed = false;
  std::atomic<bool> nonempty{false};
};

}  // namespace detail

namespace {
thread_local scheduler* t_current = nullptr;
}

scheduler::current_guard::current_guard(scheduler* s) : prev(t_current) {
  t_current = s;
}
scheduler::current_guard::~current_guard() {
  t_current = prev;
}

scheduler::scheduler(std::unique_ptr<detail::event_loop> loop)
    : loop_(std::move(loop)), remote_(std::make_shared<detail::remote_queue>()) {
  loop_->attach(ready_);
  remote_->loop = loop_.get();
  detached_.prev = detached_.next = &detached_;
  ready_.reserve(256);
  running_.reserve(256);
}

scheduler::~scheduler() {
  {
    std::lock_guard lock(remote_->mutex);
    remote_->closed = true;
    remote_->loop = nullptr;
  }
  current_guard guard(this);
  // Destroying a frame runs awaiter destructors, which cancel their operations and wait for the
  // kernel; other completions arriving meanwhile only land in ready_, which is dropped below.
  while (detached_.next != &detached_) {
    detail::detached_node* n = detached_.next;
    unlink_detached(*n);
    n->frame.destroy();
  }
  ready_.clear();
}

scheduler& scheduler::current() {
  if (!t_current)
    throw std::logic_error("coronet: no scheduler runs on this thread (use coronet::run)");
  return *t_current;
}

scheduler* scheduler::try_current() noexcept {
  return t_current;
}

bool remote_scheduler::post(std::function<void()> fn) const {
  if (!q_) return false;
  std::lock_guard lock(q_->mutex);
  if (q_->closed) return false;
  q_->items.push_back(std::move(fn));
  q_->nonempty.store(true, std::memory_order_release);
  q_->loop->wake();
  return true;
}

bool scheduler::post(std::function<void()> fn) {
  return remote_scheduler(remote_).post(std::move(fn));
}

void scheduler::link_detached(detail::detached_node& n) noexcept {
  n.next = &detached_;
  n.prev = detached_.prev;
  detached_.prev->next = &n;
  detached_.prev = &n;
}

void scheduler::unlink_detached(detail::detached_node& n) noexcept {
  n.prev->next = n.next;
  n.next->prev = n.prev;
  n.prev = n.next = nullptr;
}

void scheduler::drain_remote() {
  std::vector<std::function<void()>> items;
  {
    std::lock_guard lock(remote_->mutex);
    items.swap(remote_->items);
    remote_->nonempty.store(false, std::memory_order_relaxed);
  }
  for (auto& fn : items) {
    try {
      fn();
    } catch (...) {
      report_unhandled_exception(std::current_exception(), "posted function");
    }
  }
}

// A turn of the loop is run_ready() then poll(): resume everything that is ready, then submit
// what they queued and collect completions, blocking only when nothing else can run.
void scheduler::run_ready() {
  if (remote_->nonempty.load(std::memory_order_acquire)) drain_remote();
  running_.swap(ready_);
  for (auto h : running_) h.resume();
  running_.clear();
}

void scheduler::poll() {
  loop_->run_once(ready_.empty() && !remote_->nonempty.load(std::memory_order_acquire));
}

std::string_view scheduler::backend_name() const noexcept {
  return loop_->name();
}

}  // namespace coronet
