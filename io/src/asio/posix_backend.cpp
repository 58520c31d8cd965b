// The Boost.Asio backend: readiness-based (epoll on Linux). Every operation first tries its
// syscall on the non-blocking descriptor; only when that would block does it wait for readiness
// with stream_descriptor::async_wait and retry when the wait completes. Completions are reported
// through event_loop::complete, inline when the first try settles the operation, otherwise from
// the Asio handler, which run_once runs on the scheduler's thread.
//
// State:
//   - per descriptor (io_handle::impl): a heap `descriptor` with the stream_descriptor and a
//     `closing` flag, reference-counted by hand (one reference for the handle, one for each wait
//     in flight), so that handlers still queued after close() find it alive and closing;
//   - per timeout: a heap `timer_state` owned by its wait handler;
//   - per operation: backend_data points at the descriptor or the timer state, both deriving from
//     `backend_object`, whose kind tells cancel() which of the two it has.
//
// Cancelling a descriptor operation cancels every wait on the descriptor (Asio has no finer
// cancel for plain waits); the waits of the other operations come back with operation_aborted,
// see that their own operation was not cancelled, and wait again.

#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <boost/asio/posix/stream_descriptor.hpp>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <memory>
#include <new>
#include <string_view>
#include <system_error>
#include <utility>

#include "../block_pool.hpp"
#include "asio_loop.hpp"

namespace coronet::detail {
namespace {

using namespace asio_impl;
using wait_type = asio::posix::descriptor_base::wait_type;

// -errno for "would block": the one result on which an operation waits for readiness.
constexpr int would_block = -EAGAIN;

int last_error() noexcept {
  int e = errno;
#if EAGAIN != EWOULDBLOCK
  if (e == EWOULDBLOCK) e = EAGAIN;
#endif
  return -e;
}

int to_result(const boost::system::error_code& ec) noexcept {
  if (ec.category() == boost::system::system_category() && ec.value() > 0) return -ec.value();
  return -EIO;
}

struct descriptor final : backend_object {
  descriptor(asio::io_context& ctx, int fd) : backend_object(kind::io), sd(ctx, fd) {}
  asio::posix::stream_descriptor sd;
  // One for the io_handle until close(), one per wait in flight. Only the scheduler's thread
  // touches it (handlers run there, and so does io_context destruction).
  unsigned refs = 1;
  bool closing = false;
};

void release(descriptor* d) noexcept {
  if (--d->refs == 0) delete d;
}

// A counted reference to a descriptor, carried by each wait handler.
class descriptor_ref {
 public:
  explicit descriptor_ref(descriptor* d) noexcept : d_(d) { ++d_->refs; }
  descriptor_ref(const descriptor_ref& o) noexcept : d_(o.d_) {
    if (d_) ++d_->refs;
  }
  descriptor_ref(descriptor_ref&& o) noexcept : d_(std::exchange(o.d_, nullptr)) {}
  descriptor_ref& operator=(const descriptor_ref&) = delete;
  descriptor_ref& operator=(descriptor_ref&&) = delete;
  ~descriptor_ref() {
    if (d_) release(d_);
  }
  descriptor* operator->() const noexcept { return d_; }
  descriptor& operator*() const noexcept { return *d_; }

 private:
  descriptor* d_;
};

// Which operation a wait handler finishes. Most operations wait on one direction; a poll for
// several (POLLIN|POLLOUT) waits on each and the first to finish the operation wins.
struct single_target {
  operation* op;
  operation* get() const noexcept { return op; }
  void finished() noexcept {}
};

struct poll_group {
  operation* op;
  bool done = false;
};

struct shared_target {
  std::shared_ptr<poll_group> group;
  operation* get() const noexcept { return group->done ? nullptr : group->op; }
  void finished() noexcept { group->done = true; }
};

// The syscalls. Each returns the operation's result, or would_block.
struct accept_call {
  int fd;
  sockaddr* addr;
  socklen_t* len;
  int operator()() const noexcept {
    for (;;) {
      int r = ::accept4(fd, addr, len, SOCK_CLOEXEC);
      if (r >= 0) return r;
      if (errno != EINTR) return last_error();
    }
  }
};

struct connect_call {
  int fd;
  socklen_t len;
  bool in_progress = false;
  // Copied: the caller's address need not outlive the submission, and a connect that would
  // block without starting (AF_UNIX with a full backlog: EAGAIN) is issued again later.
  sockaddr_storage addr;

