// The io_uring backend: every operation is one SQE whose user_data is the operation record; its
// CQE completes it. Submission is batched: SQEs queued while coroutines run go to the kernel in
// the one io_uring_enter of the next run_once, which also waits for completions. Two kinds of
// descriptor get a standing multishot request instead, whose CQEs are queued per descriptor
// until someone awaits them: listeners (multishot accept) and streams read with receive()
// (multishot receive into the provided-buffer ring).
#include <liburing.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <memory>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

#include "buffer_ring.hpp"
#include "coronet/detail/io_backend.hpp"
#include "coronet/error.hpp"

#if defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define CORONET_TSAN 1
#endif
#endif
#if defined(__SANITIZE_THREAD__) && !defined(CORONET_TSAN)
#define CORONET_TSAN 1
#endif
#ifdef CORONET_TSAN
#include <sanitizer/tsan_interface.h>
#endif

namespace coronet::detail {
namespace {

// user_data values that are not operation records.
constexpr __u64 k_ignore = 0;  // cancellations and closes: their outcome is seen on the target
constexpr __u64 k_wake = 2;    // the eventfd read that wake() completes

// liburing maps and unmaps its rings with raw system calls, which ThreadSanitizer does not see: a
// ring mapped where another thread's ring was unmapped looks as if it raced with that thread's
// last writes to it. The kernel orders the unmap before the new mapping; these two tell
// ThreadSanitizer so (and are nothing in other builds).
[[maybe_unused]] char ring_mappings;
void ring_mapped() noexcept {
#ifdef CORONET_TSAN
  __tsan_acquire(&ring_mappings);
#endif
}
void ring_unmapping() noexcept {
#ifdef CORONET_TSAN
  __tsan_release(&ring_mappings);
#endif
}

int timeout_tag;  // backend_data of timeout operations, whose expiry (-ETIME) is success
int send_zc_tag;  // backend_data of zero-copy sends, which complete at their notification CQE

// What a zero-copy send keeps in operation::backend_scratch, to be sent again without zero-copy
// where the socket does not support it.
struct zc_send {
  static constexpr std::uint32_t k_sent = 0x80000000u;  // in len: only the notification is due
  const void* buf;
  std::uint32_t len;  // at most 0x7fffffff (clamp), so the top bit is free for k_sent
  int fd;
};

constexpr unsigned short k_buffer_group = 0;  // the provided-buffer ring's group id

// What the backend keeps for a descriptor served by a standing multishot request (io_handle's
// impl). Listed in the backend, so that teardown finds those whose multishot had not ended yet.
struct handle_state {
  enum class kind : unsigned char { acceptor, receiver };
  explicit handle_state(kind k, int f) noexcept : type(k), fd(f) {}
  kind type;
  int fd;
  bool armed = false;    // the multishot request is in the kernel
  bool closing = false;  // close() ran: delete once the multishot has ended
  handle_state* prev = nullptr;
  handle_state* next = nullptr;
};

// A listener served by one multishot accept: the kernel accepts every connection as it arrives
// and posts a CQE for each, so the accept loop costs no SQE per connection. Connections accepted
// while nobody awaits accept() wait here; past k_backlog, the multishot is cancelled and the
// kernel's own backlog takes over until the queue drains.
struct acceptor : handle_state {
  static constexpr std::size_t k_backlog = 128;
  explicit acceptor(int f) noexcept : handle_state(kind::acceptor, f) {}
  std::deque<int> ready;
  std::deque<operation*> waiting;
};

// A stream read with receive(): one multishot receive draws a ring buffer for each arrival.
// What arrives while nobody waits is queued; past k_backlog queued chunks the multishot is
// cancelled, so that one slow reader cannot drain the ring every other stream shares, and re-armed
// once the reader has caught up. read_some on such a stream copies from the same queue, so the
// two ways of reading never reorder bytes.
struct receiver : handle_state {
  static constexpr std::size_t k_backlog = 8;
  static constexpr unsigned k_no_buffer = ~0u;
  explicit receiver(int f) noexcept : handle_state(kind::receiver, f) {}
  struct chunk {
    int res;               // bytes (from offset 0 of the buffer), 0 at end of stream, or -errno
    std::uint32_t offset;  // bytes already copied out by read_some
    unsigned id;           // ring buffer, or k_no_buffer
  };
  std::vector<chunk> ready;  // from `head` on; empty (no allocation) while idle
  std::size_t head = 0;
  operation* waiting = nullptr;
  std::size_t queued() const noexcept { return ready.size() - head; }
};

// Where a read waiting on a receiver wants its data (in operation::backend_scratch): a lent
// buffer (`out`), or a copy into the caller's buffer.
struct receive_wait {
  void* target;  // lent_buffer* when `lend`, else the destination bytes
  std::uint32_t len;
  std::uint32_t lend;
};
static_assert(sizeof(receive_wait) <= sizeof(operation::backend_scratch));
static_assert(sizeof(zc_send) <= sizeof(operation::backend_scratch));

receive_wait wait_of(const operation& op) noexcept {
  receive_wait w;
  std::memcpy(&w, op.backend_scratch, sizeof w);
  return w;
}

// The user_data of a multishot request: the state's address with the low bit set, which no
// operation record (aligned) has.
__u64 state_tag(handle_state* s) {
  return reinterpret_cast<std::uintptr_t>(s) | 1u;
}

// The ring's size: 1024 SQ entries (a turn rarely queues more; a full SQ is submitted early) and
// 16384 CQ entries (bursts from thousands of connections land without overflowing).
// CORONET_URING_ENTRIES=SQ or SQ:CQ (a detail knob for tests, e.g. "4:8") makes it smaller, so
// that the full-queue paths (SQ submitted early, CQ overflow flushed later) run under load.
struct ring_size {
  unsigned sq = 1024;
  unsigned cq = 16384;
};

ring_size ring_size_from_env() {
  ring_size r;
  const char* env = std::getenv("CORONET_URING_ENTRIES");
  if (!env || !*env) return r;
  unsigned sq = 0, cq = 0;
  int used = 0;
  const int n = std::sscanf(env, "%u%n:%u%n", &sq, &used, &cq, &used);
  const bool ok = n >= 1 && env[used] == '\0' && sq >= 1 && sq <= 32768 &&
                  (n == 1 || (cq >= sq && cq <= 65536));
  if (!ok)
    throw std::system_error(EINVAL, std::system_category(),
                            "CORONET_URING_ENTRIES must be SQ or SQ:CQ (1 <= SQ <= 32768, "
                            "SQ <= CQ <= 65536), not '" +
                                std::string(env) + "'");
  r.sq = sq;
  r.cq = n == 2 ? cq : 2 * sq;
  return r;
}

bool kernel_at_least(int major, int minor) {
  utsname u{};
  if (uname(&u) != 0) return false;
  int ma = 0, mi = 0;
  if (std::sscanf(u.release, "%d.%d", &ma, &mi) != 2) return false;
  return ma > major || (ma == major && mi >= minor);
}

class uring_backend final : public io_backend {
 public:
  uring_backend() {
    init_ring();
    probe();
    wake_fd_ = ::eventfd(0, EFD_CLOEXEC);
    if (wake_fd_ < 0) {
      int err = errno;
      exit_ring();
      throw_errno(err, "io_uring: eventfd");
    }
    arm_wake();
  }

