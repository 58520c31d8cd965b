// A provided-buffer ring (io_uring, kernel >= 5.19): buffers the kernel picks from when data
// arrives for a receive that asked for IOSQE_BUFFER_SELECT, instead of one the receive named when
// it started. Debian 12's liburing (2.3) has no io_uring_setup_buf_ring(), so the ring memory is
// mapped here and registered with io_uring_register_buf_ring().
#pragma once

#include <liburing.h>

#include <cstddef>
#include <cstdint>

namespace coronet::detail::uring {

class buffer_ring {
 public:
  static constexpr unsigned k_entries = 1024;            // a power of two, as the kernel requires
  static constexpr std::uint32_t k_buffer_size = 16384;  // one TLS record, like the pool blocks

  buffer_ring() = default;
  buffer_ring(const buffer_ring&) = delete;
  buffer_ring& operator=(const buffer_ring&) = delete;
  ~buffer_ring();

  // Map the memory, register it as group `group` of `ring` and fill it. False (and nothing
  // held) when the kernel refuses: the caller then lends pool blocks instead. The buffers are
  // reserved address space; the kernel touches a page only when it receives into it.
  bool setup(io_uring& ring, unsigned short group) noexcept;
  bool ready() const noexcept { return entries_ != nullptr; }
  // Unregister before the ring goes away (io_uring_queue_exit drops it anyway).
  void teardown(io_uring& ring) noexcept;

  std::byte* buffer(unsigned id) const noexcept {
    return memory_ + std::size_t(id) * k_buffer_size;
  }
  // Hand buffer `id` back to the kernel.
  void recycle(unsigned id) noexcept;
  // How many buffers the kernel can still take; 0 means receives end with ENOBUFS.
  unsigned available() const noexcept { return available_; }
  void taken() noexcept { --available_; }

 private:
  io_uring_buf_ring* entries_ = nullptr;
  std::byte* memory_ = nullptr;
  unsigned short group_ = 0;
  unsigned available_ = 0;
};

}  // namespace coronet::detail::uring
