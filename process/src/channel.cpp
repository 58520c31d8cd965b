#include "coronet/process/channel.hpp"

#ifndef _WIN32
#include <fcntl.h>
#endif

#include <cerrno>
#include <cstdint>
#include <deque>
#include <exception>
#include <memory>
#include <optional>
#include <string>
#include <utility>

#include <boost/json/object.hpp>

#include "coronet/cancellation.hpp"
#include "coronet/detail/event.hpp"
#include "coronet/error.hpp"
#include "json_text.hpp"
#include "line_reader.hpp"
#include "line_writer.hpp"
#ifndef _WIN32
#include "coronet/detail/descriptor_passing.hpp"
#include "handle_conversion.hpp"
#endif

namespace coronet::process {

namespace {
// Node's handle protocol: the receiver's answers, and how often a sender tries again after a
// NODE_HANDLE_NACK (MAX_HANDLE_RETRANSMISSIONS in lib/internal/child_process.js).
constexpr std::string_view nack_line = "{\"cmd\":\"NODE_HANDLE_NACK\"}\n";
#ifndef _WIN32
constexpr std::string_view ack_line = "{\"cmd\":\"NODE_HANDLE_ACK\"}\n";
constexpr int max_retransmissions = 3;
// Received descriptors no NODE_HANDLE line has claimed (yet): a peer sending descriptors without
// lines cannot make this process hold more than this many.
constexpr std::size_t max_pending_fds = 16;
#endif

// Node's internal messages: objects whose "cmd" is a string starting with "NODE_".
const boost::json::string* internal_cmd(const boost::json::value& v) {
  const auto* obj = v.if_object();
  if (!obj) return nullptr;
  const auto* cmd = obj->if_contains("cmd");
  if (!cmd || !cmd->is_string() || !cmd->get_string().starts_with("NODE_")) return nullptr;
  return &cmd->get_string();
}

}  // namespace

namespace detail {

// A message for the program, or the error one line gave: what a handle sender that reads while
// it waits for its acknowledgement keeps for the next receive().
struct inbound {
  inbound() = default;
  explicit inbound(boost::json::value v) : value(std::move(v)) {}
#ifndef _WIN32
  inbound(boost::json::value v, process::handle h) : value(std::move(v)), handle(std::move(h)) {}
#endif
  static inbound failure(std::exception_ptr e) {
    inbound m;
    m.error = std::move(e);
    return m;
  }

  boost::json::value value;
#ifndef _WIN32
  process::handle handle;
#endif
  std::exception_ptr error;
};

// Behind a pointer so that a channel can move (into a child, out of parent_channel) while
// nothing is pending, and so that the buffer and the send lock stay private.
struct channel_state {
  channel_state(stream st, std::size_t max_message, std::size_t max_depth)
      : s(std::move(st)), input(max_message), text(max_depth) {}

  stream s;
  line_reader input;
  json_text text;
  line_writer writer;

  bool end_of_input = false;  // the peer closed
  bool disconnected = false;  // disconnect() on this side

#ifndef _WIN32
  // Descriptors that arrived and that no NODE_HANDLE line has claimed yet, oldest first.
  coronet::detail::received_fds fds;
#endif
  // Messages read by a handle sender while no receive() was reading, for the next receive().
  std::deque<inbound> backlog;
  // Someone (a receive, or a handle sender waiting for its answer) holds the read side.
  bool reading = false;
  // Set whenever something those who wait here look at changes: the read side is released, an
  // answer to a handle arrives, the turn passes, the channel ends. Waiters re-check and wait
  // again.
  coronet::detail::event changed;
  // Handle sends and the plain sends that started after one: first come, first served; the
  // first holds the turn (see channel::send).
  std::deque<const void*> turns;
  // NODE_HANDLE lines written, and answers (ACK or NACK) received; the last answer's kind.
  std::uint64_t handles_sent = 0;
  std::uint64_t handles_answered = 0;
  bool last_answer_ack = false;

