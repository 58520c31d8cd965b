#include "plain_block.hpp"

#include <atomic>
#include <vector>

namespace coronet::tls::detail {
namespace {

// Spare blocks kept per thread: enough for the connections one scheduler decrypts for in one
// turn of its loop (each gives its block back before it waits again); more are freed.
constexpr std::size_t free_list_limit = 64;

std::atomic<std::size_t> held{0};

// Trivially destructible, so still readable while other thread_locals and statics are destroyed:
// a stream destroyed then frees its block instead of touching a dead free list.
thread_local bool free_list_alive = false;

struct free_list {
  std::vector<std::byte*> blocks;
  free_list() {
    blocks.reserve(free_list_limit);
    free_list_alive = true;
  }
  ~free_list() {
    free_list_alive = false;
    for (std::byte* b : blocks) delete[] b;
  }
  free_list(const free_list&) = delete;
  free_list& operator=(const free_list&) = delete;
};

free_list& this_thread() {
  thread_local free_list list;
  return list;
}

}  // namespace

plain_block plain_block::take() {
  free_list& list = this_thread();
  std::byte* b = nullptr;
  if (list.blocks.empty()) {
    b = new std::byte[plain_block_size];
  } else {
    b = list.blocks.back();
    list.blocks.pop_back();
  }
  held.fetch_add(1, std::memory_order_relaxed);
  return plain_block(b);
}

void plain_block::give_back() noexcept {
  if (!data_) return;
  held.fetch_sub(1, std::memory_order_relaxed);
  std::byte* b = std::exchange(data_, nullptr);
  if (free_list_alive) {
    free_list& list = this_thread();
    if (list.blocks.size() < free_list_limit) {
      list.blocks.push_back(b);  // within the reserved capacity: never allocates
      return;
    }
  }
  delete[] b;
}

std::size_t plain_blocks_held() noexcept {
  return held.load(std::memory_order_relaxed);
}

}  // namespace coronet::tls::detail