  ~uring_backend() override {
    // Closes queued in the last turn must still reach the kernel, and connections a multishot
    // accept took but nobody reaped must be closed: nothing else will.
    io_uring_submit(&ring_);
    io_uring_cqe* cqe;
    unsigned head;
    unsigned seen = 0;
    io_uring_for_each_cqe(&ring_, head, cqe) {
      ++seen;
      // A multishot accept's result is a descriptor; a multishot receive's is a byte count.
      if ((cqe->user_data & 1u) && cqe->res >= 0 &&
          state_of(cqe->user_data)->type == handle_state::kind::acceptor)
        ::close(cqe->res);
    }
    io_uring_cq_advance(&ring_, seen);
    buffers_.teardown(ring_);
    exit_ring();
    ::close(wake_fd_);
    // States closed while their multishot was still ending; no CQE will come for them now.
    while (states_) {
      handle_state* s = states_;
      if (s->type == handle_state::kind::acceptor)
        for (int fd : static_cast<acceptor*>(s)->ready) ::close(fd);
      destroy(s);
    }
  }

  std::string_view name() const noexcept override { return "io_uring"; }
  bool multishot_accept() const noexcept override { return multishot_accept_; }
  bool lends_on_arrival() const noexcept override { return buffers_.ready(); }
  std::size_t buffers_lent() const noexcept override {
    return io_backend::buffers_lent() +
           (buffers_.ready() ? buffer_ring::k_entries - buffers_.available() : 0);
  }

  void run_once(bool block) override {
    if (rearm_needed_) rearm();
    int r;
    if (block)
      r = io_uring_submit_and_wait(&ring_, 1);
    else if (defer_taskrun_)
      r = io_uring_submit_and_get_events(&ring_);
    else
      r = io_uring_submit(&ring_);
    // EINTR: a signal; EBUSY/EAGAIN: the CQ is backed up, reaping below makes room.
    if (r < 0 && r != -EINTR && r != -EBUSY && r != -EAGAIN && r != -ETIME)
      throw_errno(-r, "io_uring_enter");
    reap();
  }

  void wake() noexcept override {
    std::uint64_t one = 1;
    // A full counter (EAGAIN) already means "wake up"; nothing else can fail here.
    [[maybe_unused]] ssize_t n = ::write(wake_fd_, &one, sizeof one);
  }

