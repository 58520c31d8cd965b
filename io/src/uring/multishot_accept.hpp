// A listener served by one multishot accept (5.19): the kernel accepts every connection as it
// arrives and posts a CQE for each, so the accept loop costs no SQE per connection. Connections
// accepted while nobody awaits accept() wait here; past k_backlog, the multishot is cancelled and
// the kernel's own backlog takes over until the queue drains.
#pragma once

#include <sys/socket.h>

#include <deque>

#include "multishot.hpp"

namespace coronet::detail::uring {

class acceptor final : public multishot {
 public:
  static constexpr std::size_t k_backlog = 128;
  acceptor(ring& r, multishot_list& list, int fd) noexcept : multishot(r, list, fd) {}
  ~acceptor() override;

  // Start `op`: complete it with a queued connection, or wait for the next. The peer address
  // comes from getpeername() at delivery: a multishot accept has one address buffer for all its
  // connections.
  void accept(operation& op, sockaddr* addr, socklen_t* len) noexcept;

  void on_cqe(int res, unsigned flags) noexcept override;
  void discard(int res, unsigned flags) noexcept override;
  void rearm() noexcept override;

 private:
  struct wait_state {
    acceptor* self;
    sockaddr* addr;
    socklen_t* len;
  };
  static void cancel_wait(ring& r, operation& op) noexcept;
  static op_kind waiting_kind;

  void abandon() noexcept override;
  void arm() noexcept;
  void deliver(operation& op, int fd) noexcept;
  operation* pop_waiter() noexcept;

  std::deque<int> ready_;
  std::deque<operation*> waiting_;
};

}  // namespace coronet::detail::uring
