// A descriptor received over the channel as the handle it is, and a handle's descriptor to send.
// POSIX only, like handles themselves (coronet/process/handle.hpp).
#pragma once

#include "coronet/detail/unique_fd.hpp"
#include "coronet/process/handle.hpp"

namespace coronet::process::detail {

// A listening socket as a listener of its family, a connected one as a stream, a pipe as a pipe
// stream, all under the calling scheduler. Anything else is closed (an empty handle).
process::handle make_handle(coronet::detail::unique_fd fd);

// The descriptor `h` holds, or -1 for an empty handle. `h` keeps it.
int native_of(const process::handle& h) noexcept;

}  // namespace coronet::process::detail