  int operator()() noexcept {
    if (in_progress) {
      int err = 0;
      socklen_t n = sizeof err;
      if (::getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &n) < 0) return last_error();
      return err == 0 ? 0 : -err;
    }
    if (::connect(fd, reinterpret_cast<const sockaddr*>(&addr), len) == 0) return 0;
    int e = errno;
    if (e == EINPROGRESS || e == EINTR) {  // after EINTR the connection goes on in the background
      in_progress = true;
      return would_block;
    }
    return last_error();
  }
};

struct recv_call {
  int fd;
  void* buf;
  std::size_t len;
  int operator()() const noexcept {
    for (;;) {
      ssize_t r = ::recv(fd, buf, len, MSG_DONTWAIT);
      if (r >= 0) return static_cast<int>(r);
      if (errno != EINTR) return last_error();
    }
  }
};

struct send_call {
  int fd;
  const void* buf;
  std::size_t len;
  int operator()() const noexcept {
    for (;;) {
      ssize_t r = ::send(fd, buf, len, MSG_NOSIGNAL | MSG_DONTWAIT);
      if (r >= 0) return static_cast<int>(r);
      if (errno != EINTR) return last_error();
    }
  }
};

struct read_call {
  int fd;
  void* buf;
  std::size_t len;
  int operator()() const noexcept {
    for (;;) {
      ssize_t r = ::read(fd, buf, len);
      if (r >= 0) return static_cast<int>(r);
      if (errno != EINTR) return last_error();
    }
  }
};

struct write_call {
  int fd;
  const void* buf;
  std::size_t len;
  int operator()() const noexcept {
    for (;;) {
      ssize_t r = ::write(fd, buf, len);
      if (r >= 0) return static_cast<int>(r);
      if (errno != EINTR) return last_error();
    }
  }
};

struct sendmsg_call {
  int fd;
  const msghdr* msg;
  int operator()() const noexcept {
    for (;;) {
      ssize_t r = ::sendmsg(fd, msg, MSG_NOSIGNAL | MSG_DONTWAIT);
      if (r >= 0) return static_cast<int>(r);
      if (errno != EINTR) return last_error();
    }
  }
};

// A failed or would-block recvmsg installs no descriptor, so retrying on readiness never leaks.
struct recvmsg_call {
  int fd;
  msghdr* msg;
  int operator()() const noexcept {
    for (;;) {
      ssize_t r = ::recvmsg(fd, msg, MSG_CMSG_CLOEXEC | MSG_DONTWAIT);
      if (r >= 0) return static_cast<int>(r);
      if (errno != EINTR) return last_error();
    }
  }
};

struct poll_call {
  int fd;
  short events;
  int operator()() const noexcept {
    pollfd p{fd, events, 0};
    int n;
    do n = ::poll(&p, 1, 0);
    while (n < 0 && errno == EINTR);
    if (n < 0) return last_error();
    // Like poll(2) and IORING_OP_POLL_ADD: the requested events plus error and hang-up.
    int ready = p.revents & (events | POLLERR | POLLHUP | POLLNVAL);
    return ready != 0 ? ready : would_block;
  }
};

// Byte counts are ints in operation::result.
constexpr std::size_t clamp_len(std::size_t len) noexcept {
  constexpr std::size_t max = 0x7ffff000;  // what Linux transfers at most in one call anyway
  return len < max ? len : max;
}

class asio_backend final : public asio_loop {
 public:
  // Scheduler shutdown has already waited for every operation; handlers still queued (lingering
  // poll waits) are destroyed with the io_context, releasing what they hold.
  ~asio_backend() override = default;

  void open(io_handle& h) override {
    int fd = h.fd;
    try {
      int flags = ::fcntl(fd, F_GETFL);
      if (flags < 0 || (!(flags & O_NONBLOCK) && ::fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0))
        throw std::system_error(errno, std::system_category(), "coronet: fcntl(O_NONBLOCK)");
      // Registers with epoll; a regular file (EPERM from epoll) is accepted and simply never
      // waits, since its syscalls do not block.
      h.impl = new descriptor(ctx_, fd);
    } catch (...) {
      // open() owns the descriptor: do not leak it when it cannot be put under the backend.
      if (fd >= 0) ::close(fd);
      h.fd = -1;
      h.impl = nullptr;
      throw;
    }
  }

