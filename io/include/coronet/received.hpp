// received: bytes that stream::receive() got from the kernel, in a buffer the scheduler lends.
//
//   for (;;) {
//     coronet::received r = co_await s.receive();  // empty: the peer closed
//     if (!r) break;
//     co_await s.write_all(r.bytes());
//   }
//
// Why a lent buffer instead of the caller's: with io_uring the kernel picks a buffer from the
// scheduler's ring only when data arrives, so a connection that waits for its peer holds no
// buffer at all (10,000 idle connections cost no 10,000 read buffers), and one multishot receive
// serves every read of the stream without a new request per read. The buffer goes back to the
// scheduler when the `received` is destroyed or release()d; keep it no longer than needed, and
// never past the scheduler (thread) that produced it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <utility>

namespace coronet {

namespace detail {

// A buffer lent by a backend: `id` says where it goes back (a provided-buffer ring slot, or the
// backend's block pool); `capacity` is its size, of which a receive filled a prefix.
struct lent_buffer {
  std::byte* data = nullptr;
  std::uint32_t capacity = 0;
  std::uint32_t id = 0;
};

// Where a `received` returns its buffer: the backend that lent it. All that `received` needs to
// know of a backend.
class buffer_lender {
 public:
  virtual void give_back(const lent_buffer& b) noexcept = 0;

 protected:
  ~buffer_lender() = default;
};

class receive_awaiter;
}  // namespace detail

class received {
 public:
  received() noexcept = default;
  received(received&& o) noexcept
      : owner_(std::exchange(o.owner_, nullptr)),
        buf_(o.buf_),
        begin_(o.begin_),
        size_(std::exchange(o.size_, 0)) {}
  received& operator=(received&& o) noexcept {
    if (this != &o) {
      release();
      owner_ = std::exchange(o.owner_, nullptr);
      buf_ = o.buf_;
      begin_ = o.begin_;
      size_ = std::exchange(o.size_, 0);
    }
    return *this;
  }
  received(const received&) = delete;
  received& operator=(const received&) = delete;
  ~received() { release(); }

  // The bytes not yet consumed; empty at end of stream.
  std::span<const std::byte> bytes() const noexcept { return {begin_, size_}; }
  std::string_view view() const noexcept { return {reinterpret_cast<const char*>(begin_), size_}; }
  const std::byte* data() const noexcept { return begin_; }
  std::size_t size() const noexcept { return size_; }
  bool empty() const noexcept { return size_ == 0; }
  // False at end of stream: `if (!r) break;` after each receive reads to the end.
  explicit operator bool() const noexcept { return size_ != 0; }

  // Drop the first n bytes (a parser took them); the buffer stays lent until release().
  void consume(std::size_t n) noexcept {
    if (n > size_) n = size_;
    begin_ += n;
    size_ -= n;
  }

  // Give the buffer back now; the object is empty afterwards.
  void release() noexcept;

 private:
  friend class detail::receive_awaiter;  // the one maker of a non-empty `received`
  received(detail::buffer_lender& owner, detail::lent_buffer buf, std::size_t size) noexcept
      : owner_(&owner), buf_(buf), begin_(buf.data), size_(size) {}

  detail::buffer_lender* owner_ = nullptr;
  detail::lent_buffer buf_;
  const std::byte* begin_ = nullptr;
  std::size_t size_ = 0;
};

}  // namespace coronet