  void timeout(operation& op, std::chrono::steady_clock::time_point deadline) override {
    // IORING_TIMEOUT_ABS counts on CLOCK_MONOTONIC, which is what steady_clock reads on Linux.
    auto ns =
        std::chrono::duration_cast<std::chrono::nanoseconds>(deadline.time_since_epoch()).count();
    if (ns < 0) ns = 0;
    auto* ts = new (op.backend_scratch) __kernel_timespec{};
    ts->tv_sec = ns / 1'000'000'000;
    ts->tv_nsec = ns % 1'000'000'000;
    op.backend_data = &timeout_tag;
    io_uring_sqe* sqe = get_sqe();
    io_uring_prep_timeout(sqe, ts, 0, IORING_TIMEOUT_ABS);
    io_uring_sqe_set_data(sqe, &op);
  }

  void cancel(operation& op) noexcept override {
    if (!op.pending) return;
    op.cancel_requested = true;
    if (op.backend_data == &send_zc_tag) {
      zc_send z;
      std::memcpy(&z, op.backend_scratch, sizeof z);
      if (z.len & zc_send::k_sent) {
        // The send is done and only its notification is due, which comes when the kernel frees
        // the data it queued: never, if the peer has stopped reading. Nothing is left to cancel,
        // so drop the connection (AF_UNSPEC disconnects a TCP socket and purges its send
        // queue): a cancelled partial write has made the stream unusable anyway.
        sockaddr unspec{};
        unspec.sa_family = AF_UNSPEC;
        ::connect(z.fd, &unspec, sizeof unspec);
        return;
      }
    }
    if (op.backend_data && op.backend_data != &timeout_tag && op.backend_data != &send_zc_tag) {
      // Waiting on a multishot request: the kernel holds nothing of this operation, and what
      // arrives later stays queued for the next reader.
      auto* s = static_cast<handle_state*>(op.backend_data);
      if (s->type == handle_state::kind::acceptor)
        std::erase(static_cast<acceptor*>(s)->waiting, &op);
      else if (static_cast<receiver*>(s)->waiting == &op)
        static_cast<receiver*>(s)->waiting = nullptr;
      op.backend_data = nullptr;
      complete(op, -ECANCELED);
      return;
    }
    submit_cancel(op);
  }

  // Without an SQE the cancellation waits for the next run_once: dropping it could leave an
  // operation on an idle socket pending for ever, and cancel_and_wait waiting with it.
  void submit_cancel(operation& op) noexcept {
    io_uring_sqe* sqe = try_get_sqe();
    if (!sqe) {
      deferred_cancels_.push_back(&op);
      rearm_needed_ = true;
      return;
    }
    io_uring_prep_cancel(sqe, &op, 0);
    io_uring_sqe_set_data64(sqe, k_ignore);
  }

  void open(io_handle&) override {}  // io_uring works on blocking descriptors as they are

  void close(io_handle& h) noexcept override {
    if (h.fd < 0) return;
    if (h.impl) close_state(static_cast<handle_state*>(h.impl));
    h.impl = nullptr;
    if (sync_cancel_ && close_now(h.fd)) {
      h.fd = -1;
      return;
    }
    // Both SQEs are taken only once the SQ has room for both: taking the second from a full SQ
    // would submit the first unprepared, and the kernel would run whatever request that slot
    // held before (an old recv or close, on a descriptor number that may have been reused).
    if (cancel_fd_ && io_uring_sq_space_left(&ring_) < 2) io_uring_submit(&ring_);
    const bool linked = cancel_fd_ && io_uring_sq_space_left(&ring_) >= 2;
    io_uring_sqe* cancel = linked ? io_uring_get_sqe(&ring_) : nullptr;
    io_uring_sqe* close = linked ? io_uring_get_sqe(&ring_) : nullptr;
    if (cancel && close) {
      // The descriptor number stays taken until the close runs, after the cancellation, so the
      // cancellation cannot hit a new socket that reused the number.
      io_uring_prep_cancel_fd(cancel, h.fd, IORING_ASYNC_CANCEL_ALL);
      io_uring_sqe_set_data64(cancel, k_ignore);
      cancel->flags |= IOSQE_IO_HARDLINK;
      io_uring_prep_close(close, h.fd);
      io_uring_sqe_set_data64(close, k_ignore);
    } else {
      // SQEs still queued may name the descriptor: in the kernel they hold the file itself, so
      // closing the number cannot point them at a socket that reuses it.
      io_uring_submit(&ring_);
      // Older kernels: shutting a socket down wakes its pending accept/recv/send.
      ::shutdown(h.fd, SHUT_RDWR);
      ::close(h.fd);
    }
    h.fd = -1;
  }

