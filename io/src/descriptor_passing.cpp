#include "coronet/detail/descriptor_passing.hpp"

#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <system_error>

#include "coronet/detail/io_backend.hpp"
#include "coronet/error.hpp"

namespace coronet::detail {
namespace {

// Byte counts are ints in operation::result; Linux moves at most this much in one call anyway.
constexpr std::size_t max_step = 0x7ffff000;

}  // namespace

read_some_with_fds_awaiter::read_some_with_fds_awaiter(stream& s, std::span<std::byte> buf,
                                                       received_fds& out)
    : op_awaiter(stream_access::backend(s)), s_(s), out_(out) {
  iov_.iov_base = buf.data();
  iov_.iov_len = buf.size() < max_step ? buf.size() : max_step;
}

read_some_with_fds_awaiter::~read_some_with_fds_awaiter() {
  if (op_.pending) cancel_and_wait(*loop_, op_);
  collect(nullptr);
}

void read_some_with_fds_awaiter::start() {
  msg_ = msghdr{};
  msg_.msg_iov = &iov_;
  msg_.msg_iovlen = 1;
  msg_.msg_control = control_;
  msg_.msg_controllen = sizeof control_;
  stream_access::backend(s_).recvmsg(op_, stream_access::handle(s_), &msg_);
  // Only now: a start that throws never reached the kernel, and its control buffer holds nothing.
  started_ = true;
}

void read_some_with_fds_awaiter::collect(received_fds* keep) noexcept {
  if (!started_ || collected_ || op_.pending || op_.result < 0) return;
  collected_ = true;
  const bool truncated = (msg_.msg_flags & MSG_CTRUNC) != 0;
  if (truncated && keep) ++keep->truncated;
  // Walk the control data the kernel filled in, never past it: with MSG_CTRUNC, cmsg_len counts
  // only the descriptors that were installed, and msg_controllen what was written.
  if (msg_.msg_controllen > sizeof control_) msg_.msg_controllen = sizeof control_;
  for (cmsghdr* c = CMSG_FIRSTHDR(&msg_); c; c = CMSG_NXTHDR(&msg_, c)) {
    if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS) continue;
    const auto* data = reinterpret_cast<const unsigned char*>(CMSG_DATA(c));
    const auto* end_of_control = control_ + msg_.msg_controllen;
    std::size_t bytes = c->cmsg_len > CMSG_LEN(0) ? c->cmsg_len - CMSG_LEN(0) : 0;
    if (data + bytes > end_of_control) bytes = std::size_t(end_of_control - data);
    for (std::size_t i = 0; i + sizeof(int) <= bytes; i += sizeof(int)) {
      int fd;
      std::memcpy(&fd, data + i, sizeof fd);  // CMSG_DATA need not be aligned for int
      unique_fd owned(fd);
      // Kept only when the whole control data arrived: after MSG_CTRUNC nobody can tell which
      // message the survivors belonged to.
      if (keep && !truncated) {
        try {
          keep->fds.push_back(std::move(owned));
        } catch (...) {
          // No memory for the queue: the descriptor is closed by `owned`, as if truncated.
        }
      }
    }
  }
}

std::size_t read_some_with_fds_awaiter::await_resume() {
  const int r = result();
  if (r < 0) throw_errno(-r, stream_context(s_, "read"));
  collect(&out_);
  return std::size_t(r);
}

write_all_with_fd_awaiter::write_all_with_fd_awaiter(stream& s, std::span<const std::byte> buf,
                                                     int fd)
    : op_awaiter(stream_access::backend(s)), s_(s), buf_(buf), fd_(fd) {
  if (buf.empty())
    throw std::invalid_argument("write_all_with_fd: a descriptor needs at least one byte");
}

void write_all_with_fd_awaiter::start() {
  op_.owner = this;
  op_.on_complete = &on_step;
  submit();
}

void write_all_with_fd_awaiter::submit() {
  io_backend& b = stream_access::backend(s_);
  io_handle& h = stream_access::handle(s_);
  auto rest = buf_.subspan(done_);
  if (done_ > 0) {  // the descriptor went with the first bytes
    b.write_some(op_, h, rest.data(), rest.size());
    return;
  }
  iov_.iov_base = const_cast<std::byte*>(rest.data());
  iov_.iov_len = rest.size() < max_step ? rest.size() : max_step;
  msg_ = msghdr{};
  msg_.msg_iov = &iov_;
  msg_.msg_iovlen = 1;
  std::memset(control_, 0, sizeof control_);
  msg_.msg_control = control_;
  msg_.msg_controllen = sizeof control_;
  cmsghdr* c = CMSG_FIRSTHDR(&msg_);
  c->cmsg_level = SOL_SOCKET;
  c->cmsg_type = SCM_RIGHTS;
  c->cmsg_len = CMSG_LEN(sizeof(int));
  std::memcpy(CMSG_DATA(c), &fd_, sizeof fd_);
  b.sendmsg(op_, h, &msg_);
}

// The completion path: go on with the rest, or resume the coroutine when done, failed or
// cancelled (as transfer_all_awaiter does for write_all).
void write_all_with_fd_awaiter::on_step(operation* op) noexcept {
  auto* self = static_cast<write_all_with_fd_awaiter*>(op->owner);
  if (op->result > 0) {
    self->done_ += std::size_t(op->result);
    if (self->done_ < self->buf_.size() && !op->cancel_requested) {
      op->pending = true;
      try {
        self->submit();
        return;
      } catch (const std::system_error& e) {
        op->result = -e.code().value();
      }
    }
  }
  op->on_complete = nullptr;
  self->loop_->complete(*op, op->result);
}

void write_all_with_fd_awaiter::await_resume() {
  const int r = result();
  if (r < 0) throw_errno(-r, stream_context(s_, "write"));
  if (done_ < buf_.size())
    throw_errno(op_.cancel_requested ? ECANCELED : EPIPE, stream_context(s_, "write"));
}

}  // namespace coronet::detail
