// How io_uring work completes. Two shapes of work are in flight:
// - an operation record (core's `operation`) submitted as one SQE, or waiting on a standing
//   request: its backend_data is the op_kind that knows how to finish it (on_cqe) and how to stop
//   it (cancel), and its backend_scratch holds that kind's typed state (state_of<T>);
// - a standing request of the backend's own (a multishot accept or receive, the wake-up read): a
//   cqe_target, whose user_data carries a tag bit, since an operation record (aligned) never has
//   the low bit set.
// So reaping a CQE is one indirect call, and cancelling is one function per kind.
#pragma once

#include <cstdint>
#include <new>
#include <type_traits>

#include "coronet/detail/operation.hpp"

namespace coronet::detail::uring {

class ring;

struct op_kind {
  // The kernel reported on `op` (`flags`: the CQE's, e.g. IORING_CQE_F_MORE).
  void (*on_cqe)(ring& r, operation& op, int res, unsigned flags) noexcept;
  // Stop `op`, which is pending; it must still complete, now or later.
  void (*cancel)(ring& r, operation& op) noexcept;
};

// One SQE, one CQE, whose result is the operation's: accept, connect, recv, send, read, write,
// poll, sendmsg, recvmsg. Cancelled in the kernel (cancel_in_kernel: IORING_OP_ASYNC_CANCEL).
extern op_kind single_shot;
// single_shot's two halves, for kinds that share one of them: complete with the CQE's result;
// cancel with IORING_OP_ASYNC_CANCEL.
void complete_with_result(ring& r, operation& op, int res, unsigned flags) noexcept;
void cancel_in_kernel(ring& r, operation& op) noexcept;

// A standing request that completes many times (or a request the ring re-arms itself).
class cqe_target {
 public:
  virtual void on_cqe(int res, unsigned flags) noexcept = 0;
  // A CQE found when the ring is torn down, when nothing may be completed any more: release
  // what it carries (an accepted descriptor).
  virtual void discard(int /*res*/, unsigned /*flags*/) noexcept {}
  // Called at the start of a run_once when this target asked for it (ring::rearm_later).
  virtual void rearm() noexcept {}

 protected:
  ~cqe_target() = default;
};

// user_data of work that no one waits for: cancellations and closes, whose outcome is seen on
// their target.
inline constexpr std::uint64_t k_ignore = 0;

inline std::uint64_t user_data_of(operation& op) noexcept {
  return reinterpret_cast<std::uintptr_t>(&op);
}
inline std::uint64_t user_data_of(cqe_target& t) noexcept {
  return reinterpret_cast<std::uintptr_t>(&t) | 1u;
}

// Start `op` as work of kind `k`.
inline void set_kind(operation& op, op_kind& k) noexcept {
  op.backend_data = &k;
}
inline op_kind& kind_of(operation& op) noexcept {
  return *static_cast<op_kind*>(op.backend_data);
}

// The typed state a kind keeps in op.backend_scratch: constructed by the kind when it starts the
// operation, read only by the same kind.
template <class T>
T& emplace_state(operation& op, const T& value) noexcept {
  static_assert(sizeof(T) <= sizeof(operation::backend_scratch));
  static_assert(alignof(T) <= 8 && std::is_trivially_destructible_v<T>);
  return *::new (static_cast<void*>(op.backend_scratch)) T(value);
}
template <class T>
T& state_of(operation& op) noexcept {
  return *std::launder(reinterpret_cast<T*>(op.backend_scratch));
}

}  // namespace coronet::detail::uring
