#include "close.hpp"

#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>

namespace coronet::detail::uring {
namespace {

// Closes `fd` before returning, so that its port or path is free and its peer sees the close
// even if the loop never turns again (a close queued in the SQ would wait for the next
// run_once, or be lost at shutdown). What is queued is submitted first, since it may name `fd`;
// then every request on it is cancelled, synchronously, before the number can be reused.
// False (nothing done) when that cannot be guaranteed; the caller falls back to a linked close.
bool close_now(io_uring& ring, int fd) noexcept {
  if (io_uring_sq_ready(&ring) != 0) {
    io_uring_submit(&ring);
    if (io_uring_sq_ready(&ring) != 0) return false;
  }
  io_uring_sync_cancel_reg reg{};
  reg.fd = fd;
  reg.flags = IORING_ASYNC_CANCEL_FD | IORING_ASYNC_CANCEL_ALL;
  reg.timeout.tv_sec = -1;  // no timeout: wait until the kernel has let go of every buffer
  reg.timeout.tv_nsec = -1;
  const int r = io_uring_register_sync_cancel(&ring, &reg);
  if (r < 0 && r != -ENOENT) return false;
  // A cancelled request that waited on the socket (a multishot accept, a receive) completes,
  // and lets go of its reference to the socket, in task work, which with DEFER_TASKRUN runs
  // only when we enter the ring for completions: run it now, or the socket outlives close()
  // until the loop's next turn (a listener's port stays taken and even accepts connections).
  // Its CQEs are reaped with the others.
  if (r >= 0) io_uring_get_events(&ring);
  ::close(fd);
  return true;
}

}  // namespace

void close_descriptor(ring& r, int fd) noexcept {
  io_uring& raw = r.raw();
  if (r.has().sync_cancel && close_now(raw, fd)) return;
  // Both SQEs are taken only once the SQ has room for both: taking the second from a full SQ
  // would submit the first unprepared, and the kernel would run whatever request that slot
  // held before (an old recv or close, on a descriptor number that may have been reused).
  const bool cancel_fd = r.has().cancel_fd;
  if (cancel_fd && io_uring_sq_space_left(&raw) < 2) io_uring_submit(&raw);
  const bool linked = cancel_fd && io_uring_sq_space_left(&raw) >= 2;
  io_uring_sqe* cancel = linked ? io_uring_get_sqe(&raw) : nullptr;
  io_uring_sqe* close = linked ? io_uring_get_sqe(&raw) : nullptr;
  if (cancel && close) {
    // The descriptor number stays taken until the close runs, after the cancellation, so the
    // cancellation cannot hit a new socket that reused the number.
    io_uring_prep_cancel_fd(cancel, fd, IORING_ASYNC_CANCEL_ALL);
    io_uring_sqe_set_data64(cancel, k_ignore);
    cancel->flags |= IOSQE_IO_HARDLINK;
    io_uring_prep_close(close, fd);
    io_uring_sqe_set_data64(close, k_ignore);
    return;
  }
  // SQEs still queued may name the descriptor: in the kernel they hold the file itself, so
  // closing the number cannot point them at a socket that reuses it.
  io_uring_submit(&raw);
  // Older kernels: shutting a socket down wakes its pending accept/recv/send.
  ::shutdown(fd, SHUT_RDWR);
  ::close(fd);
}

}  // namespace coronet::detail::uring
