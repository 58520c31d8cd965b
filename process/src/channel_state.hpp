// channel_state: what a process::channel holds behind its pointer, and the two roles its
// coroutines take in turn: reading the stream (one at a time, read_role) and sending in order
// behind a handle send (turn). Behind a pointer so that a channel can move (into a child, out of
// parent_channel) while nothing is pending, and so that all of this stays private.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <exception>
#include <utility>

#include <boost/json/value.hpp>

#include "channel_transport.hpp"
#include "coronet/detail/event.hpp"
#include "coronet/process/json.hpp"
#include "coronet/stream.hpp"
#include "coronet/task.hpp"
#include "json_text.hpp"
#include "line_reader.hpp"
#include "line_writer.hpp"

namespace coronet::process::detail {

// A message for the program, or the error one line gave: what a handle sender that reads while
// it waits for its acknowledgement keeps for the next receive().
struct inbound {
  inbound() = default;
  explicit inbound(boost::json::value v) : value(std::move(v)) {}
  inbound(boost::json::value v, message_handle h) : value(std::move(v)), handle(std::move(h)) {}
  static inbound failure(std::exception_ptr e) {
    inbound m;
    m.error = std::move(e);
    return m;
  }

  boost::json::value value;
  message_handle handle;
  std::exception_ptr error;
};

struct channel_state {
  channel_state(stream st, std::size_t max_message, std::size_t max_depth)
      : s(std::move(st)), input(max_message), text(max_depth) {}

  stream s;
  line_reader input;
  json_text text;
  line_writer writer;

  bool end_of_input = false;  // the peer closed
  bool disconnected = false;  // disconnect() on this side

  // Descriptors that arrived and that no NODE_HANDLE line has claimed yet (POSIX).
  received_descriptors fds;
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

// Until the next notify().
task<> wait_for_change(channel_state& st);
// Until `t` is first in line; channel_error::closed once the channel is disconnected.
task<> wait_for_turn(channel_state& st, const turn& t);

}  // namespace coronet::process::detail
