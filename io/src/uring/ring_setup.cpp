// Setting up the ring: the flags the kernel takes, the size (CORONET_URING_ENTRIES), the probe
// for the operations coronet needs and the features it can use, and ThreadSanitizer's view of
// the ring's memory.
#include <sys/eventfd.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <system_error>
#include <utility>

#include "coronet/error.hpp"
#include "ring.hpp"

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

namespace coronet::detail::uring {
namespace {

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

}  // namespace

ring::ring(event_loop& loop) : loop_(loop) {
  const ring_size size = ring_size_from_env();
  init(size.sq, size.cq);
  try {
    probe();
    wake_fd_ = ::eventfd(0, EFD_CLOEXEC);
    if (wake_fd_ < 0) throw_errno(errno, "io_uring: eventfd");
  } catch (...) {
    ring_unmapping();
    io_uring_queue_exit(&ring_);
    throw;
  }
  arm_wake();
}

ring::~ring() {
  ring_unmapping();
  io_uring_queue_exit(&ring_);
  ::close(wake_fd_);
}

void ring::init(unsigned sq, unsigned cq) {
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
  int r = -EINVAL;
  for (unsigned flags : tries) {
    io_uring_params p{};
    p.flags = flags;
    p.cq_entries = cq;
    r = io_uring_queue_init_params(sq, &ring_, &p);
    if (r == 0) {
      ring_mapped();
      features_.defer_taskrun = (flags & IORING_SETUP_DEFER_TASKRUN) != 0;
      return;
    }
    if (r != -EINVAL) break;  // not a flag problem: ENOSYS, EPERM, ENOMEM
  }
  throw_errno(-r, "io_uring_queue_init");
}

void ring::probe() {
  io_uring_probe* p = io_uring_get_probe_ring(&ring_);
  if (!p) throw_errno(ENOSYS, "io_uring_get_probe");
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
      throw_errno(ENOSYS, std::string("io_uring: kernel lacks IORING_OP_") + name);
    }
  }
  const bool has_send_zc = io_uring_opcode_supported(p, IORING_OP_SEND_ZC);
  io_uring_free_probe(p);
  // Cancelling by descriptor arrived with 5.19; the probe cannot see flags, so ask the kernel.
  features_.cancel_fd = kernel_at_least(5, 19);
  // CORONET_NO_SYNC_CANCEL (a detail knob for tests) takes the path of 5.19 kernels, which
  // close with a linked cancel + close pair of SQEs, on newer ones too.
  features_.sync_cancel = kernel_at_least(6, 0) && !std::getenv("CORONET_NO_SYNC_CANCEL");
  const bool multishot = !std::getenv("CORONET_NO_MULTISHOT");
  features_.multishot_accept = features_.cancel_fd && multishot;
  // Multishot receive arrived with 6.0 (buffer rings with 5.19); the probe cannot see it.
  features_.multishot_recv = kernel_at_least(6, 0) && multishot;
  // Zero-copy send (6.0) only when asked for: on loopback the receiving side copies anyway and
  // the extra notification CQE made bulk transfers slower (docs/performance.md).
  if (const char* zc = std::getenv("CORONET_SEND_ZC"); zc && has_send_zc)
    features_.send_zc_min = std::strtoul(zc, nullptr, 10);
}

}  // namespace coronet::detail::uring
