// stream: a connected byte stream (TCP or Unix socket, or a pipe through from_pipe()), the one
// type every listener's accept() and every connect() returns.
//
//   coronet::task<> echo(coronet::stream s) {
//     std::array<std::byte, 16384> buf;
//     for (;;) {
//       std::size_t n = co_await s.read_some(buf);  // 0: the peer closed
//       if (n == 0) break;
//       co_await s.write_all(std::span(buf).first(n));
//     }
//   }
//
// One read and one write may be in flight at once (from different coroutines); two reads or two
// writes at once are not supported. Errors are std::system_error naming the operation and the
// peer ("read 127.0.0.1:8888: Connection reset by peer"). A stream belongs to the scheduler
// (thread) that created it. Destroying or closing it cancels what is pending on it.
//
// Cancel safety (a stop request on the awaiting coroutine):
// - read_some: safe. Either nothing was read (operation_canceled) or the data is returned.
// - read_exact, write_all: not safe. Part of the buffer may have been transferred when
//   operation_canceled is thrown; treat the stream as unusable for that protocol message.
#pragma once

#include <cstddef>
#include <span>
#include <string>
#include <string_view>
#include <utility>

#include "coronet/detail/io_handle.hpp"
#include "coronet/detail/op_awaiter.hpp"
#include "coronet/received.hpp"
#include "coronet/socket_address.hpp"

namespace coronet {

class stream;
#ifdef _WIN32
namespace pipe {
class listener;
}
#endif

namespace detail {

// Where an operation on `s` reports its errors: "read 127.0.0.1:8888".
std::string stream_context(const stream& s, std::string_view verb);

// io's own sources reach a stream's descriptor and backend through here (the awaiters, connect,
// descriptor passing); users see neither.
struct stream_access {
  static io_handle& handle(stream& s) noexcept;
  static io_backend& backend(stream& s) noexcept;
  // Whether shutdown() closed this side's sending direction (a later EPIPE is then ours).
  static bool sent_shutdown(const stream& s) noexcept;
  // A connected socket adopted on `b` (an accepted connection, on its listener's backend).
  static stream adopt(io_backend& b, native_handle_type fd, socket_address peer);
};

class read_some_awaiter : public op_awaiter<read_some_awaiter> {
 public:
  read_some_awaiter(stream& s, std::span<std::byte> buf);
  void start();
  std::size_t await_resume();

 private:
  stream& s_;
  io_backend& b_;
  std::span<std::byte> buf_;
};

class receive_awaiter : public op_awaiter<receive_awaiter> {
 public:
  explicit receive_awaiter(stream& s);
  ~receive_awaiter();
  void start();
  received await_resume();

 private:
  stream& s_;
  io_backend& b_;  // the stream may be gone when a destroyed coroutine gives the buffer back
  lent_buffer buf_;
};

// Loops over the backend's partial transfers without resuming the coroutine in between.
template <bool Write>
class transfer_all_awaiter : public op_awaiter<transfer_all_awaiter<Write>> {
  using base = op_awaiter<transfer_all_awaiter<Write>>;

 public:
  using buffer = std::conditional_t<Write, std::span<const std::byte>, std::span<std::byte>>;
  transfer_all_awaiter(stream& s, buffer buf);
  bool await_ready() const noexcept { return buf_.empty(); }
  void start();
  void await_resume();

 private:
  static void on_step(operation* op) noexcept;
  void submit();
  stream& s_;
  io_backend& b_;
  buffer buf_;
  std::size_t done_ = 0;
};
}  // namespace detail

class stream {
 public:
  stream() noexcept = default;
  // Adopt a connected socket `fd` (ownership passes to the stream) on the current scheduler.
  // `peer` names the other end in error messages.
  stream(native_handle_type fd, socket_address peer);
  // Adopt a pipe end or another descriptor that is not a socket (a child's stdin, stdout or
  // stderr): reads and writes use read(2)/write(2) instead of recv/send, which need a socket.
  // `name` says what it is in error messages ("stdout of ls"). shutdown() closes it (a pipe end
  // has one direction: closing is how its reader sees the end); the socket options do not apply.
  // Windows: a pipe HANDLE opened for overlapped I/O (a named pipe end; see pipe.hpp).
  static stream from_pipe(native_handle_type fd, std::string name);
  stream(stream&& o) noexcept;
  stream& operator=(stream&& o) noexcept;
  ~stream() { close(); }

  // Up to buf.size() bytes; 0 means the peer closed its sending side (end of stream).
  [[nodiscard]] detail::read_some_awaiter read_some(std::span<std::byte> buf) {
    return {*this, buf};
  }
  [[nodiscard]] detail::read_some_awaiter read_some(std::span<char> buf) {
    return {*this, std::as_writable_bytes(buf)};
  }
  // Whatever arrives next, in a buffer the scheduler lends (see received.hpp): no buffer is held
  // while waiting, on io_uring. An empty result means end of stream. Cancel safe like read_some.
  // Do not mix with a read_some/read_exact pending at the same time on the same stream.
  [[nodiscard]] detail::receive_awaiter receive() { return detail::receive_awaiter(*this); }
  // Exactly buf.size() bytes, or std::system_error(coronet::error::end_of_stream).
  [[nodiscard]] detail::transfer_all_awaiter<false> read_exact(std::span<std::byte> buf) {
    return {*this, buf};
  }
  // All of buf, however many partial writes that takes.
  [[nodiscard]] detail::transfer_all_awaiter<true> write_all(std::span<const std::byte> buf) {
    return {*this, buf};
  }
  [[nodiscard]] detail::transfer_all_awaiter<true> write_all(std::string_view s) {
    return {*this, std::as_bytes(std::span(s.data(), s.size()))};
  }

  // Half-close: the peer reads end of stream; this side can still read.
  void shutdown();
  // Cancels pending operations (they end with operation_canceled) and releases the socket.
  void close() noexcept;
  bool is_open() const noexcept { return handle_.fd >= 0; }

  void set_nodelay(bool on);
  void set_keepalive(bool on);
  socket_address local_address() const;
  const socket_address& remote_address() const noexcept { return peer_; }
  native_handle_type native_handle() const noexcept { return handle_.fd; }

  // Whether this stream came from from_pipe(), and the name it was given there.
  bool is_pipe() const noexcept { return pipe_; }
  const std::string& pipe_name() const noexcept { return pipe_name_; }

 private:
  friend struct detail::stream_access;
  stream(detail::io_backend& b, native_handle_type fd, socket_address peer);
#ifdef _WIN32
  // A named pipe instance that is already under the backend (it waited there for its client).
  friend class pipe::listener;
  stream(detail::io_backend& b, detail::io_handle h, std::string pipe_name) noexcept
      : handle_(h), backend_(&b), pipe_(true), pipe_name_(std::move(pipe_name)) {}
#endif

  detail::io_handle handle_;
  detail::io_backend* backend_ = nullptr;
  socket_address peer_;
  bool pipe_ = false;
  bool sent_shutdown_ = false;
  std::string pipe_name_;
};

}  // namespace coronet