  void accept(operation& op, io_handle& h, sockaddr* addr, socklen_t* len) override {
    if (multishot_accept_ && !h.accept_one_at_a_time) {
      if (!h.impl) h.impl = adopt_state(new acceptor(h.fd));
      auto* a = static_cast<acceptor*>(h.impl);
      // The peer address comes from getpeername() at delivery: a multishot accept has one
      // address buffer for all its connections.
      std::memcpy(op.backend_scratch, &addr, sizeof addr);
      std::memcpy(op.backend_scratch + sizeof addr, &len, sizeof len);
      op.backend_data = a;
      if (!a->ready.empty()) {
        const int fd = a->ready.front();
        a->ready.pop_front();
        deliver(op, fd);
      } else {
        a->waiting.push_back(&op);
      }
      if (!a->armed && a->ready.size() < acceptor::k_backlog) arm(*a);
      return;
    }
    io_uring_sqe* sqe = get_sqe();
    io_uring_prep_accept(sqe, h.fd, addr, len, SOCK_CLOEXEC);
    io_uring_sqe_set_data(sqe, &op);
  }
  void connect(operation& op, io_handle& h, const sockaddr* addr, socklen_t len) override {
    io_uring_sqe* sqe = get_sqe();
    io_uring_prep_connect(sqe, h.fd, addr, len);
    io_uring_sqe_set_data(sqe, &op);
  }
  void recv(operation& op, io_handle& h, void* buf, std::size_t len) override {
    if (h.impl) {  // the stream has a multishot receive: read from its queue
      wait(op, *static_cast<receiver*>(h.impl), receive_wait{buf, clamp(len), 0});
      return;
    }
    io_uring_sqe* sqe = get_sqe();
    io_uring_prep_recv(sqe, h.fd, buf, len, 0);
    io_uring_sqe_set_data(sqe, &op);
  }
  void send(operation& op, io_handle& h, const void* buf, std::size_t len) override {
    io_uring_sqe* sqe = get_sqe();
    if (send_zc_min_ && len >= send_zc_min_) {
      // The kernel sends from `buf` itself: the operation (and so the caller's hold on the
      // buffer) ends only with the notification CQE that follows the result.
      io_uring_prep_send_zc(sqe, h.fd, buf, len, MSG_NOSIGNAL, 0);
      op.backend_data = &send_zc_tag;
      const zc_send z{buf, clamp(len), h.fd};
      std::memcpy(op.backend_scratch, &z, sizeof z);
    } else {
      io_uring_prep_send(sqe, h.fd, buf, len, MSG_NOSIGNAL);
    }
    io_uring_sqe_set_data(sqe, &op);
  }
  void read(operation& op, io_handle& h, void* buf, std::size_t len) override {
    io_uring_sqe* sqe = get_sqe();
    io_uring_prep_read(sqe, h.fd, buf, unsigned(len), __u64(-1));
    io_uring_sqe_set_data(sqe, &op);
  }
  void write(operation& op, io_handle& h, const void* buf, std::size_t len) override {
    io_uring_sqe* sqe = get_sqe();
    io_uring_prep_write(sqe, h.fd, buf, unsigned(len), __u64(-1));
    io_uring_sqe_set_data(sqe, &op);
  }
  void recv_lent(operation& op, io_handle& h, lent_buffer& out) override {
    if (!buffers_tried_) {
      buffers_tried_ = true;
      if (multishot_recv_ && !buffers_.setup(ring_, k_buffer_group) && std::getenv("CORONET_DEBUG"))
        std::fprintf(stderr, "coronet: no provided-buffer ring, receive() uses pool blocks\n");
    }
    // Pipes and terminals have no multishot receive; nor do kernels without buffer rings.
    if (!buffers_.ready() || h.type != io_handle::kind::socket) {
      io_backend::recv_lent(op, h, out);
      return;
    }
    if (!h.impl) h.impl = adopt_state(new receiver(h.fd));
    wait(op, *static_cast<receiver*>(h.impl), receive_wait{&out, 0, 1});
  }

  void give_back(const lent_buffer& b) noexcept override {
    if (b.id == k_pool_id)
      return_block(b.data);
    else
      buffers_.recycle(b.id);
  }

  void poll(operation& op, io_handle& h, short events) override {
    io_uring_sqe* sqe = get_sqe();
    io_uring_prep_poll_add(sqe, h.fd, unsigned(events));
    io_uring_sqe_set_data(sqe, &op);
  }

  // Descriptor passing. SENDMSG and RECVMSG (5.3) are older than ACCEPT (5.5), which the probe
  // requires, so they need no probe of their own.
  void sendmsg(operation& op, io_handle& h, const msghdr* msg) override {
    io_uring_sqe* sqe = get_sqe();
    io_uring_prep_sendmsg(sqe, h.fd, msg, MSG_NOSIGNAL);
    io_uring_sqe_set_data(sqe, &op);
  }
  void recvmsg(operation& op, io_handle& h, msghdr* msg) override {
    io_uring_sqe* sqe = get_sqe();
    io_uring_prep_recvmsg(sqe, h.fd, msg, MSG_CMSG_CLOEXEC);
    io_uring_sqe_set_data(sqe, &op);
  }

