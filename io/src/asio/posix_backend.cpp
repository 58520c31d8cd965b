// The Boost.Asio backend: readiness-based (epoll on Linux). Every operation first makes its
// attempt (its syscall on the non-blocking descriptor); only when that would block does it wait
// for readiness with stream_descriptor::async_wait and attempt again when the wait completes.
// That loop is written once for all operations (start, attempt_now, arm, wait_handler); an
// operation only says what its attempt is. Completions are reported through
// event_loop::complete, inline when the first attempt settles the operation, otherwise from the
// Asio handler, which run_once runs on the scheduler's thread.
//
// State:
//   - per descriptor (io_handle::impl): a `descriptor`, the descriptor_holder
//     (descriptor_holder.hpp, shared with the Windows backend) of its stream_descriptor,
//     reference-counted (one reference for the handle, one for each wait in flight), so that
//     handlers still queued after close() find it alive and closing;
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
#include "descriptor_holder.hpp"

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

using descriptor = descriptor_holder<asio::posix::stream_descriptor>;

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

// One attempt of an operation: its syscall (a count or a descriptor, or -1 with errno), issued
// again at once when a signal interrupts it, since EINTR says nothing about readiness. What comes
// back is the operation's result or -errno, would_block meaning "wait for readiness and attempt
// again". Most operations are one syscall made into an attempt; connect, poll and receive()
// into a lent block add a step of their own around theirs.
template <class Syscall>
struct attempt {
  Syscall syscall;
  int operator()() const noexcept {
    for (;;) {
      const auto r = syscall();
      if (r >= 0) return static_cast<int>(r);
      if (errno != EINTR) return last_error();
    }
  }
};
template <class Syscall>
attempt(Syscall) -> attempt<Syscall>;  // clang 14 deduces no aggregate templates by itself

auto recv_attempt(int fd, void* buf, std::size_t len) noexcept {
  return attempt{[=] { return ::recv(fd, buf, len, MSG_DONTWAIT); }};
}

// Connect is not issued again like the others: after EINPROGRESS or EINTR the connection goes on
// in the background, and what is attempted once the socket is writable is reading its outcome.
struct connect_attempt {
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

// Poll answers with the events that are ready, and "would block" when none is.
struct poll_attempt {
  int fd;
  short events;
  int operator()() const noexcept {
    pollfd p{fd, events, 0};
    const int n = attempt{[&p] { return ::poll(&p, 1, 0); }}();
    if (n < 0) return n;
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
    if (auto* d = descriptor::of(h)) {
      // Deregisters from epoll, aborts every wait (their handlers see `closing` and complete
      // with -ECANCELED), closes the descriptor. Handlers already queued also see `closing`, so
      // none of them retries a syscall on a number the kernel may have handed out again.
      d->close([](asio::posix::stream_descriptor& sd) noexcept {
        boost::system::error_code ec;
        sd.close(ec);
      });
    } else if (h.fd >= 0) {
      ::close(h.fd);
    }
    h.fd = -1;
    h.impl = nullptr;
  }

  void accept(operation& op, io_handle& h, sockaddr* addr, socklen_t* len) override {
    start(op, h, wait_type::wait_read,
          attempt{[fd = h.fd, addr, len] { return ::accept4(fd, addr, len, SOCK_CLOEXEC); }});
  }

  void connect(operation& op, io_handle& h, const sockaddr* addr, socklen_t len) override {
    connect_attempt perform{h.fd, len, false, {}};
    if (len > sizeof perform.addr) {
      complete(op, -EINVAL);
      return;
    }
    if (len != 0) std::memcpy(&perform.addr, addr, len);
    start(op, h, wait_type::wait_write, perform);
  }

  void read_some(operation& op, io_handle& h, void* buf, std::size_t len) override {
    if (h.type == io_handle::kind::socket)
      start(op, h, wait_type::wait_read, recv_attempt(h.fd, buf, clamp_len(len)));
    else
      start(op, h, wait_type::wait_read,
            attempt{[fd = h.fd, buf, n = clamp_len(len)] { return ::read(fd, buf, n); }});
  }

  void write_some(operation& op, io_handle& h, const void* buf, std::size_t len) override {
    if (h.type == io_handle::kind::socket)
      start(op, h, wait_type::wait_write, attempt{[fd = h.fd, buf, n = clamp_len(len)] {
              return ::send(fd, buf, n, MSG_NOSIGNAL | MSG_DONTWAIT);
            }});
    else
      start(op, h, wait_type::wait_write,
            attempt{[fd = h.fd, buf, n = clamp_len(len)] { return ::write(fd, buf, n); }});
  }

  // receive(): a block is taken only when the socket is readable, and given back if the recv
  // still would block, so a connection waiting for its peer holds no buffer here either. Other
  // descriptors (pipes) read into a block taken up front.
  void recv_lent(operation& op, io_handle& h, lent_buffer& out) override {
    if (h.type == io_handle::kind::socket) {
      start(op, h, wait_type::wait_read, lent_recv_attempt{this, h.fd, &out});
      return;
    }
    read_into_block(*this, pool_, op, h, out);
  }
  void give_back(const lent_buffer& b) noexcept override {
    if (b.data) pool_.give_back(b.data);
  }
  lending_stats lending() const noexcept override { return {pool_.out(), true}; }

