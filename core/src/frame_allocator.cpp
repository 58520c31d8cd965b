#include "coronet/detail/frame_allocator.hpp"

#include <new>

namespace coronet::detail {
namespace {

// Off under AddressSanitizer, whose use-after-free checks a cache would blind (a freed frame
// stays live memory). On under ThreadSanitizer: frames freed on one thread and reused on another
// are what it should see.
#if defined(__SANITIZE_ADDRESS__)
constexpr bool cache_enabled = false;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
constexpr bool cache_enabled = false;
#else
constexpr bool cache_enabled = true;
#endif
#else
constexpr bool cache_enabled = true;
#endif

constexpr std::size_t granule = 64;
constexpr std::size_t classes = 32;  // frames up to 2 KiB; larger ones are rare and go straight
                                     // to operator new

struct free_frame_node {
  free_frame_node* next;
};

struct frame_cache {
  free_frame_node* heads[classes] = {};
  unsigned counts[classes] = {};
};

// Trivially destructible, so that it is usable at any point of thread exit; `dead` turns the
// cache off once the thread's guard has emptied it (frames freed by later destructors then go
// straight to operator delete).
thread_local frame_cache cache;
thread_local bool dead = false;

struct cache_guard {
  bool armed = false;
  ~cache_guard() {
    dead = true;
    for (std::size_t c = 0; c < classes; ++c) {
      while (free_frame_node* n = cache.heads[c]) {
        cache.heads[c] = n->next;
        ::operator delete(n);
      }
      cache.counts[c] = 0;
    }
  }
};
thread_local cache_guard guard;

// Unused when the cache is compiled out (sanitizer builds), hence maybe_unused.
[[maybe_unused]] std::size_t class_of(std::size_t size) noexcept {
  return (size + granule - 1) / granule - 1;
}

}  // namespace

bool frame_cache_enabled() noexcept {
  return cache_enabled;
}

void* allocate_frame(std::size_t size) {
  if constexpr (cache_enabled) {
    const std::size_t c = class_of(size);
    if (c < classes) {
      if (!dead) {
        if (free_frame_node* n = cache.heads[c]) {
          cache.heads[c] = n->next;
          --cache.counts[c];
          return n;
        }
        guard.armed = true;  // touching the guard registers its destructor for this thread
      }
      // The whole class, also when this thread's cache is gone: another thread may cache the
      // frame when it frees it and hand it to any frame of the class.
      return ::operator new((c + 1) * granule);
    }
  }
  return ::operator new(size);
}

void free_frame(void* p, std::size_t size) noexcept {
  if constexpr (cache_enabled) {
    const std::size_t c = class_of(size);
    if (c < classes && !dead && cache.counts[c] < frame_cache_depth) {
      auto* n = static_cast<free_frame_node*>(p);
      n->next = cache.heads[c];
      cache.heads[c] = n;
      ++cache.counts[c];
      guard.armed = true;
      return;
    }
  }
  ::operator delete(p);
}

}  // namespace coronet::detail
