// A stream read with receive() (6.0): one multishot receive draws a buffer from the
// provided-buffer ring for each arrival. What arrives while nobody waits is queued; past
// k_backlog queued chunks the multishot is cancelled, so that one slow reader cannot drain the
// ring every other stream shares, and re-armed once the reader has caught up. read_some on such a
// stream copies from the same queue, so the two ways of reading never reorder bytes.
#pragma once

#include <cstdint>
#include <vector>

#include "../block_pool.hpp"
#include "buffer_ring.hpp"
#include "multishot.hpp"

namespace coronet::detail::uring {

class receiver final : public multishot {
 public:
  static constexpr std::size_t k_backlog = 8;
  static constexpr unsigned short k_buffer_group = 0;  // the provided-buffer ring's group id

  receiver(ring& r, multishot_list& list, int fd, buffer_ring& buffers, block_pool& pool) noexcept
      : multishot(r, list, fd), buffers_(buffers), pool_(pool) {}

  // Start a read: receive() lends the buffer (`out`), read_some copies into `buf`. Served from
  // the queue at once, or when the next chunk arrives.
  void receive(operation& op, lent_buffer& out) noexcept;
  void read_some(operation& op, void* buf, std::uint32_t len) noexcept;

  void on_cqe(int res, unsigned flags) noexcept override;
  void discard(int res, unsigned flags) noexcept override;
  void rearm() noexcept override;

 private:
  static constexpr unsigned k_no_buffer = ~0u;
  struct chunk {
    int res;               // bytes (from offset 0 of the buffer), 0 at end of stream, or -errno
    std::uint32_t offset;  // bytes already copied out by read_some
    unsigned id;           // ring buffer, or k_no_buffer
  };
  // Where a waiting read wants its data: a lent buffer (`target` is the lent_buffer*), or a
  // copy into the caller's bytes.
  struct wait_state {
    receiver* self;
    void* target;
    std::uint32_t len;
    bool lend;
  };
  static void cancel_wait(ring& r, operation& op) noexcept;
  static op_kind waiting_kind;

  void wait(operation& op, const wait_state& w) noexcept;
  void abandon() noexcept override;
  void arm() noexcept;
  void hand_front(operation& op) noexcept;
  void queue(int res, unsigned id) noexcept;
  // Give back the ring buffers of every queued chunk and empty the queue.
  void drop_queued() noexcept;
  void receive_without_ring() noexcept;
  std::size_t queued() const noexcept { return ready_.size() - head_; }

  buffer_ring& buffers_;
  block_pool& pool_;
  std::vector<chunk> ready_;  // from `head_` on; empty (no allocation) while idle
  std::size_t head_ = 0;
  operation* waiting_ = nullptr;
};

}  // namespace coronet::detail::uring
