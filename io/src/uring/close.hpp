// Closing a descriptor under io_uring, so that no request still in the kernel can touch a later
// descriptor that reuses its number, and its port or path is free when close() returns.
#pragma once

#include "ring.hpp"

namespace coronet::detail::uring {

// Cancel every request on `fd` and close it, by the best means the kernel has: a synchronous
// cancel then close(2) (6.0), a linked cancel + close pair of SQEs (5.19), or shutdown(2) and
// close(2), which wake pending requests on older kernels.
void close_descriptor(ring& r, int fd) noexcept;

}  // namespace coronet::detail::uring