 private:
  void init_ring() {
    // SINGLE_ISSUER + DEFER_TASKRUN (6.1): completions are processed only when we ask, on our
    // thread, in the same io_uring_enter that submits. COOP_TASKRUN (5.19) is the next best:
    // no interrupting IPIs. A larger CQ absorbs bursts from thousands of connections.
    const unsigned tries[] = {
        IORING_SETUP_CQSIZE | IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN,
        // TASKRUN_FLAG: liburing then enters the kernel for pending task work even when there
        // is nothing to submit, so busy coroutines cannot starve completions.
        IORING_SETUP_CQSIZE | IORING_SETUP_COOP_TASKRUN | IORING_SETUP_TASKRUN_FLAG,
        IORING_SETUP_CQSIZE,
        0,
    };
    const ring_size size = ring_size_from_env();
    int r = -EINVAL;
    for (unsigned flags : tries) {
      io_uring_params p{};
      p.flags = flags;
      p.cq_entries = size.cq;
      r = io_uring_queue_init_params(size.sq, &ring_, &p);
      if (r == 0) {
        ring_mapped();
        defer_taskrun_ = (flags & IORING_SETUP_DEFER_TASKRUN) != 0;
        return;
      }
      if (r != -EINVAL) break;  // not a flag problem: ENOSYS, EPERM, ENOMEM
    }
    throw_errno(-r, "io_uring_queue_init");
  }

  void exit_ring() noexcept {
    ring_unmapping();
    io_uring_queue_exit(&ring_);
  }

  void probe() {
    io_uring_probe* p = io_uring_get_probe_ring(&ring_);
    if (!p) {
      exit_ring();
      throw_errno(ENOSYS, "io_uring_get_probe");
    }
    const std::pair<int, const char*> needed[] = {
        {IORING_OP_ACCEPT, "ACCEPT"},
        {IORING_OP_CONNECT, "CONNECT"},
        {IORING_OP_RECV, "RECV"},
        {IORING_OP_SEND, "SEND"},
        {IORING_OP_READ, "READ"},
        {IORING_OP_WRITE, "WRITE"},
        {IORING_OP_POLL_ADD, "POLL_ADD"},
        {IORING_OP_TIMEOUT, "TIMEOUT"},
        {IORING_OP_ASYNC_CANCEL, "ASYNC_CANCEL"},
        {IORING_OP_CLOSE, "CLOSE"},
    };
    for (auto [op, name] : needed) {
      if (!io_uring_opcode_supported(p, op)) {
        io_uring_free_probe(p);
        exit_ring();
        throw_errno(ENOSYS, std::string("io_uring: kernel lacks IORING_OP_") + name);
      }
    }
    const bool has_send_zc = io_uring_opcode_supported(p, IORING_OP_SEND_ZC);
    io_uring_free_probe(p);
    // Cancelling by descriptor arrived with 5.19; the probe cannot see flags, so ask the kernel.
    cancel_fd_ = kernel_at_least(5, 19);
    // CORONET_NO_SYNC_CANCEL (a detail knob for tests) takes the path of 5.19 kernels, which
    // close with a linked cancel + close pair of SQEs, on newer ones too.
    sync_cancel_ = kernel_at_least(6, 0) && !std::getenv("CORONET_NO_SYNC_CANCEL");
    multishot_accept_ = cancel_fd_ && !std::getenv("CORONET_NO_MULTISHOT");
    // Multishot receive arrived with 6.0 (buffer rings with 5.19); the probe cannot see it.
    multishot_recv_ = kernel_at_least(6, 0) && !std::getenv("CORONET_NO_MULTISHOT");
    // Zero-copy send (6.0) only when asked for: on loopback the receiving side copies anyway and
    // the extra notification CQE made bulk transfers slower (docs/performance.md).
    if (const char* zc = std::getenv("CORONET_SEND_ZC"); zc && has_send_zc)
      send_zc_min_ = std::strtoul(zc, nullptr, 10);
  }

  // Closes `fd` before returning, so that its port or path is free and its peer sees the close
  // even if the loop never turns again (a close queued in the SQ would wait for the next
  // run_once, or be lost at shutdown). What is queued is submitted first, since it may name `fd`;
  // then every request on it is cancelled, synchronously, before the number can be reused.
  // False (nothing done) when that cannot be guaranteed; the caller falls back to a linked close.
  bool close_now(int fd) noexcept {
    if (io_uring_sq_ready(&ring_) != 0) {
      io_uring_submit(&ring_);
      if (io_uring_sq_ready(&ring_) != 0) return false;
    }
    io_uring_sync_cancel_reg reg{};
    reg.fd = fd;
    reg.flags = IORING_ASYNC_CANCEL_FD | IORING_ASYNC_CANCEL_ALL;
    reg.timeout.tv_sec = -1;  // no timeout: wait until the kernel has let go of every buffer
    reg.timeout.tv_nsec = -1;
    const int r = io_uring_register_sync_cancel(&ring_, &reg);
    if (r < 0 && r != -ENOENT) return false;
    // A cancelled request that waited on the socket (a multishot accept, a receive) completes,
    // and lets go of its reference to the socket, in task work, which with DEFER_TASKRUN runs
    // only when we enter the ring for completions: run it now, or the socket outlives close()
    // until the loop's next turn (a listener's port stays taken and even accepts connections).
    // Its CQEs are reaped with the others.
    if (r >= 0) io_uring_get_events(&ring_);
    ::close(fd);
    return true;
  }

