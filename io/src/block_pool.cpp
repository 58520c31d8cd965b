#include "block_pool.hpp"

#include <cstdlib>
#include <new>
#include <utility>

#include "coronet/detail/io_backend.hpp"

namespace coronet::detail {

block_pool::~block_pool() {
  for (std::byte* p : free_) std::free(p);
}

lent_buffer block_pool::take() {
  std::byte* p = nullptr;
  if (!free_.empty()) {
    p = free_.back();
    free_.pop_back();
  } else {
    p = static_cast<std::byte*>(std::malloc(k_block_size));
    if (!p) throw std::bad_alloc();
  }
  ++out_;
  return {p, k_block_size, k_id};
}

void block_pool::give_back(std::byte* p) noexcept {
  --out_;
  if (free_.size() < k_keep) {
    try {
      free_.push_back(p);
      return;
    } catch (...) {  // no room to remember it: free it instead
    }
  }
  std::free(p);
}

void read_into_block(io_backend& b, block_pool& pool, operation& op, io_handle& h,
                     lent_buffer& out) {
  out = pool.take();
  try {
    b.read_some(op, h, out.data, out.capacity);
  } catch (...) {
    pool.give_back(std::exchange(out, {}).data);
    throw;
  }
}

}  // namespace coronet::detail