  void close(io_handle& h) noexcept override {
    auto* d = static_cast<descriptor*>(h.impl);
    if (d) {
      d->closing = true;
      boost::system::error_code ec;
      // Deregisters from epoll, aborts every wait (their handlers see `closing` and complete
      // with -ECANCELED), closes the descriptor. Handlers already queued also see `closing`, so
      // none of them retries a syscall on a number the kernel may have handed out again.
      d->sd.close(ec);
      release(d);
    } else if (h.fd >= 0) {
      ::close(h.fd);
    }
    h.fd = -1;
    h.impl = nullptr;
  }

  void accept(operation& op, io_handle& h, sockaddr* addr, socklen_t* len) override {
    start(op, h, wait_type::wait_read, accept_call{h.fd, addr, len});
  }

  void connect(operation& op, io_handle& h, const sockaddr* addr, socklen_t len) override {
    connect_call call{h.fd, len, false, {}};
    if (len > sizeof call.addr) {
      complete(op, -EINVAL);
      return;
    }
    if (len != 0) std::memcpy(&call.addr, addr, len);
    start(op, h, wait_type::wait_write, call);
  }

  void read_some(operation& op, io_handle& h, void* buf, std::size_t len) override {
    if (h.type == io_handle::kind::socket)
      start(op, h, wait_type::wait_read, recv_call{h.fd, buf, clamp_len(len)});
    else
      start(op, h, wait_type::wait_read, read_call{h.fd, buf, clamp_len(len)});
  }

  void write_some(operation& op, io_handle& h, const void* buf, std::size_t len) override {
    if (h.type == io_handle::kind::socket)
      start(op, h, wait_type::wait_write, send_call{h.fd, buf, clamp_len(len)});
    else
      start(op, h, wait_type::wait_write, write_call{h.fd, buf, clamp_len(len)});
  }

  // receive(): a block is taken only when the socket is readable, and given back if the recv
  // still would block, so a connection waiting for its peer holds no buffer here either. Other
  // descriptors (pipes) read into a block taken up front.
  void recv_lent(operation& op, io_handle& h, lent_buffer& out) override {
    if (h.type == io_handle::kind::socket) {
      start(op, h, wait_type::wait_read, lent_recv_call{this, h.fd, &out});
      return;
    }
    out = pool_.take();
    try {
      read_some(op, h, out.data, out.capacity);
    } catch (...) {
      pool_.give_back(std::exchange(out, {}).data);
      throw;
    }
  }
  void give_back(const lent_buffer& b) noexcept override {
    if (b.data) pool_.give_back(b.data);
  }
  lending_stats lending() const noexcept override { return {pool_.out(), true}; }

  void sendmsg(operation& op, io_handle& h, const msghdr* msg) override {
    start(op, h, wait_type::wait_write, sendmsg_call{h.fd, msg});
  }

  void recvmsg(operation& op, io_handle& h, msghdr* msg) override {
    start(op, h, wait_type::wait_read, recvmsg_call{h.fd, msg});
  }