  // Re-arming happens inside reap(), which must not throw: without an SQE it is left for the
  // start of the next run_once.
  void arm_wake() noexcept {
    io_uring_sqe* sqe = try_get_sqe();
    if (!sqe) {
      wake_unarmed_ = rearm_needed_ = true;
      return;
    }
    io_uring_prep_read(sqe, wake_fd_, &wake_buf_, sizeof wake_buf_, 0);
    io_uring_sqe_set_data64(sqe, k_wake);
    wake_unarmed_ = false;
  }

  void arm(acceptor& a) noexcept {
    io_uring_sqe* sqe = try_get_sqe();
    if (!sqe) {
      rearm_needed_ = true;
      return;
    }
    io_uring_prep_multishot_accept(sqe, a.fd, nullptr, nullptr, SOCK_CLOEXEC);
    io_uring_sqe_set_data64(sqe, state_tag(&a));
    a.armed = true;
  }

  void rearm() noexcept {
    rearm_needed_ = false;
    if (wake_unarmed_) arm_wake();
    for (operation* op : std::exchange(deferred_cancels_, {}))
      if (op->pending) submit_cancel(*op);
    for (handle_state* s = states_; s; s = s->next) {
      if (s->armed || s->closing) continue;
      if (s->type == handle_state::kind::acceptor) {
        auto* a = static_cast<acceptor*>(s);
        if (!a->waiting.empty()) arm(*a);
      } else if (static_cast<receiver*>(s)->waiting) {
        arm(*static_cast<receiver*>(s));
      }
    }
  }

  void deliver(operation& op, int fd) noexcept {
    sockaddr* addr;
    socklen_t* len;
    std::memcpy(&addr, op.backend_scratch, sizeof addr);
    std::memcpy(&len, op.backend_scratch + sizeof addr, sizeof len);
    if (addr && len && ::getpeername(fd, addr, len) != 0) *len = 0;
    op.backend_data = nullptr;
    complete(op, fd);
  }

  // One CQE of a multishot accept: a connection (res >= 0) or an error; `more` is false when
  // the kernel ended the multishot (error, cancellation, or its own limits).
  void on_accepted(acceptor& a, int res, bool more) noexcept {
    if (!more) a.armed = false;
    if (a.closing) {
      if (res >= 0) ::close(res);
      if (!a.armed) destroy(&a);
      return;
    }
    if (res >= 0) {
      if (!a.waiting.empty()) {
        operation* op = a.waiting.front();
        a.waiting.pop_front();
        deliver(*op, res);
      } else {
        a.ready.push_back(res);
        if (a.armed && a.ready.size() >= acceptor::k_backlog) {
          io_uring_sqe* sqe = try_get_sqe();
          if (sqe) {
            io_uring_prep_cancel64(sqe, state_tag(&a), 0);
            io_uring_sqe_set_data64(sqe, k_ignore);
          }
        }
      }
    } else if (res != -ECANCELED && !a.waiting.empty()) {
      // EMFILE and friends go to one waiter, whose caller decides about back-off.
      operation* op = a.waiting.front();
      a.waiting.pop_front();
      op->backend_data = nullptr;
      complete(*op, res);
    }
    if (!a.armed && !a.waiting.empty() && res != -EMFILE && res != -ENFILE) arm(a);
  }

  void close_state(handle_state* s) noexcept {
    if (s->type == handle_state::kind::acceptor)
      close_acceptor(static_cast<acceptor*>(s));
    else
      close_receiver(static_cast<receiver*>(s));
  }

  void close_acceptor(acceptor* a) noexcept {
    a->closing = true;
    for (int fd : a->ready) ::close(fd);
    a->ready.clear();
    for (operation* op : a->waiting) {
      op->backend_data = nullptr;
      complete(*op, -ECANCELED);
    }
    a->waiting.clear();
    if (!a->armed) destroy(a);  // else on_accepted does, when the cancelled multishot ends
  }

  handle_state* adopt_state(handle_state* s) noexcept {
    s->next = states_;
    if (states_) states_->prev = s;
    states_ = s;
    return s;
  }

