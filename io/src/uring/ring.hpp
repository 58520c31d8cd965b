// The io_uring instance under one scheduler: setup with the best flags the kernel takes, the
// feature probe, submission, reaping, waking up, and cancelling. Everything that completes
// through it is either an operation record (core's `operation`, whose backend_data names its
// op_kind) or a standing request's cqe_target; reaping hands each CQE to one of those with one
// indirect call (op_kind.hpp). The parts of the backend (close.cpp, multishot_accept,
// multishot_receive, send_zc) build on this class; uring_backend only routes the seam to them.
#pragma once

#include <liburing.h>

#include <cstddef>
#include <cstdint>
#include <vector>

#include "coronet/detail/event_loop.hpp"
#include "op_kind.hpp"

namespace coronet::detail::uring {

// What the kernel (and the environment's detail knobs) let this ring do.
struct features {
  bool defer_taskrun = false;     // SINGLE_ISSUER + DEFER_TASKRUN (6.1): completions on demand
  bool cancel_fd = false;         // IORING_ASYNC_CANCEL_FD (5.19): cancel by descriptor
  bool sync_cancel = false;       // io_uring_register_sync_cancel (6.0)
  bool multishot_accept = false;  // 5.19, off with CORONET_NO_MULTISHOT
  bool multishot_recv = false;    // 6.0, off with CORONET_NO_MULTISHOT
  std::size_t send_zc_min = 0;    // sends of at least this many bytes use SEND_ZC; 0: never
};

class ring {
 public:
  // Throws std::system_error (ENOSYS, EPERM, ENOMEM...) when io_uring cannot be set up or lacks
  // an operation coronet needs; make_backend() then falls back to Asio.
  explicit ring(event_loop& loop);
  ~ring();
  ring(const ring&) = delete;
  ring& operator=(const ring&) = delete;

  const features& has() const noexcept { return features_; }
  io_uring& raw() noexcept { return ring_; }
  event_loop& loop() noexcept { return loop_; }

  // An SQE, after submitting a full SQ; null when even that leaves no room.
  io_uring_sqe* try_get_sqe() noexcept;
  // As try_get_sqe, but throws EBUSY: for starting operations, whose caller can report it.
  io_uring_sqe* get_sqe();
  // Submit what is queued (and, with DEFER_TASKRUN, run pending task work), then reap.
  void run_once(bool block);
  void wake() noexcept;
  void submit() noexcept { io_uring_submit(&ring_); }

  // Stop `op` through its kind's cancel function (one per kind, op_kind.hpp).
  void cancel(operation& op) noexcept;
  // Ask the kernel to cancel the SQE of `op`. Without an SQE the request waits for the next
  // run_once: dropping it could leave an operation on an idle socket pending for ever, and
  // cancel_and_wait waiting with it.
  void cancel_request(operation& op) noexcept;
  // Ask the kernel to end a standing request; false (nothing asked) without an SQE.
  bool cancel_request(cqe_target& t) noexcept;

  // Standing requests that could not get an SQE when they wanted one are re-armed at the start
  // of the next run_once (never from inside reap(), which must not throw). A target that goes
  // away first says so with forget().
  void rearm_later(cqe_target& t) noexcept;
  void forget(cqe_target& t) noexcept;

  // Hand every CQE still in the queue to `discard` (teardown: nothing is completed any more).
  void drain_for_teardown() noexcept;

 private:
  void init(unsigned sq, unsigned cq);
  void probe();
  void arm_wake() noexcept;
  void rearm() noexcept;
  void reap() noexcept;

  io_uring ring_{};
  event_loop& loop_;
  features features_;
  int wake_fd_ = -1;
  std::uint64_t wake_buf_ = 0;
  bool wake_unarmed_ = false;
  bool rearm_needed_ = false;
  std::vector<operation*> deferred_cancels_;
  std::vector<cqe_target*> deferred_arms_;
};

}  // namespace coronet::detail::uring