  void notify() noexcept {
    try {
      changed.set();
    } catch (...) {
      // Only the ready queue's allocation can fail; a waiter then waits for the next change.
    }
  }
};

namespace {

// While held, this coroutine is the one reading the socket and handling lines.
class read_role {
 public:
  explicit read_role(channel_state& st) noexcept : st_(st) { st_.reading = true; }
  read_role(const read_role&) = delete;
  read_role& operator=(const read_role&) = delete;
  ~read_role() {
    st_.reading = false;
    st_.notify();
  }

 private:
  channel_state& st_;
};

// A place in the line of sends that must keep their order behind a handle send.
class turn {
 public:
  explicit turn(channel_state& st) : st_(st) { st_.turns.push_back(this); }
  turn(const turn&) = delete;
  turn& operator=(const turn&) = delete;
  ~turn() {
    const bool first = st_.turns.front() == this;
    std::erase(st_.turns, this);
    if (first) st_.notify();
  }
  bool first() const noexcept { return st_.turns.front() == this; }

 private:
  channel_state& st_;
};

task<> wait_for_change(channel_state& st) {
  st.changed.reset();
  co_await st.changed.wait();
}

task<> wait_for_turn(channel_state& st, const turn& t) {
  while (!t.first()) {
    if (st.disconnected) throw_error(channel_error::closed, "channel send");
    co_await wait_for_change(st);
  }
}

// Writes one line through the writer, coalesced with the lines of concurrent senders; with a
// descriptor (POSIX) attached to the batch that holds it. The line is `text`, which must stay
// valid until this first suspends (the writer copies it before); or, when `text` is empty,
// `message`, serialised once the sends that must go first (a handle send in line) have gone:
// that is channel::send, in one coroutine per message.
#ifndef _WIN32
task<> write_line(channel_state* state, std::string_view text, boost::json::value message = {},
                  coronet::detail::unique_fd fd = {}) {
#else
task<> write_line(channel_state* state, std::string_view text, boost::json::value message = {}) {
#endif
  if (!state || state->disconnected) throw_error(channel_error::closed, "channel send");
  channel_state& st = *state;
  const bool plain_send = text.empty();
  if (plain_send) {
    if (!st.turns.empty()) {
      // A handle send is in line (waiting for its turn or its answer): keep the order, as Node
      // queues every message behind a handle that is not acknowledged yet. Our turn ends before
      // our line enters the writer; the next one waits for the next turn of the loop.
      turn t(st);
      co_await wait_for_turn(st, t);
    }
    text = st.text.serialize(message);
  }
#ifndef _WIN32
  line_writer::ticket ticket = st.writer.enqueue(text, std::move(fd));
#else
  line_writer::ticket ticket = st.writer.enqueue(text);
#endif
  using outcome = line_writer::outcome;
  const outcome o = co_await ticket;  // the line is in the writer's outbox now
  // Keep the serialising buffer for the next send, but not the memory of a rare huge message.
  if (plain_send) st.text.trim();
  switch (o) {
    case outcome::written:
      co_return;
    case outcome::failed:
      throw_error(ticket.error(), "channel send");
    case outcome::cancelled:
      throw_errno(ECANCELED, "channel send");
    default:  // lead: write our line and those queued behind it
      break;
  }
  const std::stop_token token = co_await this_task::stop_token();
  if (token.stop_requested()) {
    // Cancelled while waiting for the lead: nothing of ours is written yet, so let the next
    // sender write instead of failing the lines queued behind ours.
    ticket.abandon_lead();
    throw_errno(ECANCELED, "channel send");
  }
  line_writer::batch batch(st.writer);
  std::error_code failure;
  try {
#ifndef _WIN32
    if (batch.fd() >= 0)
      co_await coronet::detail::write_all_with_fd_awaiter(
          st.s, std::as_bytes(std::span(batch.bytes().data(), batch.bytes().size())), batch.fd());
    else
#endif
      co_await st.s.write_all(batch.bytes());
  } catch (const std::system_error& e) {
    failure = e.code();
  }
  batch.settle(failure);
  // "channel send: Broken pipe", not the socket layer's nameless "write: Broken pipe".
  if (failure) throw_error(failure, "channel send");
}

// A line of our own (an answer to a handle) that must go out even if whoever writes it is
// cancelled meanwhile: it is short, and a peer waiting for it is reading. Failures are not the
// writer's concern (as in Node, which swallows them): the channel's end shows elsewhere.
task<> write_answer(channel_state& st, std::string_view line) {
  try {
    task<> w = coronet::detail::shielded(write_line(&st, line));
    co_await std::move(w);
  } catch (const std::system_error&) {
  }
}

// Reads more bytes (and the descriptors that come with them) into the buffer. At the end of
// input sets end_of_input; after disconnect() returns with `disconnected` set.
task<> read_more(channel_state& st) {
  std::span<char> room = st.input.room();
  std::size_t n = 0;
  std::error_code failure;
  try {
#ifndef _WIN32
    if (!st.s.is_pipe()) {
      const std::size_t got = co_await coronet::detail::read_some_with_fds_awaiter(
          st.s, std::as_writable_bytes(room), st.fds);
      n = got;
      while (st.fds.fds.size() > max_pending_fds) st.fds.fds.pop_front();  // closes it
    } else
#endif
    {
      const std::size_t got = co_await st.s.read_some(room);
      n = got;
    }
  } catch (const std::system_error& e) {
    failure = e.code();
  }
  if (failure) {
    if (st.disconnected) co_return;
    // A peer that exits with our message unread in its socket resets the connection: for a
    // channel that is just its end, as Node sees it.
    if (failure != std::errc::connection_reset) throw_error(failure, "channel receive");
    n = 0;
  }
  if (n == 0) {
    st.end_of_input = true;
    st.notify();  // a handle sender waiting for an answer that cannot come any more
  }
  st.input.commit(n);
}

// Holding the read role: acts on one of Node's internal messages (internal_cmd(v) is set). Returns
// the program's message when it carried one (a handle's); the answer to a handle is written
// before this returns. The program's own lines never come here: receiving them costs no
// coroutine of its own.
task<std::optional<inbound>> dispatch_internal(channel_state& st, boost::json::value v) {
  const boost::json::string* cmd = internal_cmd(v);
  if (*cmd == "NODE_HANDLE_ACK" || *cmd == "NODE_HANDLE_NACK") {
    // An answer nobody waits for (a peer's stray one) changes nothing.
    if (st.handles_answered < st.handles_sent) {
      ++st.handles_answered;
      st.last_answer_ack = *cmd == "NODE_HANDLE_ACK";
      st.notify();
    }
    co_return std::nullopt;
  }
  if (*cmd != "NODE_HANDLE") co_return std::nullopt;  // Node's cluster and socket-list messages
    // The descriptor came with the line, or with an earlier read if the line spans several: the
    // oldest one received belongs to the first NODE_HANDLE line that completes (as in Node).
#ifndef _WIN32
  coronet::detail::unique_fd fd;
  if (!st.fds.fds.empty()) {
    fd = std::move(st.fds.fds.front());
    st.fds.fds.pop_front();
  }
  if (!fd) {
    co_await write_answer(st, nack_line);  // lost on the way (MSG_CTRUNC): send it again
    co_return std::nullopt;
  }
  co_await write_answer(st, ack_line);
  process::handle h;
  try {
    h = make_handle(std::move(fd));
  } catch (const std::system_error&) {
    // Not a socket we can adopt: the message comes without it (the descriptor is closed).
  }
  boost::json::object& envelope = v.as_object();
  boost::json::value inner;
  if (auto* m = envelope.if_contains("msg")) inner = std::move(*m);
  // A handle for Node's own use (its cluster module sends {cmd: "NODE_CLUSTER"} with one) is not
  // the program's: it is closed with `h`.
  if (internal_cmd(inner)) co_return std::nullopt;
  co_return inbound(std::move(inner), std::move(h));
#else
  co_await write_answer(st, nack_line);  // no descriptors here
  co_return std::nullopt;
#endif
}

// What receive() gives (the value) and receive_with_handle() (a message with its handle).
boost::json::value&& output_of(inbound& m, boost::json::value*) {
  return std::move(m.value);  // a handle is closed with `m`
}
#ifndef _WIN32
message output_of(inbound& m, message*) {
  return message{std::move(m.value), std::move(m.handle)};
}
#endif

#ifndef _WIN32  // only the handle sender's pump() needs it
// Holding the read role: handles one line. The program's message, or nullopt for a line of
// Node's that was handled here. Throws channel_error::bad_message for a line that is not JSON.
task<std::optional<inbound>> dispatch(channel_state& st, std::string_view line) {
  boost::json::value v = st.text.parse(line);
  if (!internal_cmd(v)) co_return inbound(std::move(v));
  std::optional<inbound> m = co_await dispatch_internal(st, std::move(v));
  co_return m;
}
#endif

// The next message for the program as an Out (boost::json::value or message), or nullopt at the
// end: receive() and receive_with_handle(). One coroutine per message; a line of the program's
// is parsed and returned without another.
template <class Out>
task<std::optional<Out>> receive_as(channel_state* state) {
  if (!state) co_return std::nullopt;
  channel_state& st = *state;
  for (;;) {
    if (!st.backlog.empty()) {
      inbound m = std::move(st.backlog.front());
      st.backlog.pop_front();
      if (m.error) std::rethrow_exception(m.error);
      co_return std::optional<Out>(output_of(m, static_cast<Out*>(nullptr)));
    }
    if (st.disconnected) co_return std::nullopt;
    if (!st.reading) break;
    co_await wait_for_change(st);  // a handle sender is reading: its messages come here
  }
  read_role role(st);
  for (;;) {
    while (std::optional<std::string_view> line = st.input.next_line()) {
      boost::json::value v = st.text.parse(*line);
      if (!internal_cmd(v)) {
        if constexpr (std::is_same_v<Out, boost::json::value>) {
          co_return std::optional<Out>(std::move(v));  // the common case: one move, no more
        } else {
          inbound m(std::move(v));
          co_return std::optional<Out>(output_of(m, static_cast<Out*>(nullptr)));
        }
      }
      std::optional<inbound> m = co_await dispatch_internal(st, std::move(v));
      if (m) co_return std::optional<Out>(output_of(*m, static_cast<Out*>(nullptr)));
    }
    // A trailing piece without '\n' when the peer closed is not a message (Node drops it too).
    if (st.end_of_input) co_return std::nullopt;
    co_await read_more(st);
    if (st.disconnected) co_return std::nullopt;
  }
}

#ifndef _WIN32
// Holding the read role for a handle sender: handles what comes, keeping the program's messages
// (and errors) for receive(), until `answers` handles have been answered or the input ends. Reads
// at most once more than what is buffered, so that a receive() waiting for the role gets it.
task<> pump(channel_state& st, std::uint64_t answers) {
  read_role role(st);
  bool has_read = false;
  for (;;) {
    for (;;) {
      std::optional<std::string_view> line;
      try {
        line = st.input.next_line();
      } catch (const std::system_error&) {
        st.backlog.push_back(inbound::failure(std::current_exception()));
        continue;
      }
      if (!line) break;
      try {
        std::optional<inbound> m = co_await dispatch(st, *line);
        if (m) st.backlog.push_back(std::move(*m));
      } catch (const std::system_error& e) {
        if (is_cancellation(e)) throw;
        st.backlog.push_back(inbound::failure(std::current_exception()));
      }
      if (st.handles_answered >= answers) co_return;
    }
    if (has_read || st.end_of_input || st.disconnected) co_return;
    try {
      co_await read_more(st);
    } catch (const std::system_error& e) {
      if (is_cancellation(e)) throw;
      // The receive side is broken: receive() reports it, and no answer can come.
      st.backlog.push_back(inbound::failure(std::current_exception()));
      st.end_of_input = true;
      co_return;
    }
    has_read = true;
  }
}

// Until the peer has answered `answers` NODE_HANDLE lines in all, reading the channel whenever
// no receive() does.
task<> await_answers(channel_state& st, std::uint64_t answers) {
  while (st.handles_answered < answers) {
    if (st.disconnected) throw_error(channel_error::closed, "channel send");
    if (st.end_of_input)
      throw_errno(EPIPE, "channel send: the peer left before acknowledging a handle");
    if (st.reading)
      co_await wait_for_change(st);
    else
      co_await pump(st, answers);
  }
}

// {"cmd":"NODE_HANDLE","type":TYPE,"msg":MESSAGE} and its '\n', in Node's member order.
std::string handle_line(channel_state& st, boost::json::value message, std::string_view type) {
  boost::json::object envelope;
  envelope["cmd"] = "NODE_HANDLE";
  envelope["type"] = type;
  envelope["msg"] = std::move(message);
  const boost::json::value v = std::move(envelope);
  return std::string(st.text.serialize(v));
}
#endif

}  // namespace
}  // namespace detail

channel::channel() noexcept = default;
channel::channel(stream s, std::size_t max_message)
    : state_(
          std::make_unique<detail::channel_state>(std::move(s), max_message, default_max_depth)) {}
channel::channel(channel&&) noexcept = default;
channel& channel::operator=(channel&&) noexcept = default;
channel::~channel() = default;

bool channel::is_connected() const noexcept {
  return state_ && !state_->disconnected && !state_->end_of_input;
}
std::size_t channel::max_message() const noexcept {
  return state_ ? state_->input.max_message() : default_max_message;
}
void channel::set_max_message(std::size_t bytes) noexcept {
  if (state_) state_->input.set_max_message(bytes);
}
std::size_t channel::max_depth() const noexcept {
  return state_ ? state_->text.max_depth() : default_max_depth;
}
void channel::set_max_depth(std::size_t depth) {
  if (state_) state_->text.set_max_depth(depth);
}

void channel::disconnect() noexcept {
  if (!state_ || state_->disconnected) return;
  state_->disconnected = true;
  state_->s.close();  // pending operations end with operation_canceled
  state_->notify();   // and so do the waits of senders in line
}

task<> channel::send(boost::json::value message) {
  return detail::write_line(state_.get(), {}, std::move(message));
}

task<std::optional<boost::json::value>> channel::receive() {
  return detail::receive_as<boost::json::value>(state_.get());
}

#ifndef _WIN32

std::string_view handle_type(const handle& h) noexcept {
  switch (h.index()) {
    case 1:
      return "net.Socket";
    case 2:
    case 3:
      return "net.Server";
  }
  return "";
}

task<std::optional<message>> channel::receive_with_handle() {
  return detail::receive_as<message>(state_.get());
}

task<> channel::send(boost::json::value message, handle h) {
  if (h.index() == 0) {
    co_await send(std::move(message));
    co_return;
  }
  if (!state_ || state_->disconnected) throw_error(channel_error::closed, "channel send");
  detail::channel_state& st = *state_;
  if (st.s.is_pipe()) throw_errno(EOPNOTSUPP, "channel send: a handle over a pipe");
  const int fd = detail::native_of(h);
  if (fd < 0) throw_errno(EBADF, "channel send: the handle is closed");
  const std::string line = detail::handle_line(st, std::move(message), handle_type(h));

  detail::turn t(st);
  co_await detail::wait_for_turn(st, t);
  // A handle sent by a sender that was cancelled before its answer came: that answer first.
  co_await detail::await_answers(st, st.handles_sent);
  for (int tries = 0;; ++tries) {
    // The writer gets a duplicate of its own: it writes the batch that holds our line even if we
    // are gone by then, and the descriptor must be the same one when it does.
    coronet::detail::unique_fd copy(::fcntl(fd, F_DUPFD_CLOEXEC, 0));
    if (!copy) {
      const int err = errno;
      throw_errno(err, "channel send: dup");
    }
    // Not cancellable: the count of lines that went out must be exact, since the answers are
    // matched to them in order.
    task<> w = coronet::detail::shielded(detail::write_line(&st, line, {}, std::move(copy)));
    co_await std::move(w);
    const std::uint64_t mine = ++st.handles_sent;
    co_await detail::await_answers(st, mine);
    if (st.last_answer_ack) {
      // The peer has it: ours is closed with `h`, but a Unix listener's file is the peer's now.
      if (auto* l = std::get_if<unix::listener>(&h)) l->release_path();
      break;
    }
    if (tries == max_retransmissions)
      throw_error(channel_error::handle_lost, "channel send " + std::string(handle_type(h)));
  }
}

#endif  // !_WIN32

}  // namespace coronet::process
