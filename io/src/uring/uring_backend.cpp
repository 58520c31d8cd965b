// The io_uring backend: the seam's operations routed to the parts that do them. An operation is
// one SQE whose user_data is its record and whose CQE completes it (op_kind.hpp), except on the
// two kinds of descriptor that get a standing multishot request, whose CQEs are queued per
// descriptor until someone awaits them: listeners (multishot_accept) and streams read with
// receive() (multishot_receive, into the provided-buffer ring). The ring itself (setup, submit,
// reap, wake, cancel) is ring.hpp; closing is close.cpp; zero-copy sends are send_zc.cpp.
#include <liburing.h>
#include <sys/socket.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <memory>

#include "../block_pool.hpp"
#include "buffer_ring.hpp"
#include "close.hpp"
#include "coronet/detail/io_backend.hpp"
#include "multishot_accept.hpp"
#include "multishot_receive.hpp"
#include "ring.hpp"
#include "send_zc.hpp"

namespace coronet::detail {
namespace {

using uring::acceptor;
using uring::receiver;

// A timeout's expiry (-ETIME) is its success; the kernel reads the timespec after submission.
void timeout_done(uring::ring& r, operation& op, int res, unsigned) noexcept {
  r.loop().complete(op, res == -ETIME ? 0 : res);
}
uring::op_kind timeout_kind{&timeout_done, &uring::cancel_in_kernel};

class uring_backend final : public io_backend {
 public:
  uring_backend() : ring_(*this) {}

  ~uring_backend() override {
    // Connections a multishot accept took but nobody reaped must be closed, and buffers given
    // back: nothing else will. The states left are deleted with multishots_.
    ring_.drain_for_teardown();
    buffers_.teardown(ring_.raw());
  }

  std::string_view name() const noexcept override { return "io_uring"; }
  void run_once(bool block) override { ring_.run_once(block); }
  void wake() noexcept override { ring_.wake(); }
  void cancel(operation& op) noexcept override { ring_.cancel(op); }

  void timeout(operation& op, std::chrono::steady_clock::time_point deadline) override {
    // IORING_TIMEOUT_ABS counts on CLOCK_MONOTONIC, which is what steady_clock reads on Linux.
    auto ns =
        std::chrono::duration_cast<std::chrono::nanoseconds>(deadline.time_since_epoch()).count();
    if (ns < 0) ns = 0;
    io_uring_sqe* sqe = ring_.get_sqe();
    auto& ts = uring::emplace_state(op, __kernel_timespec{ns / 1'000'000'000, ns % 1'000'000'000});
    io_uring_prep_timeout(sqe, &ts, 0, IORING_TIMEOUT_ABS);
    submit(sqe, op, timeout_kind);
  }

  void open(io_handle&) override {}  // io_uring works on blocking descriptors as they are

  void close(io_handle& h) noexcept override {
    if (h.fd < 0) return;
    if (h.impl) static_cast<uring::multishot*>(h.impl)->close();
    h.impl = nullptr;
    uring::close_descriptor(ring_, h.fd);
    h.fd = -1;
  }

  void accept(operation& op, io_handle& h, sockaddr* addr, socklen_t* len) override {
    if (ring_.has().multishot_accept && !h.accept_one_at_a_time) {
      if (!h.impl) h.impl = static_cast<uring::multishot*>(new acceptor(ring_, multishots_, h.fd));
      standing<acceptor>(h).accept(op, addr, len);
      return;
    }
    io_uring_sqe* sqe = ring_.get_sqe();
    io_uring_prep_accept(sqe, h.fd, addr, len, SOCK_CLOEXEC);
    submit(sqe, op);
  }

  void connect(operation& op, io_handle& h, const sockaddr* addr, socklen_t len) override {
    io_uring_sqe* sqe = ring_.get_sqe();
    io_uring_prep_connect(sqe, h.fd, addr, len);
    submit(sqe, op);
  }

  void read_some(operation& op, io_handle& h, void* buf, std::size_t len) override {
    if (h.impl) {  // the stream has a multishot receive: read from its queue
      standing<receiver>(h).read_some(op, buf, clamp(len));
      return;
    }
    io_uring_sqe* sqe = ring_.get_sqe();
    if (h.type == io_handle::kind::socket)
      io_uring_prep_recv(sqe, h.fd, buf, len, 0);
    else
      io_uring_prep_read(sqe, h.fd, buf, clamp(len), __u64(-1));
    submit(sqe, op);
  }

