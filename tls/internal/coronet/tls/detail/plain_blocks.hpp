// plain_blocks: the 16 KiB blocks tls::stream::receive() decrypts into, taken from a small
// per-thread free list when decrypted bytes are there to hand out and given back when the stream
// reads again, so that a stream waiting for its peer holds none.
//
// This header is tls's own (tls/internal, never installed): the tests reach the count through
// it, as they reach io's buffers_lent through io/internal.
#pragma once

#include <cstddef>

namespace coronet::tls::detail {

// The size of one block: a TLS record's plaintext at most.
inline constexpr std::size_t plain_block_size = 16 * 1024;

// Blocks that streams hold now (a view receive() returned is still valid), on every thread; the
// free lists' spare blocks are not counted.
std::size_t plain_blocks_held() noexcept;

}  // namespace coronet::tls::detail
