// Event loops for schedulers that core tests build themselves, to see what core asks of the
// backend: counting_loop forwards to the real backend (CORONET_BACKEND) and counts the calls;
// instant_loop has no kernel at all and completes every timeout on the next poll.
#pragma once

#include <atomic>
#include <cerrno>
#include <chrono>
#include <memory>
#include <string_view>
#include <utility>
#include <vector>

#include "coronet/detail/event_loop.hpp"
#include "coronet/detail/io_backend.hpp"
#include "coronet/scheduler.hpp"
#include "coronet/task.hpp"

namespace coronet::test {

// What a counting_loop saw. Atomic where another thread may look.
struct loop_calls {
  int timeouts = 0;
  int cancels = 0;
  std::atomic<int> blocking_polls{0};  // run_once(true) calls entered
};

class counting_loop final : public detail::event_loop {
 public:
  explicit counting_loop(loop_calls& calls) : inner_(detail::make_backend()), calls_(calls) {}

  std::string_view name() const noexcept override { return inner_->name(); }
  void run_once(bool block) override {
    attach_inner();
    if (block) calls_.blocking_polls.fetch_add(1);
    inner_->run_once(block);
  }
  void wake() noexcept override { inner_->wake(); }
  void timeout(detail::operation& op, std::chrono::steady_clock::time_point deadline) override {
    attach_inner();
    ++calls_.timeouts;
    inner_->timeout(op, deadline);
  }
  void cancel(detail::operation& op) noexcept override {
    attach_inner();
    ++calls_.cancels;
    inner_->cancel(op);
  }

 private:
  // The scheduler attaches its ready queue to us; the real backend completes into the same one.
  void attach_inner() noexcept { inner_->attach(*ready_); }

  std::unique_ptr<detail::io_backend> inner_;
  loop_calls& calls_;
};

// No kernel: timeouts complete with success on the next run_once, whatever their deadline;
// cancel() completes a pending one with -ECANCELED there instead. Never blocks.
class instant_loop final : public detail::event_loop {
 public:
  std::string_view name() const noexcept override { return "instant"; }
  void run_once(bool) override {
    for (auto [op, result] : std::exchange(pending_, {})) complete(*op, result);
  }
  void wake() noexcept override {}
  void timeout(detail::operation& op, std::chrono::steady_clock::time_point) override {
    pending_.emplace_back(&op, 0);
  }
  void cancel(detail::operation& op) noexcept override {
    for (auto& p : pending_)
      if (p.first == &op) p.second = -ECANCELED;
  }

 private:
  std::vector<std::pair<detail::operation*, int>> pending_;
};

// Run `t` on a scheduler of this thread driven by `loop`.
template <class T>
T run_on(std::unique_ptr<detail::event_loop> loop, task<T> t) {
  scheduler s(std::move(loop));
  return s.run(std::move(t));
}

}  // namespace coronet::test
