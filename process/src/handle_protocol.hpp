// Node's handle protocol, the receiver's side: a NODE_HANDLE line
// ({"cmd":"NODE_HANDLE","type":...,"msg":<message>}) comes with a descriptor, and the receiver
// answers NODE_HANDLE_ACK once it has it, or NODE_HANDLE_NACK when it did not arrive, after which
// the sender tries again (lib/internal/child_process.js). POSIX (handle_protocol.cpp) takes the
// descriptor; Windows (win/handle_protocol.cpp) has none to take and always answers NACK. The
// sender's side is POSIX only: channel_handles.cpp.
#pragma once

#include <optional>
#include <string_view>

#include <boost/json/value.hpp>

#include "channel_state.hpp"
#include "coronet/task.hpp"

namespace coronet::process::detail {

// The receiver's answers, each a line of its own.
inline constexpr std::string_view ack_line = "{\"cmd\":\"NODE_HANDLE_ACK\"}\n";
inline constexpr std::string_view nack_line = "{\"cmd\":\"NODE_HANDLE_NACK\"}\n";

// Holding the read role, for a NODE_HANDLE line (`envelope`): answers the sender, and returns the
// program's message with its handle, or nullopt when there is none for the program.
task<std::optional<inbound>> receive_handle(channel_state& st, boost::json::value envelope);

}  // namespace coronet::process::detail