  void poll(operation& op, io_handle& h, short events) override {
    auto* d = static_cast<descriptor*>(h.impl);
    if (!d) {
      complete(op, -EBADF);
      return;
    }
    poll_call call{h.fd, events};
    int r = call();
    if (r != would_block) {
      complete(op, r);
      return;
    }
    if (op.cancel_requested) {
      complete(op, -ECANCELED);
      return;
    }

    const bool want_read = events & (POLLIN | POLLRDNORM | POLLRDBAND | POLLRDHUP);
    const bool want_write = events & (POLLOUT | POLLWRNORM | POLLWRBAND);
    // POLLPRI, or nothing at all (wait for error/hang-up only): the reactor's exception queue,
    // which also runs on EPOLLERR and EPOLLHUP.
    const bool want_except = (events & POLLPRI) || (!want_read && !want_write);
    const int waits = want_read + want_write + want_except;

    op.backend_data = static_cast<backend_object*>(d);
    if (waits == 1) {
      arm(d, single_target{&op},
          want_read    ? wait_type::wait_read
          : want_write ? wait_type::wait_write
                       : wait_type::wait_error,
          call);
      return;
    }
    std::shared_ptr<poll_group> group;
    try {
      group = std::make_shared<poll_group>(poll_group{&op});
    } catch (...) {
      finish(op, -ENOMEM);
      return;
    }
    // Each arm() finishes the operation itself (and marks the group done) if it cannot wait,
    // so a later one finds the group done and does nothing.
    if (want_read) arm(d, shared_target{group}, wait_type::wait_read, call);
    if (want_write && !group->done) arm(d, shared_target{group}, wait_type::wait_write, call);
    if (want_except && !group->done) arm(d, shared_target{group}, wait_type::wait_error, call);
  }

 private:
  // One readiness wait of an operation: when it completes, retry the syscall or wait again.
  template <class Target, class Call>
  struct wait_handler {
    asio_backend* self;
    descriptor_ref d;
    Target target;
    wait_type w;
    Call call;

    void operator()(const boost::system::error_code& ec) {
      operation* op = target.get();
      if (!op) return;  // another wait of the same poll finished it
      if (op->cancel_requested || d->closing) return done(*op, -ECANCELED);
      // operation_aborted here means another operation on this descriptor was cancelled, which
      // cancels every wait on it. Try the syscall before waiting again: the reactor is
      // edge-triggered, and an edge that came while no wait was queued will not come again.
      if (ec && ec != asio::error::operation_aborted) return done(*op, to_result(ec));
      int r = call();
      if (r == would_block) return rearm(*op);
      done(*op, r);
    }

    void done(operation& op, int r) noexcept {
      target.finished();
      self->finish(op, r);
    }

    void rearm(operation& op) noexcept {
      descriptor& desc = *d;
      asio_backend* backend = self;
      Target t = target;
      try {
        desc.sd.async_wait(w, std::move(*this));
      } catch (...) {
        // Only the handler's allocation can fail, before *this is moved from.
        if (t.get()) {
          t.finished();
          backend->finish(op, -ENOMEM);
        }
      }
    }
  };

  void cancel_io(operation&, backend_object* obj) noexcept override {
    boost::system::error_code ec;
    static_cast<descriptor*>(obj)->sd.cancel(ec);
  }

  // Try now; wait for readiness only if the syscall would block.
  template <class Call>
  void start(operation& op, io_handle& h, wait_type w, Call call) {
    auto* d = static_cast<descriptor*>(h.impl);
    if (!d) {
      complete(op, -EBADF);
      return;
    }
    int r = call();
    if (r != would_block) {
      complete(op, r);
      return;
    }
    if (op.cancel_requested) {
      complete(op, -ECANCELED);
      return;
    }
    op.backend_data = static_cast<backend_object*>(d);
    arm(d, single_target{&op}, w, std::move(call));
  }

  struct lent_recv_call {
    asio_backend* self;
    int fd;
    lent_buffer* out;
    int operator()() const noexcept {
      if (!out->data) {
        try {
          *out = self->pool_.take();
        } catch (...) {
          return -ENOMEM;
        }
      }
      const int r = recv_call{fd, out->data, out->capacity}();
      if (r == would_block) self->pool_.give_back(std::exchange(*out, {}).data);
      return r;
    }
  };

  // Start one wait; if that fails (no memory), finish the operation with the error instead, so
  // that a started operation always completes exactly once.
  template <class Target, class Call>
  void arm(descriptor* d, Target target, wait_type w, Call call) noexcept {
    Target t = target;
    try {
      d->sd.async_wait(w, wait_handler<Target, Call>{this, descriptor_ref(d), std::move(target), w,
                                                     std::move(call)});
    } catch (...) {
      if (operation* op = t.get()) {
        t.finished();
        finish(*op, -ENOMEM);
      }
    }
  }

  block_pool pool_;
};

}  // namespace

std::unique_ptr<io_backend> make_asio_backend() {
  return std::make_unique<asio_backend>();
}

}  // namespace coronet::detail
