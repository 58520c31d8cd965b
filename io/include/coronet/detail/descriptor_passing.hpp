// Passing descriptors over a Unix stream socket (SCM_RIGHTS), the way libuv's uv_write2 and its
// IPC pipes do it: a descriptor travels attached to a run of bytes, and arrives with the read that
// returns the first of them. The process channel builds Node's handle passing on these two
// awaiters; they are not a public API of their own.
//
//   detail::received_fds fds;
//   std::size_t n = co_await detail::read_some_with_fds_awaiter(s, buf, fds);  // fds.fds grows
//   co_await detail::write_all_with_fd_awaiter(s, line, socket_to_send.native_handle());
//
// Ownership: every descriptor a receive brings in is close-on-exec (MSG_CMSG_CLOEXEC) and owned
// by a unique_fd at once: appended to `fds`, or closed when the awaiting coroutine is gone, when
// the kernel cut the control data short (MSG_CTRUNC: then none of that read's descriptors is
// kept, and `truncated` counts it), or when they come with anything but SCM_RIGHTS. The sender
// keeps its own descriptor: the receiver gets a duplicate of it.
//
// Cancel safety: as read_some and write_all (coronet/stream.hpp): a cancelled receive loses
// nothing (bytes and descriptors that arrived are returned); a cancelled write_all_with_fd may
// have sent part of the bytes, and the descriptor with the first of them.
//
// POSIX only: Windows has no SCM_RIGHTS (its sockets are duplicated with WSADuplicateSocket and
// a protocol of their own, which coronet does not implement).
#pragma once

#ifndef _WIN32

#include <sys/socket.h>
#include <sys/uio.h>

#include <cstddef>
#include <deque>
#include <span>

#include "coronet/detail/op_awaiter.hpp"
#include "coronet/detail/unique_fd.hpp"
#include "coronet/stream.hpp"

namespace coronet::detail {

struct received_fds {
  std::deque<unique_fd> fds;  // in the order they arrived
  unsigned truncated = 0;     // receives whose descriptors were dropped (MSG_CTRUNC)
};

// recvmsg on a socket stream: up to buf.size() bytes (0: end of stream), and the descriptors that
// came with them appended to `out`.
class read_some_with_fds_awaiter : public op_awaiter<read_some_with_fds_awaiter> {
 public:
  // Descriptors one receive can take; a sender attaching more than this to one write loses them
  // all (MSG_CTRUNC). Node attaches one.
  static constexpr std::size_t max_fds = 8;

  read_some_with_fds_awaiter(stream& s, std::span<std::byte> buf, received_fds& out);
  // A completion nobody took (the coroutine was destroyed, or the receive won a race with its
  // cancellation and was not resumed) still installed its descriptors: close them.
  ~read_some_with_fds_awaiter();
  void start();
  std::size_t await_resume();

 private:
  // Moves the descriptors of a successful receive into unique_fds: to `keep` or closed.
  void collect(received_fds* keep) noexcept;

  stream& s_;
  received_fds& out_;
  iovec iov_{};
  msghdr msg_{};
  alignas(cmsghdr) unsigned char control_[CMSG_SPACE(sizeof(int) * max_fds)];
  bool started_ = false;
  bool collected_ = false;
};

// write_all on a socket stream with `fd` attached to the first byte: the first step is a sendmsg
// with the descriptor, the rest (if that one was short) plain sends. `fd` must stay open until
// the awaiter completes.
class write_all_with_fd_awaiter : public op_awaiter<write_all_with_fd_awaiter> {
 public:
  // Throws std::invalid_argument for an empty buffer: a descriptor needs a byte to travel with.
  write_all_with_fd_awaiter(stream& s, std::span<const std::byte> buf, int fd);
  void start();
  void await_resume();

 private:
  static void on_step(operation* op) noexcept;
  void submit();

  stream& s_;
  std::span<const std::byte> buf_;
  int fd_;
  std::size_t done_ = 0;
  iovec iov_{};
  msghdr msg_{};
  alignas(cmsghdr) unsigned char control_[CMSG_SPACE(sizeof(int))];
};

}  // namespace coronet::detail

#endif  // !_WIN32
