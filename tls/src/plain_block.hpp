// plain_block: one 16 KiB block that receive() decrypts into (plain_blocks.hpp), owned until
// given back to the calling thread's free list. The free list keeps a busy connection from
// allocating per read; it is bounded, so a burst of many readers does not stay in memory.
#pragma once

#include <cstddef>
#include <utility>

#include "coronet/tls/detail/plain_blocks.hpp"

namespace coronet::tls::detail {

class plain_block {
 public:
  plain_block() noexcept = default;
  // A block from this thread's free list, or a new one.
  static plain_block take();

  plain_block(plain_block&& o) noexcept : data_(std::exchange(o.data_, nullptr)) {}
  plain_block& operator=(plain_block&& o) noexcept {
    if (this != &o) {
      give_back();
      data_ = std::exchange(o.data_, nullptr);
    }
    return *this;
  }
  plain_block(const plain_block&) = delete;
  plain_block& operator=(const plain_block&) = delete;
  ~plain_block() { give_back(); }

  std::byte* data() const noexcept { return data_; }
  static constexpr std::size_t size() noexcept { return plain_block_size; }
  // To this thread's free list (or freed when it is full); empty afterwards.
  void give_back() noexcept;

 private:
  explicit plain_block(std::byte* d) noexcept : data_(d) {}
  std::byte* data_ = nullptr;
};

}  // namespace coronet::tls::detail
