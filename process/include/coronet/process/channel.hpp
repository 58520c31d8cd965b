// channel: the message channel between a parent and a child it forked, in Node's format: each
// message is one JSON value on one line ended by '\n' (what child_process.fork and process.send
// use with serialization 'json'), over one end of a Unix socketpair (Windows: a named pipe).
// Windows: Node's own channel there is libuv's framed pipe protocol, not JSON lines, so the
// peer of a channel must be coronet on both sides (see process/src/win/spawn.cpp).
//
//   #include <coronet/process/json.hpp>  // Boost.JSON's value, for send and receive
//   #include <boost/json.hpp>            // boost::json::serialize
//
//   co_await ch.send("hello");  // a boost::json::value
//   for (;;) {
//     std::optional<boost::json::value> m = co_await ch.receive();
//     if (!m) break;  // the peer disconnected or exited
//     std::cout << boost::json::serialize(*m) << "\n";
//   }
//
// One receive may be in flight at a time (receive and receive_with_handle alike); sends may come
// from many coroutines at once: each
// message is written whole, in the order the sends started, and the messages that queue up
// while one write is in flight go out together in the next write. Messages whose "cmd" member
// is a string starting with "NODE_" are Node's internal ones: receive() skips them.
//
// Errors are std::system_error: "channel receive: bad message: ..." (process::channel_error) for
// a line that is not JSON or is longer than the limit; the channel goes on with the next line on
// the next receive(). "channel send: Broken pipe" when the peer has gone.
//
// Limits (a peer is not trusted to be well-behaved):
// - Receive: a line longer than max_message() (64 MiB by default; Node has no limit) is
//   message_too_long as soon as the limit is passed, however long the peer's line goes on
//   (without a newline, for ever): the buffer grows to the limit plus one read chunk (64 KiB)
//   at most, the rest of the line is dropped as it comes, and the line after it is the next
//   message. Once a large line has been consumed the buffer shrinks back to 128 KiB, so one big
//   message does not stay resident. A value
//   nested deeper than max_depth() (4096 by default; JSON.parse has no small limit, Boost.JSON's
//   default 32 refuses real messages) is bad_message, as is anything that is not one JSON value
//   in UTF-8; the channel goes on.
// - Send: nothing is queued beyond the messages of the sends in progress. A send completes
//   once its line is in the socket, so a peer that stops reading stops the sender, and memory
//   holds at most one copy of each message whose send has not completed (the caller's number of
//   concurrent sends). A peer that never reads makes send wait for ever: bound it with
//   with_timeout (the channel is then unusable if the line was half written, see below).
//
// Handles (POSIX, coronet/process/handle.hpp): send(message, handle) passes a connected or
// listening socket to the peer the way Node's child.send(message, socket) does, so the peer may be
// Node: the line is {"cmd":"NODE_HANDLE","type":"net.Socket","msg":<message>} with the
// descriptor attached (SCM_RIGHTS); the receiver answers {"cmd":"NODE_HANDLE_ACK"} (or
// NODE_HANDLE_NACK when the descriptor did not arrive, and the sender tries again, up to 3
// times). receive_with_handle() gives the message with its handle; receive() closes a handle
// that comes. Both answer the sender. See docs/process.md, "Passing handles".
//
// Cancel safety:
// - receive: safe. A cancelled receive loses no message: bytes already read stay buffered.
// - send: a send cancelled while it waits behind others has written nothing; one whose message
//   is already being written (with others') ends at once and the message still goes out whole.
//   A send cancelled while it is itself writing may leave part of a line: the channel is then
//   unusable (the peer sees a broken line).
// - send with a handle: as send while it waits or writes; cancelled while it waits for the
//   acknowledgement, the handle has gone out and the peer may well take it (this side's copy is
//   closed either way), and the next handle send still waits for that acknowledgement.
// - receive_with_handle: safe, handles included; the acknowledgement it owes the sender is
//   written even when it is cancelled meanwhile (a short uncancellable write).
#pragma once

#include <cstddef>
#include <memory>
#include <optional>
#include <system_error>

#include "coronet/process/detail/json_fwd.hpp"
#include "coronet/process/handle.hpp"
#include "coronet/stream.hpp"
#include "coronet/task.hpp"

namespace coronet::process {

enum class channel_error {
  bad_message = 1,   // a line that is not one JSON value
  message_too_long,  // a line longer than max_message
  closed,            // send() after disconnect()
  handle_lost,       // the peer answered NODE_HANDLE_NACK to every try: the handle did not arrive
};

const std::error_category& channel_category() noexcept;
inline std::error_code make_error_code(channel_error e) noexcept {
  return {static_cast<int>(e), channel_category()};
}

namespace detail {
struct channel_state;
}

class channel {
 public:
  // Node writes a message of any size; the limit only stops a peer from filling our memory.
  static constexpr std::size_t default_max_message = std::size_t(64) << 20;
  // Nesting of arrays and objects in a received message (Boost.JSON's parse_options.max_depth).
  static constexpr std::size_t default_max_depth = 4096;

  channel() noexcept;
  // A channel over a connected stream (normally one end of a socketpair; Windows: a pipe
  // stream).
  explicit channel(stream s, std::size_t max_message = default_max_message);
  channel(channel&&) noexcept;
  channel& operator=(channel&&) noexcept;
  ~channel();

  // Completes once the whole line is written to the socket (so a slow reader slows the sender
  // down: nothing queues without bound).
  task<> send(boost::json::value message);
  // The next message, or nullopt once the peer has disconnected or exited (or after
  // disconnect() on this side, also for a receive pending at that moment). A handle that comes
  // with the message is closed (after telling the sender it arrived).
  task<std::optional<boost::json::value>> receive();
#ifndef _WIN32
  // Sends `message` with `h` attached (Node's child.send(message, handle)). The handle is this
  // call's: its descriptor here is closed once the peer has acknowledged it (Node's default,
  // keepOpen false), or when the send fails or is cancelled. Completes when the peer has
  // acknowledged, so one handle is in flight at a time; sends that start meanwhile, with or
  // without a handle, wait and keep their order (as Node queues them). While it waits for the
  // acknowledgement it reads the channel itself if no receive() does; messages it reads meanwhile
  // are kept for the next receive(). An empty handle makes this a plain send.
  // Errors: channel_error::handle_lost, a channel closed or a peer gone before it answered
  // (EPIPE), EOPNOTSUPP over a pipe (which cannot carry descriptors).
  task<> send(boost::json::value message, handle h);
  // The next message and the handle that came with it (see handle.hpp), or nullopt at the end,
  // as receive(). A handle arrives as a stream or listener of the calling scheduler.
  task<std::optional<process::message>> receive_with_handle();
#endif
  // Closes this end: the peer's receive() gives nullopt. Pending operations end (a receive with
  // nullopt, a send with operation_canceled).
  void disconnect() noexcept;

  bool is_connected() const noexcept;
  std::size_t max_message() const noexcept;
  void set_max_message(std::size_t bytes) noexcept;
  std::size_t max_depth() const noexcept;
  // Applies from the next line parsed.
  void set_max_depth(std::size_t depth);

 private:
  std::unique_ptr<detail::channel_state> state_;
};

}  // namespace coronet::process

template <>
struct std::is_error_code_enum<coronet::process::channel_error> : std::true_type {};
