// Submission, reaping, waking up and cancelling. Submission is batched: SQEs queued while
// coroutines run go to the kernel in the one io_uring_enter of the next run_once, which also
// waits for completions.
#include "ring.hpp"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <utility>

#include "coronet/error.hpp"

namespace coronet::detail::uring {
namespace {

constexpr std::uint64_t k_wake = 2;  // the eventfd read that wake() completes (not a pointer)

}  // namespace

void complete_with_result(ring& r, operation& op, int res, unsigned) noexcept {
  r.loop().complete(op, res);
}

void cancel_in_kernel(ring& r, operation& op) noexcept {
  r.cancel_request(op);
}

op_kind single_shot{&complete_with_result, &cancel_in_kernel};

io_uring_sqe* ring::try_get_sqe() noexcept {
  io_uring_sqe* sqe = io_uring_get_sqe(&ring_);
  if (!sqe) {
    io_uring_submit(&ring_);  // the SQ is full: hand it to the kernel and take a fresh slot
    sqe = io_uring_get_sqe(&ring_);
  }
  return sqe;
}

io_uring_sqe* ring::get_sqe() {
  io_uring_sqe* sqe = try_get_sqe();
  if (!sqe) throw_errno(EBUSY, "io_uring: submission queue full");
  return sqe;
}

void ring::run_once(bool block) {
  if (rearm_needed_) rearm();
  int r;
  if (block)
    r = io_uring_submit_and_wait(&ring_, 1);
  else if (features_.defer_taskrun)
    r = io_uring_submit_and_get_events(&ring_);
  else
    r = io_uring_submit(&ring_);
  // EINTR: a signal; EBUSY/EAGAIN: the CQ is backed up, reaping below makes room.
  if (r < 0 && r != -EINTR && r != -EBUSY && r != -EAGAIN && r != -ETIME)
    throw_errno(-r, "io_uring_enter");
  reap();
}

void ring::wake() noexcept {
  std::uint64_t one = 1;
  // A full counter (EAGAIN) already means "wake up"; nothing else can fail here.
  [[maybe_unused]] ssize_t n = ::write(wake_fd_, &one, sizeof one);
}

void ring::cancel(operation& op) noexcept {
  if (!op.pending) return;
  op.cancel_requested = true;
  kind_of(op).cancel(*this, op);
}

void ring::cancel_request(operation& op) noexcept {
  io_uring_sqe* sqe = try_get_sqe();
  if (!sqe) {
    try {
      deferred_cancels_.push_back(&op);
      rearm_needed_ = true;
    } catch (...) {  // no memory: the cancellation is lost, the operation ends on its own
    }
    return;
  }
  io_uring_prep_cancel64(sqe, user_data_of(op), 0);
  io_uring_sqe_set_data64(sqe, k_ignore);
}

bool ring::cancel_request(cqe_target& t) noexcept {
  io_uring_sqe* sqe = try_get_sqe();
  if (!sqe) return false;
  io_uring_prep_cancel64(sqe, user_data_of(t), 0);
  io_uring_sqe_set_data64(sqe, k_ignore);
  return true;
}

void ring::rearm_later(cqe_target& t) noexcept {
  try {
    if (std::find(deferred_arms_.begin(), deferred_arms_.end(), &t) == deferred_arms_.end())
      deferred_arms_.push_back(&t);
  } catch (...) {  // no memory even for a pointer: the target's next wait arms it again
  }
  rearm_needed_ = true;
}

void ring::forget(cqe_target& t) noexcept {
  std::erase(deferred_arms_, &t);
}

// Re-arming happens inside reap(), which must not throw: without an SQE it is left for the
// start of the next run_once.
void ring::arm_wake() noexcept {
  io_uring_sqe* sqe = try_get_sqe();
  if (!sqe) {
    wake_unarmed_ = rearm_needed_ = true;
    return;
  }
  io_uring_prep_read(sqe, wake_fd_, &wake_buf_, sizeof wake_buf_, 0);
  io_uring_sqe_set_data64(sqe, k_wake);
  wake_unarmed_ = false;
}

void ring::rearm() noexcept {
  rearm_needed_ = false;
  if (wake_unarmed_) arm_wake();
  // A cancellation deferred for want of an SQE goes out now, unless the operation has ended
  // meanwhile.
  for (operation* op : std::exchange(deferred_cancels_, {}))
    if (op->pending && op->cancel_requested) cancel_request(*op);
  for (cqe_target* t : std::exchange(deferred_arms_, {})) t->rearm();
}

void ring::reap() noexcept {
  io_uring_cqe* cqe;
  unsigned head;
  io_uring_for_each_cqe(&ring_, head, cqe) {
    const std::uint64_t data = cqe->user_data;
    const int res = cqe->res;
    const unsigned flags = cqe->flags;
    // Consumed before it is acted on: whatever happens next, no CQE is handled twice.
    io_uring_cqe_seen(&ring_, cqe);
    if (data == k_ignore) continue;
    if (data == k_wake) {
      arm_wake();
      continue;
    }
    if (data & 1u) {
      reinterpret_cast<cqe_target*>(static_cast<std::uintptr_t>(data & ~std::uint64_t(1)))
          ->on_cqe(res, flags);
      continue;
    }
    auto* op = reinterpret_cast<operation*>(static_cast<std::uintptr_t>(data));
    kind_of(*op).on_cqe(*this, *op, res, flags);
  }
}

void ring::drain_for_teardown() noexcept {
  // Closes queued in the last turn must still reach the kernel.
  io_uring_submit(&ring_);
  io_uring_cqe* cqe;
  unsigned head;
  unsigned seen = 0;
  io_uring_for_each_cqe(&ring_, head, cqe) {
    ++seen;
    const std::uint64_t data = cqe->user_data;
    if ((data & 1u) && data != k_wake)
      reinterpret_cast<cqe_target*>(static_cast<std::uintptr_t>(data & ~std::uint64_t(1)))
          ->discard(cqe->res, cqe->flags);
  }
  io_uring_cq_advance(&ring_, seen);
}

}  // namespace coronet::detail::uring
