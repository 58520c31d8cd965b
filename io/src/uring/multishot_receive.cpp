#include "multishot_receive.hpp"

#include <sys/socket.h>

#include <cerrno>
#include <cstring>
#include <utility>

namespace coronet::detail::uring {

// A waiting operation has no SQE of its own, so no CQE names it: only cancel_wait applies.
op_kind receiver::waiting_kind{&complete_with_result, &receiver::cancel_wait};

void receiver::receive(operation& op, lent_buffer& out) noexcept {
  wait(op, wait_state{this, &out, 0, true});
}

void receiver::read_some(operation& op, void* buf, std::uint32_t len) noexcept {
  wait(op, wait_state{this, buf, len, false});
}

void receiver::wait(operation& op, const wait_state& w) noexcept {
  set_kind(op, waiting_kind);
  emplace_state(op, w);
  if (queued() != 0) {
    hand_front(op);
    return;
  }
  if (waiting_) {  // two reads at once on one stream: documented as unsupported
    ring_.loop().complete(op, -EALREADY);
    return;
  }
  waiting_ = &op;
  if (!armed_) arm();
}

void receiver::arm() noexcept {
  io_uring_sqe* sqe = ring_.try_get_sqe();
  if (!sqe) {
    ring_.rearm_later(*this);
    return;
  }
  io_uring_prep_recv_multishot(sqe, fd_, nullptr, 0, 0);
  sqe->flags |= IOSQE_BUFFER_SELECT;
  sqe->buf_group = k_buffer_group;
  io_uring_sqe_set_data64(sqe, user_data_of(*this));
  armed_ = true;
}

void receiver::rearm() noexcept {
  if (!armed_ && waiting_) arm();
}

// Hand the front chunk (or, for read_some, what fits of it) to `op` and complete it.
void receiver::hand_front(operation& op) noexcept {
  chunk& c = ready_[head_];
  const wait_state w = state_of<wait_state>(op);
  int result = c.res;
  bool used_up = true;
  if (c.res > 0) {
    std::byte* data = buffers_.buffer(c.id) + c.offset;
    const std::uint32_t avail = std::uint32_t(c.res) - c.offset;
    if (w.lend) {
      *static_cast<lent_buffer*>(w.target) = lent_buffer{data, avail, c.id};
      result = int(avail);
    } else {
      const std::uint32_t n = avail < w.len ? avail : w.len;
      std::memcpy(w.target, data, n);
      c.offset += n;
      result = int(n);
      used_up = c.offset == std::uint32_t(c.res);
      if (used_up) buffers_.recycle(c.id);
    }
  }
  if (used_up && ++head_ == ready_.size()) {
    ready_.clear();
    head_ = 0;
  } else if (used_up && head_ >= 16) {
    // A reader that stays a chunk or two behind never empties the queue: drop the consumed
    // front now and then, so the vector stays as small as the backlog.
    ready_.erase(ready_.begin(), ready_.begin() + std::ptrdiff_t(head_));
    head_ = 0;
  }
  ring_.loop().complete(op, result);
}

// The ring is empty (ENOBUFS): the waiting read gets a one-shot receive into a pool block (or
// straight into read_some's buffer), so a reader never waits on buffers other streams hold.
void receiver::receive_without_ring() noexcept {
  operation& op = *std::exchange(waiting_, nullptr);
  const wait_state w = state_of<wait_state>(op);
  void* target = w.target;
  std::uint32_t len = w.len;
  if (w.lend) {
    auto& out = *static_cast<lent_buffer*>(w.target);
    try {
      out = pool_.take();
    } catch (...) {
      ring_.loop().complete(op, -ENOMEM);
      return;
    }
    target = out.data;
    len = out.capacity;
  }
  io_uring_sqe* sqe = ring_.try_get_sqe();
  if (!sqe) {
    ring_.loop().complete(op, -EBUSY);  // the caller gives back the block it holds
    return;
  }
  io_uring_prep_recv(sqe, fd_, target, len, 0);
  set_kind(op, single_shot);
  io_uring_sqe_set_data64(sqe, user_data_of(op));
}

// Queue one arrival. Without memory to queue it the data is lost, so the stream must fail: what
// is queued is dropped and the reader gets ENOMEM.
void receiver::queue(int res, unsigned id) noexcept {
  try {
    ready_.push_back(chunk{res, 0, id});
    return;
  } catch (...) {
  }
  if (id != k_no_buffer) buffers_.recycle(id);
  drop_queued();
  ready_.shrink_to_fit();
  try {
    ready_.push_back(chunk{-ENOMEM, 0, k_no_buffer});
  } catch (...) {
  }
}

// One CQE of the multishot receive: bytes in a ring buffer, end of stream (0) or an error;
// without IORING_CQE_F_MORE the request has ended (end of stream, error, ENOBUFS, cancellation).
void receiver::on_cqe(int res, unsigned flags) noexcept {
  if (closed_after(res, flags)) return;
  const bool has_buffer = (flags & IORING_CQE_F_BUFFER) != 0;
  if (has_buffer) buffers_.taken();
  if (res == -ENOBUFS) {
    if (waiting_) receive_without_ring();
    return;
  }
  if (res != -ECANCELED) {  // ECANCELED: the back-pressure cancel below; nothing to report
    if (res > 0 && !has_buffer) res = -EIO;  // cannot happen with IOSQE_BUFFER_SELECT
    queue(res, has_buffer ? flags >> IORING_CQE_BUFFER_SHIFT : k_no_buffer);
  }
  if (waiting_ && queued() != 0) hand_front(*std::exchange(waiting_, nullptr));
  if (armed_ && queued() >= k_backlog) ring_.cancel_request(*this);
  // Someone still waits and the request has ended without ending the stream: re-arm.
  if (!armed_ && waiting_) arm();
}

// A CQE for a closed receiver, or found at teardown: its buffer goes straight back.
void receiver::discard(int, unsigned flags) noexcept {
  if (flags & IORING_CQE_F_BUFFER) {
    buffers_.taken();
    buffers_.recycle(flags >> IORING_CQE_BUFFER_SHIFT);
  }
}

void receiver::drop_queued() noexcept {
  for (std::size_t i = head_; i < ready_.size(); ++i)
    if (ready_[i].id != k_no_buffer) buffers_.recycle(ready_[i].id);
  ready_.clear();
  head_ = 0;
}

void receiver::abandon() noexcept {
  drop_queued();
  if (operation* op = std::exchange(waiting_, nullptr)) ring_.loop().complete(*op, -ECANCELED);
}

// Waiting here, the kernel holds nothing of the operation, and what arrives later stays queued
// for the next reader.
void receiver::cancel_wait(ring& r, operation& op) noexcept {
  receiver& self = *state_of<wait_state>(op).self;
  if (self.waiting_ == &op) self.waiting_ = nullptr;
  r.loop().complete(op, -ECANCELED);
}

}  // namespace coronet::detail::uring
