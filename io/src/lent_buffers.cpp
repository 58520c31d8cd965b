// The lent-buffer half of every backend: the block pool behind the base recv_lent (and behind
// the io_uring backend when its ring is empty), and giving buffers back from `received`.
#include <cstdlib>
#include <new>

#include "coronet/detail/io_backend.hpp"
#include "coronet/received.hpp"

namespace coronet {

void received::release() noexcept {
  if (owner_) std::exchange(owner_, nullptr)->give_back(buf_);
  begin_ = nullptr;
  size_ = 0;
}

}  // namespace coronet

namespace coronet::detail {

io_backend::~io_backend() {
  for (std::byte* p : free_blocks_) std::free(p);
}

lent_buffer io_backend::take_block() {
  std::byte* p = nullptr;
  if (!free_blocks_.empty()) {
    p = free_blocks_.back();
    free_blocks_.pop_back();
  } else {
    p = static_cast<std::byte*>(std::malloc(k_block_size));
    if (!p) throw std::bad_alloc();
  }
  ++blocks_out_;
  return {p, k_block_size, k_pool_id};
}

void io_backend::return_block(std::byte* p) noexcept {
  --blocks_out_;
  if (free_blocks_.size() < k_pool_keep) {
    try {
      free_blocks_.push_back(p);
      return;
    } catch (...) {  // no room to remember it: free it instead
    }
  }
  std::free(p);
}

void io_backend::recv_lent(operation& op, io_handle& h, lent_buffer& out) {
  out = take_block();
  try {
    if (h.type == io_handle::kind::socket)
      recv(op, h, out.data, out.capacity);
    else
      read(op, h, out.data, out.capacity);
  } catch (...) {
    return_block(out.data);
    out = {};
    throw;
  }
}

void io_backend::give_back(const lent_buffer& b) noexcept {
  if (b.data) return_block(b.data);
}

}  // namespace coronet::detail
