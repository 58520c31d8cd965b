#include "buffer_ring.hpp"

#include <sys/mman.h>

namespace coronet::detail::uring {
namespace {

constexpr std::size_t entries_bytes = sizeof(io_uring_buf) * buffer_ring::k_entries;
constexpr std::size_t memory_bytes =
    std::size_t(buffer_ring::k_buffer_size) * buffer_ring::k_entries;

}  // namespace

buffer_ring::~buffer_ring() {
  if (entries_) ::munmap(entries_, entries_bytes);
  if (memory_) ::munmap(memory_, memory_bytes);
}

bool buffer_ring::setup(io_uring& ring, unsigned short group) noexcept {
  // The entries must be page aligned: mmap gives that. MAP_NORESERVE: 16 MiB of buffers is
  // address space, not memory, until the kernel writes into them.
  void* e =
      ::mmap(nullptr, entries_bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (e == MAP_FAILED) return false;
  void* m = ::mmap(nullptr, memory_bytes, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (m == MAP_FAILED) {
    ::munmap(e, entries_bytes);
    return false;
  }
  auto* br = static_cast<io_uring_buf_ring*>(e);
  io_uring_buf_ring_init(br);
  io_uring_buf_reg reg{};
  reg.ring_addr = reinterpret_cast<std::uintptr_t>(br);
  reg.ring_entries = k_entries;
  reg.bgid = group;
  if (io_uring_register_buf_ring(&ring, &reg, 0) != 0) {
    ::munmap(e, entries_bytes);
    ::munmap(m, memory_bytes);
    return false;
  }
  entries_ = br;
  memory_ = static_cast<std::byte*>(m);
  group_ = group;
  const int mask = io_uring_buf_ring_mask(k_entries);
  for (unsigned id = 0; id < k_entries; ++id)
    io_uring_buf_ring_add(br, buffer(id), k_buffer_size, static_cast<unsigned short>(id), mask,
                          int(id));
  io_uring_buf_ring_advance(br, int(k_entries));
  available_ = k_entries;
  return true;
}

void buffer_ring::teardown(io_uring& ring) noexcept {
  if (entries_) io_uring_unregister_buf_ring(&ring, group_);
}

void buffer_ring::recycle(unsigned id) noexcept {
  io_uring_buf_ring_add(entries_, buffer(id), k_buffer_size, static_cast<unsigned short>(id),
                        io_uring_buf_ring_mask(k_entries), 0);
  io_uring_buf_ring_advance(entries_, 1);
  ++available_;
}

}  // namespace coronet::detail::uring
