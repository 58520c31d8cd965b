// Where coronet's coroutine frames come from: a per-thread cache of freed frames in 64-byte size
// classes, in front of operator new. A server starts a coroutine per connection (and the HTTP
// server several per request); the frame of a finished one is reused by the next of its size
// without a trip through malloc. Caching hides use-after-free from AddressSanitizer, so sanitizer
// builds bypass it.
#pragma once

#include <cstddef>

namespace coronet::detail {

void* allocate_frame(std::size_t size);
void free_frame(void* p, std::size_t size) noexcept;

// False in sanitizer builds, where every frame goes to operator new and delete.
bool frame_cache_enabled() noexcept;

// Frames kept per size class and thread; the rest go back to operator delete.
inline constexpr std::size_t frame_cache_depth = 64;

}  // namespace coronet::detail