  void sendmsg(operation& op, io_handle& h, const msghdr* msg) override {
    start(op, h, wait_type::wait_write,
          attempt{[fd = h.fd, msg] { return ::sendmsg(fd, msg, MSG_NOSIGNAL | MSG_DONTWAIT); }});
  }

  // A failed or would-block recvmsg installs no descriptor, so attempting again on readiness
  // never leaks.
  void recvmsg(operation& op, io_handle& h, msghdr* msg) override {
    start(op, h, wait_type::wait_read, attempt{[fd = h.fd, msg] {
            return ::recvmsg(fd, msg, MSG_CMSG_CLOEXEC | MSG_DONTWAIT);
          }});
  }

  void poll(operation& op, io_handle& h, short events) override {
    poll_attempt perform{h.fd, events};
    descriptor* d = attempt_now(op, h, perform);
    if (!d) return;

    const bool want_read = events & (POLLIN | POLLRDNORM | POLLRDBAND | POLLRDHUP);
    const bool want_write = events & (POLLOUT | POLLWRNORM | POLLWRBAND);
    // POLLPRI, or nothing at all (wait for error/hang-up only): the reactor's exception queue,
    // which also runs on EPOLLERR and EPOLLHUP.
    const bool want_except = (events & POLLPRI) || (!want_read && !want_write);
    const int waits = want_read + want_write + want_except;

    if (waits == 1) {
      arm(d, single_target{&op},
          want_read    ? wait_type::wait_read
          : want_write ? wait_type::wait_write
                       : wait_type::wait_error,
          perform);
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
    if (want_read) arm(d, shared_target{group}, wait_type::wait_read, perform);
    if (want_write && !group->done) arm(d, shared_target{group}, wait_type::wait_write, perform);
    if (want_except && !group->done) arm(d, shared_target{group}, wait_type::wait_error, perform);
  }

 private:
  // The readiness loop every operation goes through: attempt the syscall now (`perform`, one
  // attempt: a result, or would_block); while it would block, wait for the descriptor's
  // readiness in direction `w` and attempt again. The operation completes exactly once, through
  // complete() or finish(), with the first result that is not would_block, or -ECANCELED.
  template <class Perform>
  void start(operation& op, io_handle& h, wait_type w, Perform perform) {
    if (descriptor* d = attempt_now(op, h, perform))
      arm(d, single_target{&op}, w, std::move(perform));
  }

  // The first attempt, made before any wait: it settles most operations. Returns the descriptor
  // to wait on if the attempt would block and the operation may wait (op.backend_data then
  // points at it, for cancel()); otherwise completes the operation and returns null.
  template <class Perform>
  descriptor* attempt_now(operation& op, io_handle& h, Perform& perform) {
    auto* d = descriptor::of(h);
    if (!d) {
      complete(op, -EBADF);
      return nullptr;
    }
    const int r = perform();
    if (r != would_block) {
      complete(op, r);
      return nullptr;
    }
    if (op.cancel_requested) {
      complete(op, -ECANCELED);
      return nullptr;
    }
    op.backend_data = static_cast<backend_object*>(d);
    return d;
  }

  // Start one wait; if that fails (no memory), finish the operation with the error instead, so
  // that a started operation always completes exactly once.
  template <class Target, class Perform>
  void arm(descriptor* d, Target target, wait_type w, Perform perform) noexcept {
    Target t = target;
    try {
      d->object.async_wait(
          w, wait_handler<Target, Perform>{this, descriptor::ref(d), std::move(target), w,
                                           std::move(perform)});
    } catch (...) {
      if (operation* op = t.get()) {
        t.finished();
        finish(*op, -ENOMEM);
      }
    }
  }

  // One readiness wait of an operation: when it completes, attempt again or wait again.
  template <class Target, class Perform>
  struct wait_handler {
    asio_backend* self;
    descriptor::ref d;
    Target target;
    wait_type w;
    Perform perform;

    void operator()(const boost::system::error_code& ec) {
      operation* op = target.get();
      if (!op) return;  // another wait of the same poll finished it
      if (op->cancel_requested || d->closing) return done(*op, -ECANCELED);
      // operation_aborted here means another operation on this descriptor was cancelled, which
      // cancels every wait on it. Attempt before waiting again: the reactor is edge-triggered,
      // and an edge that came while no wait was queued will not come again.
      if (ec && ec != asio::error::operation_aborted) return done(*op, to_result(ec));
      int r = perform();
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
        desc.object.async_wait(w, std::move(*this));
      } catch (...) {
        // Only the handler's allocation can fail, before *this is moved from.
        if (t.get()) {
          t.finished();
          backend->finish(op, -ENOMEM);
        }
      }
    }
  };

  // receive(): the block is taken at the attempt, so only once the socket is readable.
  struct lent_recv_attempt {
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
      const int r = recv_attempt(fd, out->data, out->capacity)();
      if (r == would_block) self->pool_.give_back(std::exchange(*out, {}).data);
      return r;
    }
  };

  void cancel_io(operation&, backend_object* obj) noexcept override {
    boost::system::error_code ec;
    static_cast<descriptor*>(obj)->object.cancel(ec);
  }

  block_pool pool_;
};

}  // namespace

std::unique_ptr<io_backend> make_asio_backend() {
  return std::make_unique<asio_backend>();
}

}  // namespace coronet::detail
