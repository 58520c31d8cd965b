// Zero-copy send (IORING_OP_SEND_ZC, 6.0), used only for sends of at least CORONET_SEND_ZC bytes:
// on loopback the receiving side copies anyway and the extra notification CQE made bulk
// transfers slower (docs/performance.md).
#pragma once

#include <cstddef>

#include "ring.hpp"

namespace coronet::detail::uring {

// The kernel sends from `buf` itself: the operation (and so the caller's hold on the buffer)
// ends only with the notification CQE that follows the result. Where the socket has no
// zero-copy (a Unix socket), it is sent again the usual way.
void start_send_zc(ring& r, operation& op, int fd, const void* buf, std::size_t len);

}  // namespace coronet::detail::uring
