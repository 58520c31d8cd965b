// The receive side of a channel: reading the stream into lines, telling the program's messages
// from Node's internal ones, and receive_as, which receive() and receive_with_handle() share.
#pragma once

#include <exception>
#include <optional>
#include <string_view>
#include <type_traits>
#include <utility>

#include <boost/json/string.hpp>
#include <boost/json/value.hpp>

#include "channel_state.hpp"
#include "coronet/task.hpp"

namespace coronet::process::detail {

// Node's internal messages: objects whose "cmd" is a string starting with "NODE_". Their "cmd",
// or nullptr for a message of the program's.
const boost::json::string* internal_cmd(const boost::json::value& v);

// Reads more bytes (and the descriptors that come with them) into the buffer. At the end of
// input sets end_of_input; after disconnect() returns with `disconnected` set.
task<> read_more(channel_state& st);

// Holding the read role: acts on one of Node's internal messages (internal_cmd(v) is set). Returns
// the program's message when it carried one (a handle's); the answer to a handle is written
// before this returns. The program's own lines never come here: receiving them costs no
// coroutine of its own.
task<std::optional<inbound>> dispatch_internal(channel_state& st, boost::json::value v);

// What a receive gives for `m`: receive() its value (a handle that came is closed with `m`),
// receive_with_handle() the message with its handle.
template <class Out>
std::optional<Out> output_of(inbound& m) {
  if constexpr (std::is_same_v<Out, boost::json::value>)
    return std::optional<Out>(std::move(m.value));
  else
    return std::optional<Out>(Out{std::move(m.value), std::move(m.handle)});
}

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
      co_return output_of<Out>(m);
    }
    if (st.disconnected) co_return std::nullopt;
    if (!st.reading) break;
    co_await wait_for_change(st);  // a handle sender is reading: its messages come here
  }
  read_role role(st);
  for (;;) {
    while (std::optional<std::string_view> line = st.input.next_line()) {
      boost::json::value v = st.text.parse(*line);
      st.input.trim();  // a large line is parsed: its buffer goes back now, not at the next read
      if (!internal_cmd(v)) {
        if constexpr (std::is_same_v<Out, boost::json::value>) {
          co_return std::optional<Out>(std::move(v));  // the common case: one move, no more
        } else {
          inbound m(std::move(v));
          co_return output_of<Out>(m);
        }
      }
      std::optional<inbound> m = co_await dispatch_internal(st, std::move(v));
      if (m) co_return output_of<Out>(*m);
    }
    // A trailing piece without '\n' when the peer closed is not a message (Node drops it too).
    if (st.end_of_input) co_return std::nullopt;
    co_await read_more(st);
    if (st.disconnected) co_return std::nullopt;
  }
}

}  // namespace coronet::process::detail
