// POSIX: what travels with a channel's lines besides their bytes is a descriptor (SCM_RIGHTS,
// coronet/detail/descriptor_passing.hpp), and Node's handles ride on it. Windows' counterpart is
// win/attachments.hpp; channel_transport.hpp includes the one of the system built for.
#pragma once

#include "coronet/detail/descriptor_passing.hpp"
#include "coronet/detail/unique_fd.hpp"
#include "coronet/process/handle.hpp"

namespace coronet::process::detail {

// Descriptors that arrived and that no NODE_HANDLE line has claimed yet, oldest first.
using received_descriptors = coronet::detail::received_fds;
// The descriptor a line goes out with (none: empty); the writer owns it once given.
using outgoing_descriptor = coronet::detail::unique_fd;
// The handle a received message came with (empty when none did).
using message_handle = process::handle;

}  // namespace coronet::process::detail