  void destroy(handle_state* s) noexcept {
    if (s->prev)
      s->prev->next = s->next;
    else
      states_ = s->next;
    if (s->next) s->next->prev = s->prev;
    if (s->type == handle_state::kind::acceptor)
      delete static_cast<acceptor*>(s);
    else
      delete static_cast<receiver*>(s);
  }

  static handle_state* state_of(__u64 data) noexcept {
    return reinterpret_cast<handle_state*>(static_cast<std::uintptr_t>(data & ~__u64(1)));
  }

  static std::uint32_t clamp(std::size_t len) noexcept {
    return len > 0x7fffffffu ? 0x7fffffffu : std::uint32_t(len);
  }

  // --- multishot receive -------------------------------------------------------------------

  // A read (receive or read_some) on a stream with a receiver: served from the queue at once,
  // or when the next chunk arrives.
  void wait(operation& op, receiver& r, receive_wait w) noexcept {
    std::memcpy(op.backend_scratch, &w, sizeof w);
    if (r.queued() != 0) {
      hand_front(r, op);
      return;
    }
    if (r.waiting) {  // two reads at once on one stream: documented as unsupported
      complete(op, -EALREADY);
      return;
    }
    op.backend_data = &r;
    r.waiting = &op;
    if (!r.armed) arm(r);
  }

  void arm(receiver& r) noexcept {
    io_uring_sqe* sqe = try_get_sqe();
    if (!sqe) {
      rearm_needed_ = true;
      return;
    }
    io_uring_prep_recv_multishot(sqe, r.fd, nullptr, 0, 0);
    sqe->flags |= IOSQE_BUFFER_SELECT;
    sqe->buf_group = k_buffer_group;
    io_uring_sqe_set_data64(sqe, state_tag(&r));
    r.armed = true;
  }

  // Hand the front chunk (or, for read_some, what fits of it) to `op` and complete it.
  void hand_front(receiver& r, operation& op) noexcept {
    receiver::chunk& c = r.ready[r.head];
    const receive_wait w = wait_of(op);
    op.backend_data = nullptr;
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
    if (used_up && ++r.head == r.ready.size()) {
      r.ready.clear();
      r.head = 0;
    } else if (used_up && r.head >= 16) {
      // A reader that stays a chunk or two behind never empties the queue: drop the consumed
      // front now and then, so the vector stays as small as the backlog.
      r.ready.erase(r.ready.begin(), r.ready.begin() + std::ptrdiff_t(r.head));
      r.head = 0;
    }
    complete(op, result);
  }

  // The ring is empty (ENOBUFS): the waiting read gets a one-shot receive into a pool block (or
  // straight into read_some's buffer), so a reader never waits on buffers other streams hold.
  void receive_without_ring(receiver& r) noexcept {
    operation& op = *std::exchange(r.waiting, nullptr);
    op.backend_data = nullptr;
    receive_wait w = wait_of(op);
    void* target = w.target;
    std::uint32_t len = w.len;
    if (w.lend) {
      auto& out = *static_cast<lent_buffer*>(w.target);
      try {
        out = take_block();
      } catch (...) {
        complete(op, -ENOMEM);
        return;
      }
      target = out.data;
      len = out.capacity;
    }
    io_uring_sqe* sqe = try_get_sqe();
    if (!sqe) {
      complete(op, -EBUSY);  // the caller gives back the block it holds
      return;
    }
    io_uring_prep_recv(sqe, r.fd, target, len, 0);
    io_uring_sqe_set_data(sqe, &op);
  }

  // One CQE of a multishot receive: bytes in a ring buffer, end of stream (0) or an error; `more`
  // is false when the request ended (end of stream, error, ENOBUFS, cancellation).
  void on_received(receiver& r, int res, unsigned flags) noexcept {
    const bool more = (flags & IORING_CQE_F_MORE) != 0;
    const bool has_buffer = (flags & IORING_CQE_F_BUFFER) != 0;
    const unsigned id = flags >> IORING_CQE_BUFFER_SHIFT;
    if (!more) r.armed = false;
    if (has_buffer) buffers_.taken();
    if (r.closing) {
      if (has_buffer) buffers_.recycle(id);
      if (!r.armed) destroy(&r);
      return;
    }
    if (res == -ENOBUFS) {
      if (r.waiting) receive_without_ring(r);
      return;
    }
    if (res != -ECANCELED) {  // ECANCELED: the back-pressure cancel below; nothing to report
      if (res > 0 && !has_buffer) res = -EIO;  // cannot happen with IOSQE_BUFFER_SELECT
      try {
        r.ready.push_back(receiver::chunk{res, 0, has_buffer ? id : receiver::k_no_buffer});
      } catch (...) {  // no memory to queue it: the data is lost, so the stream must fail
        if (has_buffer) buffers_.recycle(id);
        for (std::size_t i = r.head; i < r.ready.size(); ++i)
          if (r.ready[i].id != receiver::k_no_buffer) buffers_.recycle(r.ready[i].id);
        r.ready.clear();
        r.head = 0;
        r.ready.shrink_to_fit();
        try {
          r.ready.push_back(receiver::chunk{-ENOMEM, 0, receiver::k_no_buffer});
        } catch (...) {
        }
      }
    }
    if (r.waiting && r.queued() != 0) hand_front(r, *std::exchange(r.waiting, nullptr));
    if (r.armed && r.queued() >= receiver::k_backlog) {
      io_uring_sqe* sqe = try_get_sqe();
      if (sqe) {
        io_uring_prep_cancel64(sqe, state_tag(&r), 0);
        io_uring_sqe_set_data64(sqe, k_ignore);
      }
    }
    // Someone still waits and the request has ended without ending the stream: re-arm.
    if (!r.armed && r.waiting) arm(r);
  }

