// POSIX: a NODE_HANDLE line claims the oldest descriptor received.
#include "handle_protocol.hpp"

#include <system_error>
#include <utility>

#include <boost/json/object.hpp>

#include "channel_receive.hpp"
#include "channel_send.hpp"
#include "handle_conversion.hpp"

namespace coronet::process::detail {

task<std::optional<inbound>> receive_handle(channel_state& st, boost::json::value envelope) {
  // The descriptor came with the line, or with an earlier read if the line spans several: the
  // oldest one received belongs to the first NODE_HANDLE line that completes (as in Node).
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
  boost::json::object& fields = envelope.as_object();
  boost::json::value inner;
  if (auto* m = fields.if_contains("msg")) inner = std::move(*m);
  // A handle for Node's own use (its cluster module sends {cmd: "NODE_CLUSTER"} with one) is not
  // the program's: it is closed with `h`.
  if (internal_cmd(inner)) co_return std::nullopt;
  co_return inbound(std::move(inner), std::move(h));
}

}  // namespace coronet::process::detail
