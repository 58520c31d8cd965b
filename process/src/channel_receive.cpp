#include "channel_receive.hpp"

#include <span>
#include <system_error>

#include "coronet/error.hpp"
#include "handle_protocol.hpp"

namespace coronet::process::detail {

const boost::json::string* internal_cmd(const boost::json::value& v) {
  const auto* obj = v.if_object();
  if (!obj) return nullptr;
  const auto* cmd = obj->if_contains("cmd");
  if (!cmd || !cmd->is_string() || !cmd->get_string().starts_with("NODE_")) return nullptr;
  return &cmd->get_string();
}

task<> read_more(channel_state& st) {
  std::span<char> room = st.input.room();
  std::size_t n = 0;
  std::error_code failure;
  try {
    const std::size_t got = co_await read_some(st.s, room, st.fds);
    n = got;
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
  std::optional<inbound> m = co_await receive_handle(st, std::move(v));
  co_return m;
}

}  // namespace coronet::process::detail
