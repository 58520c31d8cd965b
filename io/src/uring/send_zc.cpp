#include "send_zc.hpp"

#include <sys/socket.h>

#include <cerrno>
#include <cstdint>

namespace coronet::detail::uring {
namespace {

struct zc_state {
  const void* buf;
  std::uint32_t len;
  int fd;
  bool sent;  // the result has come: only the notification is due
};

void on_cqe(ring& r, operation& op, int res, unsigned flags) noexcept {
  zc_state& z = state_of<zc_state>(op);
  if (flags & IORING_CQE_F_MORE) {  // the result; the notification comes next
    op.result = res;
    z.sent = true;
    if (op.cancel_requested) r.cancel(op);  // a cancel that came before this CQE
    return;
  }
  if (flags & IORING_CQE_F_NOTIF) res = op.result;
  if (res == -EOPNOTSUPP && !op.cancel_requested) {
    // Not TCP (a Unix socket has no zero-copy): send it the usual way.
    if (io_uring_sqe* sqe = r.try_get_sqe()) {
      io_uring_prep_send(sqe, z.fd, z.buf, z.len, MSG_NOSIGNAL);
      set_kind(op, single_shot);
      io_uring_sqe_set_data64(sqe, user_data_of(op));
      return;
    }
  }
  r.loop().complete(op, res);
}

void cancel(ring& r, operation& op) noexcept {
  if (!state_of<zc_state>(op).sent) {
    r.cancel_request(op);
    return;
  }
  // The send is done and only its notification is due, which comes when the kernel frees the
  // data it queued: never, if the peer has stopped reading. Nothing is left to cancel, so drop
  // the connection (AF_UNSPEC disconnects a TCP socket and purges its send queue): a cancelled
  // partial write has made the stream unusable anyway.
  sockaddr unspec{};
  unspec.sa_family = AF_UNSPEC;
  ::connect(state_of<zc_state>(op).fd, &unspec, sizeof unspec);
}

op_kind send_zc_kind{&on_cqe, &cancel};

}  // namespace

void start_send_zc(ring& r, operation& op, int fd, const void* buf, std::size_t len) {
  io_uring_sqe* sqe = r.get_sqe();
  const std::uint32_t n = len > 0x7fffffffu ? 0x7fffffffu : std::uint32_t(len);
  io_uring_prep_send_zc(sqe, fd, buf, n, MSG_NOSIGNAL, 0);
  set_kind(op, send_zc_kind);
  emplace_state(op, zc_state{buf, n, fd, false});
  io_uring_sqe_set_data64(sqe, user_data_of(op));
}

}  // namespace coronet::detail::uring
