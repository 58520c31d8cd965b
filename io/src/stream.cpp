#include "coronet/stream.hpp"

#ifndef _WIN32
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#endif

#include <cerrno>
#include <utility>

#include "coronet/detail/io_backend.hpp"
#include "coronet/error.hpp"

namespace coronet {
namespace detail {

std::string stream_context(const stream& s, std::string_view verb) {
  // A pipe has no socket address to show (and getsockname would fail on it): use its name.
  if (s.is_pipe())
    return s.pipe_name().empty() ? std::string(verb) : std::string(verb) + " " + s.pipe_name();
  std::string peer = s.remote_address().to_string();
  if (peer.empty() && s.is_open()) peer = s.local_address().to_string();
  std::string r(verb);
  if (!peer.empty()) r += " " + peer;
  return r;
}

io_handle& stream_access::handle(stream& s) noexcept {
  return s.handle_;
}

io_backend& stream_access::backend(stream& s) noexcept {
  return *s.backend_;
}

bool stream_access::sent_shutdown(const stream& s) noexcept {
  return s.sent_shutdown_;
}

stream stream_access::adopt(io_backend& b, native_handle_type fd, socket_address peer) {
  return stream(b, fd, std::move(peer));
}

read_some_awaiter::read_some_awaiter(stream& s, std::span<std::byte> buf)
    : op_awaiter(stream_access::backend(s)), s_(s), b_(stream_access::backend(s)), buf_(buf) {}

void read_some_awaiter::start() {
  b_.read_some(op_, stream_access::handle(s_), buf_.data(), buf_.size());
}

std::size_t read_some_awaiter::await_resume() {
  const int r = result();
  if (r < 0) throw_errno(-r, stream_context(s_, "read"));
  return std::size_t(r);
}

receive_awaiter::receive_awaiter(stream& s)
    : op_awaiter(stream_access::backend(s)), s_(s), b_(stream_access::backend(s)) {}

// A buffer still held here was lent for an operation whose result never reached the caller:
// the awaiting coroutine was destroyed (the base destructor has waited for the kernel by now)
// or await_resume threw.
receive_awaiter::~receive_awaiter() {
  settle();  // before giving back a buffer the kernel may still fill
  // Through b_, not s_: at shutdown the stream may be gone before this frame is destroyed.
  if (buf_.data) b_.give_back(std::exchange(buf_, {}));
}

void receive_awaiter::start() {
  b_.recv_lent(op_, stream_access::handle(s_), buf_);
}

received receive_awaiter::await_resume() {
  const int r = result();
  if (r <= 0) {
    if (buf_.data) b_.give_back(std::exchange(buf_, {}));
    if (r < 0) throw_errno(-r, stream_context(s_, "read"));
    return {};
  }
  return received(b_, std::exchange(buf_, {}), std::size_t(r));
}

template <bool Write>
transfer_all_awaiter<Write>::transfer_all_awaiter(stream& s, buffer buf)
    : base(stream_access::backend(s)), s_(s), b_(stream_access::backend(s)), buf_(buf) {}

template <bool Write>
void transfer_all_awaiter<Write>::start() {
  this->op_.owner = this;
  this->op_.on_complete = &on_step;
  submit();
}

template <bool Write>
void transfer_all_awaiter<Write>::submit() {
  auto rest = buf_.subspan(done_);
  if constexpr (Write)
    b_.write_some(this->op_, stream_access::handle(s_), rest.data(), rest.size());
  else
    b_.read_some(this->op_, stream_access::handle(s_), rest.data(), rest.size());
}

// Runs in the backend's completion path: go on with the rest of the buffer, or hand the
// coroutine to the ready queue when done, failed, cancelled or at end of stream.
template <bool Write>
void transfer_all_awaiter<Write>::on_step(operation* op) noexcept {
  auto* self = static_cast<transfer_all_awaiter*>(op->owner);
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

// A TCP send fails with EPIPE once the peer has reset the connection and the reset's own
// ECONNRESET was reported elsewhere (to a receive, often). When this side did not shut down,
// that is the only way to get there: say what happened, "Connection reset by peer", not "Broken
// pipe" (Unix sockets and pipes keep EPIPE: there the peer just closed).
int write_error(const stream& s, int err) noexcept {
  if (err == EPIPE && s.remote_address().is_ip() && !stream_access::sent_shutdown(s))
    return ECONNRESET;
  return err;
}

template <bool Write>
void transfer_all_awaiter<Write>::await_resume() {
  int r = this->result();
  if constexpr (Write) {
    if (r < 0) r = -write_error(s_, -r);
  }
  if (r < 0) throw_errno(-r, stream_context(s_, Write ? "write" : "read"));
  if (done_ < buf_.size()) {
    if (this->op_.cancel_requested)
      throw_errno(ECANCELED, stream_context(s_, Write ? "write" : "read"));
    throw_error(error::end_of_stream, stream_context(s_, "read"));
  }
}

template class transfer_all_awaiter<true>;
template class transfer_all_awaiter<false>;

}  // namespace detail

stream::stream(native_handle_type fd, socket_address peer)
    : backend_(&detail::adopt(handle_, fd)), peer_(std::move(peer)) {}

stream::stream(detail::io_backend& b, native_handle_type fd, socket_address peer)
    : backend_(&b), peer_(std::move(peer)) {
  detail::adopt_on(b, handle_, fd);
}

stream stream::from_pipe(native_handle_type fd, std::string name) {
  stream s;
  s.backend_ = &detail::adopt(s.handle_, fd, detail::io_handle::kind::stream);
  s.pipe_ = true;
  s.pipe_name_ = std::move(name);
  return s;
}

stream::stream(stream&& o) noexcept
    : handle_(std::exchange(o.handle_, {})),
      backend_(o.backend_),
      peer_(o.peer_),
      pipe_(o.pipe_),
      sent_shutdown_(o.sent_shutdown_),
      pipe_name_(std::move(o.pipe_name_)) {}

stream& stream::operator=(stream&& o) noexcept {
  if (this != &o) {
    close();
    handle_ = std::exchange(o.handle_, {});
    backend_ = o.backend_;
    peer_ = o.peer_;
    pipe_ = o.pipe_;
    sent_shutdown_ = o.sent_shutdown_;
    pipe_name_ = std::move(o.pipe_name_);
  }
  return *this;
}

void stream::close() noexcept {
  if (handle_.fd >= 0) backend_->close(handle_);
}

void stream::shutdown() {
  if (pipe_) {  // one direction only: closing the end is how its reader sees end of stream
    close();
    return;
  }
#ifdef _WIN32
  constexpr int how = SD_SEND;
#else
  constexpr int how = SHUT_WR;
#endif
  if (::shutdown(handle_.fd, how) != 0) {
    const int err = detail::last_socket_error();  // before building the message
    throw_errno(err, detail::stream_context(*this, "shutdown"));
  }
  sent_shutdown_ = true;
}

void stream::set_nodelay(bool on) {
  if (!detail::set_socket_option(handle_.fd, IPPROTO_TCP, TCP_NODELAY, on)) {
    const int err = detail::last_socket_error();  // before building the message
    throw_errno(err, detail::stream_context(*this, "set_nodelay"));
  }
}

void stream::set_keepalive(bool on) {
  if (!detail::set_socket_option(handle_.fd, SOL_SOCKET, SO_KEEPALIVE, on)) {
    const int err = detail::last_socket_error();  // before building the message
    throw_errno(err, detail::stream_context(*this, "set_keepalive"));
  }
}

socket_address stream::local_address() const {
  socket_address a;
  *a.size_ptr() = socket_address::capacity();
  if (::getsockname(handle_.fd, a.native(), a.size_ptr()) != 0) {
    const int err = detail::last_socket_error();  // before building the message
    throw_errno(err, "getsockname");
  }
  return a;
}

}  // namespace coronet
