// The channel's handle API, POSIX only (coronet/process/handle.hpp): send(message, handle), the
// sender's side of Node's handle protocol (see handle_protocol.hpp for the receiver's), and
// receive_with_handle().
#include <fcntl.h>

#include <cerrno>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <variant>

#include <boost/json/object.hpp>

#include "channel_receive.hpp"
#include "channel_send.hpp"
#include "coronet/cancellation.hpp"
#include "coronet/error.hpp"
#include "coronet/process/channel.hpp"
#include "handle_conversion.hpp"

namespace coronet::process {

namespace detail {
namespace {

// How often a sender tries again after a NODE_HANDLE_NACK (MAX_HANDLE_RETRANSMISSIONS in Node's
// lib/internal/child_process.js).
constexpr int max_retransmissions = 3;

// Holding the read role: handles one line. The program's message, or nullopt for a line of
// Node's that was handled here. Throws channel_error::bad_message for a line that is not JSON.
task<std::optional<inbound>> dispatch(channel_state& st, std::string_view line) {
  boost::json::value v = st.text.parse(line);
  st.input.trim();  // a large line is parsed: its buffer goes back now
  if (!internal_cmd(v)) co_return inbound(std::move(v));
  std::optional<inbound> m = co_await dispatch_internal(st, std::move(v));
  co_return m;
}

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

}  // namespace
}  // namespace detail

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
    if (tries == detail::max_retransmissions)
      throw_error(channel_error::handle_lost, "channel send " + std::string(handle_type(h)));
  }
}

}  // namespace coronet::process
