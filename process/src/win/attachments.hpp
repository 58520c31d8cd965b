// Windows: nothing travels with a channel's lines but their bytes. A pipe carries no descriptors,
// and Node's way of passing sockets there (WSADuplicateSocket over libuv's framed pipe protocol)
// is not implemented, so no message comes with a handle. The POSIX counterpart is
// ../attachments.hpp; channel_transport.hpp includes the one of the system built for.
#pragma once

#include <variant>

namespace coronet::process::detail {

using received_descriptors = std::monostate;
using outgoing_descriptor = std::monostate;
using message_handle = std::monostate;

}  // namespace coronet::process::detail
