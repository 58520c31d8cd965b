// Blocks that a backend lends for stream::receive() when it has nothing better: the Windows
// backend always, the epoll backend once a socket is readable, io_uring for pipes and when its
// provided-buffer ring is empty or unavailable. Freed blocks are kept for reuse, up to k_keep.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "coronet/detail/io_handle.hpp"
#include "coronet/detail/operation.hpp"
#include "coronet/received.hpp"

namespace coronet::detail {

class block_pool {
 public:
  static constexpr std::uint32_t k_block_size = 16384;  // one TLS record, like the ring's buffers
  static constexpr std::uint32_t k_id = 0xffffffffu;    // lent_buffer::id of a pool block

  block_pool() = default;
  block_pool(const block_pool&) = delete;
  block_pool& operator=(const block_pool&) = delete;
  ~block_pool();

  // A block of k_block_size; throws std::bad_alloc.
  lent_buffer take();
  void give_back(std::byte* p) noexcept;
  // Blocks lent now and not yet given back.
  std::size_t out() const noexcept { return out_; }

 private:
  static constexpr std::size_t k_keep = 64;
  std::vector<std::byte*> free_;
  std::size_t out_ = 0;
};

// recv_lent the plain way, for a backend that has nothing better: take a block of `pool` into
// `out` and start b.read_some into it. If starting throws, the block goes back first.
void read_into_block(io_backend& b, block_pool& pool, operation& op, io_handle& h,
                     lent_buffer& out);

}  // namespace coronet::detail
