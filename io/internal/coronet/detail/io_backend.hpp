// The backend seam: the socket half of the operations every backend provides (the loop half,
// timeouts and cancellation, is detail::event_loop in core/). Each call starts one operation
// whose completion record `op` the caller keeps alive, at a fixed address, until the backend has
// called event_loop::complete on it. Results are what the syscall would return: >= 0, or -errno.
//
// Three implementations, each in its own folder: io/src/uring (Linux, completion-based,
// liburing), io/src/asio/posix_backend (readiness-based, Boost.Asio on epoll: the Linux
// fallback) and io/src/asio/windows_backend (completion-based, Boost.Asio's IOCP). The readiness
// backend retries the syscall when the descriptor is ready, so all look the same from above:
// short reads and writes are normal and handled by callers.
//
// This header is io's own (io/internal, never installed): stream, listener and child hold an
// io_handle and a pointer to their backend, and only io/ and process/ sources call through it.
#pragma once

#include <cstddef>
#include <memory>

#include "coronet/detail/event_loop.hpp"
#include "coronet/detail/io_handle.hpp"
#include "coronet/detail/native.hpp"
#include "coronet/detail/operation.hpp"
#include "coronet/received.hpp"

namespace coronet::detail {

class io_backend : public event_loop, public buffer_lender {
 public:
  // Put a descriptor that coronet created (socket, accept, socketpair) under this backend;
  // sets the blocking mode the backend needs. Takes ownership of h.fd: if it throws, it has
  // closed h.fd and set it to -1. Every handle must be closed before the backend is destroyed.
  virtual void open(io_handle& h) = 0;
  // Cancel every operation still pending on `h` (they complete with -ECANCELED) and close it.
  virtual void close(io_handle& h) noexcept = 0;

  // accept4(SOCK_CLOEXEC); the new descriptor is not yet open()ed. addr/len may be null.
  virtual void accept(operation& op, io_handle& h, sockaddr* addr, socklen_t* len) = 0;
  virtual void connect(operation& op, io_handle& h, const sockaddr* addr, socklen_t len) = 0;
  // Read or write some bytes: recv/send on a kind::socket handle (send never raises SIGPIPE),
  // read/write on any other kind (pipes, signalfd, eventfd). The backend picks by `h.type`, so
  // nobody above the seam asks which kind a descriptor is.
  virtual void read_some(operation& op, io_handle& h, void* buf, std::size_t len) = 0;
  virtual void write_some(operation& op, io_handle& h, const void* buf, std::size_t len) = 0;
  // Wait for readiness (POLLIN/POLLOUT...); the result is the ready events among those asked
  // for, plus POLLERR/POLLHUP/POLLNVAL, as poll(2) reports them. Windows: only for a
  // kind::waitable handle, and `events` is ignored: completes with 0 once it is signalled.
  virtual void poll(operation& op, io_handle& h, short events) = 0;
#ifdef _WIN32
  // A server end of a named pipe (kind::stream) waits for a client: ConnectNamedPipe.
  virtual void accept_pipe(operation& op, io_handle& h) = 0;
#else
  // sendmsg(2) and recvmsg(2) on a socket: what passes descriptors (SCM_RIGHTS) over a Unix
  // socket. `msg`, its iovecs and its control buffer stay valid until the completion. The send
  // never raises SIGPIPE (MSG_NOSIGNAL). The receive adds MSG_CMSG_CLOEXEC, so every descriptor
  // it brings in is close-on-exec, and updates msg->msg_flags (MSG_CTRUNC) and msg_controllen as
  // recvmsg(2) does. The result is the byte count. A receive that completes with a result >= 0
  // has installed the descriptors its control data names: the caller owns them from then on,
  // also when nobody is left to look at them. Not on Windows, which has no SCM_RIGHTS.
  virtual void sendmsg(operation& op, io_handle& h, const msghdr* msg) = 0;
  virtual void recvmsg(operation& op, io_handle& h, msghdr* msg) = 0;
#endif

  // Receive into a buffer the backend lends (stream::receive): completes with the byte count
  // (0: end of stream) or -errno. `out`, which the caller keeps at a fixed address like `op`,
  // names the lent buffer once op completes; whatever the result, the caller gives back a
  // buffer `out` holds (buffer_lender::give_back). The io_uring backend lends from a
  // provided-buffer ring that the kernel draws from only when data arrives; the others lend
  // blocks of a block_pool (io/src/block_pool.hpp).
  virtual void recv_lent(operation& op, io_handle& h, lent_buffer& out) = 0;

  // For tests and diagnostics: buffers lent out now (held by `received` objects, queued for a
  // reader, or, unless lent on arrival, under a pending receive), and whether recv_lent() waits
  // without holding a buffer (io_uring's ring; the epoll backend, which takes a block only once
  // the socket is readable).
  struct lending_stats {
    std::size_t lent = 0;
    bool on_arrival = false;
  };
  virtual lending_stats lending() const noexcept = 0;
  std::size_t buffers_lent() const noexcept {
    return lending().lent;
  }
  bool lends_on_arrival() const noexcept {
    return lending().on_arrival;
  }
};

// Constructors of the two backends; each throws std::system_error when it cannot start.
#ifdef __linux__
std::unique_ptr<io_backend> make_uring_backend();
#endif
std::unique_ptr<io_backend> make_asio_backend();

// The backend for a new scheduler: CORONET_BACKEND=uring|asio forces one; otherwise io_uring, and
// Asio when io_uring cannot be set up (ENOSYS, EPERM: seccomp or kernel.io_uring_disabled;
// ENOMEM: memlock limit). With CORONET_DEBUG set, each kind of choice is logged once to stderr.
// CORONET_URING_ENTRIES=SQ or SQ:CQ (default 1024:16384) sizes the io_uring queues: a detail
// knob with which tests run on a tiny ring (e.g. 4:8), where queues fill up all the time.
std::unique_ptr<io_backend> make_backend();

// The backend of the current scheduler. Checked, not assumed: a scheduler made with some other
// event_loop (core/ allows it) throws std::logic_error here instead of being misread. Awaiters
// never downcast their loop: they keep the io_backend they were started on.
io_backend& current_backend();

// Put `fd` under the current scheduler's backend as `h` and return that backend; on failure
// (no scheduler, open() failing) `fd` is closed and the exception propagates.
io_backend& adopt(io_handle& h, native_handle_type fd,
                  io_handle::kind type = io_handle::kind::socket);
// The same on a backend the caller already holds (a listener's, for each accepted connection):
// no look-up of the current scheduler's backend.
void adopt_on(io_backend& b, io_handle& h, native_handle_type fd,
              io_handle::kind type = io_handle::kind::socket);

}  // namespace coronet::detail
