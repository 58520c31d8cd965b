#include "multishot_accept.hpp"

#include <unistd.h>

#include <algorithm>
#include <cerrno>

namespace coronet::detail::uring {

// A waiting operation has no SQE of its own, so no CQE names it: only cancel_wait applies.
op_kind acceptor::waiting_kind{&complete_with_result, &acceptor::cancel_wait};

acceptor::~acceptor() {
  for (int fd : ready_) ::close(fd);
}

void acceptor::accept(operation& op, sockaddr* addr, socklen_t* len) noexcept {
  set_kind(op, waiting_kind);
  emplace_state(op, wait_state{this, addr, len});
  if (!ready_.empty()) {
    const int fd = ready_.front();
    ready_.pop_front();
    deliver(op, fd);
  } else {
    try {
      waiting_.push_back(&op);
    } catch (...) {
      ring_.loop().complete(op, -ENOMEM);
      return;
    }
  }
  if (!armed_ && ready_.size() < k_backlog) arm();
}

void acceptor::arm() noexcept {
  io_uring_sqe* sqe = ring_.try_get_sqe();
  if (!sqe) {
    ring_.rearm_later(*this);
    return;
  }
  io_uring_prep_multishot_accept(sqe, fd_, nullptr, nullptr, SOCK_CLOEXEC);
  io_uring_sqe_set_data64(sqe, user_data_of(*this));
  armed_ = true;
}

void acceptor::rearm() noexcept {
  if (!armed_ && !waiting_.empty()) arm();
}

void acceptor::deliver(operation& op, int fd) noexcept {
  const wait_state& w = state_of<wait_state>(op);
  if (w.addr && w.len && ::getpeername(fd, w.addr, w.len) != 0) *w.len = 0;
  ring_.loop().complete(op, fd);
}

operation* acceptor::pop_waiter() noexcept {
  if (waiting_.empty()) return nullptr;
  operation* op = waiting_.front();
  waiting_.pop_front();
  return op;
}

// One CQE of the multishot accept: a connection (res >= 0) or an error; without
// IORING_CQE_F_MORE the kernel has ended the request (error, cancellation, or its own limits).
void acceptor::on_cqe(int res, unsigned flags) noexcept {
  if (closed_after(res, flags)) return;
  if (res >= 0) {
    if (operation* op = pop_waiter()) {
      deliver(*op, res);
    } else {
      try {
        ready_.push_back(res);
      } catch (...) {  // nowhere to keep it: the client sees a close, the server goes on
        ::close(res);
      }
      // Back-pressure: the kernel's backlog holds further connections until accept() catches up.
      if (armed_ && ready_.size() >= k_backlog) ring_.cancel_request(*this);
    }
  } else if (res != -ECANCELED) {
    // EMFILE and friends go to one waiter, whose caller decides about back-off.
    if (operation* op = pop_waiter()) ring_.loop().complete(*op, res);
  }
  if (!armed_ && !waiting_.empty() && res != -EMFILE && res != -ENFILE) arm();
}

void acceptor::discard(int res, unsigned) noexcept {
  if (res >= 0) ::close(res);
}

void acceptor::abandon() noexcept {
  for (int fd : ready_) ::close(fd);
  ready_.clear();
  while (operation* op = pop_waiter()) ring_.loop().complete(*op, -ECANCELED);
}

// Waiting here, the kernel holds nothing of the operation; a connection that arrives later stays
// queued for the next accept.
void acceptor::cancel_wait(ring& r, operation& op) noexcept {
  acceptor& self = *state_of<wait_state>(op).self;
  std::erase(self.waiting_, &op);
  r.loop().complete(op, -ECANCELED);
}

}  // namespace coronet::detail::uring