  void write_some(operation& op, io_handle& h, const void* buf, std::size_t len) override {
    if (h.type != io_handle::kind::socket) {
      io_uring_sqe* sqe = ring_.get_sqe();
      io_uring_prep_write(sqe, h.fd, buf, clamp(len), __u64(-1));
      submit(sqe, op);
      return;
    }
    if (const std::size_t zc = ring_.has().send_zc_min; zc && len >= zc) {
      uring::start_send_zc(ring_, op, h.fd, buf, len);
      return;
    }
    io_uring_sqe* sqe = ring_.get_sqe();
    io_uring_prep_send(sqe, h.fd, buf, len, MSG_NOSIGNAL);
    submit(sqe, op);
  }

  void recv_lent(operation& op, io_handle& h, lent_buffer& out) override {
    if (!buffers_tried_) {
      buffers_tried_ = true;
      if (ring_.has().multishot_recv && !buffers_.setup(ring_.raw(), receiver::k_buffer_group) &&
          std::getenv("CORONET_DEBUG"))
        std::fprintf(stderr, "coronet: no provided-buffer ring, receive() uses pool blocks\n");
    }
    // Pipes and terminals have no multishot receive; nor do kernels without buffer rings.
    if (!buffers_.ready() || h.type != io_handle::kind::socket) {
      read_into_block(*this, pool_, op, h, out);
      return;
    }
    if (!h.impl)
      h.impl =
          static_cast<uring::multishot*>(new receiver(ring_, multishots_, h.fd, buffers_, pool_));
    standing<receiver>(h).receive(op, out);
  }

  void give_back(const lent_buffer& b) noexcept override {
    if (b.id == block_pool::k_id)
      pool_.give_back(b.data);
    else
      buffers_.recycle(b.id);
  }

  lending_stats lending() const noexcept override {
    const std::size_t ring_out =
        buffers_.ready() ? uring::buffer_ring::k_entries - buffers_.available() : 0;
    return {pool_.out() + ring_out, buffers_.ready()};
  }

  void poll(operation& op, io_handle& h, short events) override {
    io_uring_sqe* sqe = ring_.get_sqe();
    io_uring_prep_poll_add(sqe, h.fd, unsigned(events));
    submit(sqe, op);
  }

  // Descriptor passing. SENDMSG and RECVMSG (5.3) are older than ACCEPT (5.5), which the probe
  // requires, so they need no probe of their own.
  void sendmsg(operation& op, io_handle& h, const msghdr* msg) override {
    io_uring_sqe* sqe = ring_.get_sqe();
    io_uring_prep_sendmsg(sqe, h.fd, msg, MSG_NOSIGNAL);
    submit(sqe, op);
  }
  void recvmsg(operation& op, io_handle& h, msghdr* msg) override {
    io_uring_sqe* sqe = ring_.get_sqe();
    io_uring_prep_recvmsg(sqe, h.fd, msg, MSG_CMSG_CLOEXEC);
    submit(sqe, op);
  }

 private:
  static void submit(io_uring_sqe* sqe, operation& op,
                     uring::op_kind& kind = uring::single_shot) noexcept {
    uring::set_kind(op, kind);
    io_uring_sqe_set_data64(sqe, uring::user_data_of(op));
  }
  // The standing request a descriptor's impl holds: an acceptor on a listener, a receiver on a
  // stream read with receive().
  template <class T>
  static T& standing(io_handle& h) noexcept {
    return *static_cast<T*>(static_cast<uring::multishot*>(h.impl));
  }
  static std::uint32_t clamp(std::size_t len) noexcept {
    return len > 0x7fffffffu ? 0x7fffffffu : std::uint32_t(len);
  }

  // Declared in this order so that they go in reverse: the standing requests' states (which may
  // close accepted descriptors) and the buffers before the ring they were registered with.
  uring::ring ring_;
  uring::buffer_ring buffers_;
  block_pool pool_;
  uring::multishot_list multishots_;
  bool buffers_tried_ = false;  // the ring is set up at the first receive()
};

}  // namespace

std::unique_ptr<io_backend> make_uring_backend() {
  return std::make_unique<uring_backend>();
}

}  // namespace coronet::detail
