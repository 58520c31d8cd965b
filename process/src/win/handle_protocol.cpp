// Windows: no descriptor comes with a NODE_HANDLE line (see win/attachments.hpp), so the sender
// is told it did not arrive.
#include "../handle_protocol.hpp"

#include "../channel_send.hpp"

namespace coronet::process::detail {

task<std::optional<inbound>> receive_handle(channel_state& st, boost::json::value) {
  co_await write_answer(st, nack_line);  // no descriptors here
  co_return std::nullopt;
}

}  // namespace coronet::process::detail