  void close_receiver(receiver* r) noexcept {
    r->closing = true;
    for (std::size_t i = r->head; i < r->ready.size(); ++i)
      if (r->ready[i].id != receiver::k_no_buffer) buffers_.recycle(r->ready[i].id);
    r->ready.clear();
    r->head = 0;
    if (operation* op = std::exchange(r->waiting, nullptr)) {
      op->backend_data = nullptr;
      complete(*op, -ECANCELED);
    }
    if (!r->armed) destroy(r);  // else on_received does, when the cancelled multishot ends
  }

  io_uring_sqe* try_get_sqe() noexcept {
    io_uring_sqe* sqe = io_uring_get_sqe(&ring_);
    if (!sqe) {
      io_uring_submit(&ring_);  // the SQ is full: hand it to the kernel and take a fresh slot
      sqe = io_uring_get_sqe(&ring_);
    }
    return sqe;
  }

  io_uring_sqe* get_sqe() {
    io_uring_sqe* sqe = try_get_sqe();
    if (!sqe) throw_errno(EBUSY, "io_uring: submission queue full");
    return sqe;
  }

  void reap() noexcept {
    io_uring_cqe* cqe;
    unsigned head;
    io_uring_for_each_cqe(&ring_, head, cqe) {
      const __u64 data = cqe->user_data;
      const int cqe_res = cqe->res;
      const unsigned cqe_flags = cqe->flags;
      // Consumed before it is acted on: whatever happens next, no CQE is handled twice.
      io_uring_cqe_seen(&ring_, cqe);
      if (data == k_ignore) continue;
      if (data == k_wake) {
        arm_wake();
        continue;
      }
      if (data & 1u) {
        handle_state* st = state_of(data);
        if (st->type == handle_state::kind::acceptor)
          on_accepted(*static_cast<acceptor*>(st), cqe_res, (cqe_flags & IORING_CQE_F_MORE) != 0);
        else
          on_received(*static_cast<receiver*>(st), cqe_res, cqe_flags);
        continue;
      }
      auto* op = reinterpret_cast<operation*>(static_cast<std::uintptr_t>(data));
      int res = cqe_res;
      if (op->backend_data == &timeout_tag && res == -ETIME) res = 0;
      if (op->backend_data == &send_zc_tag) {
        zc_send z;
        std::memcpy(&z, op->backend_scratch, sizeof z);
        if (cqe_flags & IORING_CQE_F_MORE) {  // the result; the notification comes next
          op->result = res;
          z.len |= zc_send::k_sent;
          std::memcpy(op->backend_scratch, &z, sizeof z);
          if (op->cancel_requested) cancel(*op);  // a cancel that came before this CQE
          continue;
        }
        op->backend_data = nullptr;
        if (cqe_flags & IORING_CQE_F_NOTIF) res = op->result;
        if (res == -EOPNOTSUPP && !op->cancel_requested) {
          // Not TCP (a Unix socket has no zero-copy): send it the usual way.
          if (io_uring_sqe* sqe = try_get_sqe()) {
            io_uring_prep_send(sqe, z.fd, z.buf, z.len & ~zc_send::k_sent, MSG_NOSIGNAL);
            io_uring_sqe_set_data(sqe, op);
            continue;
          }
        }
      }
      complete(*op, res);
    }
  }

  io_uring ring_{};
  int wake_fd_ = -1;
  std::uint64_t wake_buf_ = 0;
  bool defer_taskrun_ = false;
  bool cancel_fd_ = false;
  bool sync_cancel_ = false;
  bool multishot_accept_ = false;
  bool wake_unarmed_ = false;
  bool rearm_needed_ = false;
  std::vector<operation*> deferred_cancels_;
  bool multishot_recv_ = false;
  std::size_t send_zc_min_ = 0;  // sends of at least this many bytes use SEND_ZC; 0: never
  bool buffers_tried_ = false;   // the ring is set up at the first receive()
  handle_state* states_ = nullptr;
  buffer_ring buffers_;
};

}  // namespace

std::unique_ptr<io_backend> make_uring_backend() {
  return std::make_unique<uring_backend>();
}

}  // namespace coronet::detail
