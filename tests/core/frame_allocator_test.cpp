// The per-thread frame cache: a freed frame is reused by the next one of its size class, caches
// are per thread, and sizes past the classes pass straight through.
#include <gtest/gtest.h>

#include <thread>
#include <vector>

#include "coronet/detail/frame_allocator.hpp"
#include "coronet/task.hpp"

namespace coronet::test {
namespace {

using detail::allocate_frame;
using detail::free_frame;

TEST(FrameAllocator, ReusesAFreedFrameOfTheSameSizeClass) {
  if (!detail::frame_cache_enabled()) GTEST_SKIP() << "AddressSanitizer build: no frame cache";
  void* a = allocate_frame(200);
  free_frame(a, 200);
  void* b = allocate_frame(250);  // same 64-byte class (193..256)
  EXPECT_EQ(a, b);
  free_frame(b, 250);
  void* c = allocate_frame(100);  // another class: not the cached block
  EXPECT_NE(c, a);
  free_frame(c, 100);
}

TEST(FrameAllocator, KeepsAtMostTheCacheDepthPerClass) {
  if (!detail::frame_cache_enabled()) GTEST_SKIP() << "AddressSanitizer build: no frame cache";
  // Twice the depth: whatever the class held before is in our hands, so the cache starts empty.
  constexpr std::size_t n = 2 * detail::frame_cache_depth;
  std::vector<void*> blocks;
  for (std::size_t i = 0; i < n; ++i) blocks.push_back(allocate_frame(1000));
  for (void* p : blocks) free_frame(p, 1000);
  // The first frame_cache_depth freed were cached (LIFO); the rest went to operator delete.
  std::vector<void*> again;
  for (std::size_t i = 0; i < detail::frame_cache_depth; ++i) again.push_back(allocate_frame(1000));
  for (std::size_t i = 0; i < detail::frame_cache_depth; ++i)
    EXPECT_EQ(again[i], blocks[detail::frame_cache_depth - 1 - i]);
  for (void* p : again) free_frame(p, 1000);
}

TEST(FrameAllocator, CachesArePerThread) {
  if (!detail::frame_cache_enabled()) GTEST_SKIP() << "AddressSanitizer build: no frame cache";
  void* mine = allocate_frame(300);
  free_frame(mine, 300);
  void* theirs = nullptr;
  std::thread t([&] {
    theirs = allocate_frame(300);
    free_frame(theirs, 300);  // cached on that thread, freed when it exits
  });
  t.join();
  EXPECT_NE(theirs, mine);
  void* again = allocate_frame(300);
  EXPECT_EQ(again, mine);
  free_frame(again, 300);
}

TEST(FrameAllocator, LargeFramesPassThrough) {
  void* big = allocate_frame(64 * 1024);
  ASSERT_NE(big, nullptr);
  static_cast<char*>(big)[64 * 1024 - 1] = 1;  // all of it is usable
  free_frame(big, 64 * 1024);
}

task<int> answer() {
  co_return 42;
}

// The task leaves the function that started the coroutine, so the compiler cannot put the frame
// on the caller's stack (clang elides the allocation of a task destroyed where it was made).
[[gnu::noinline]] task<int> escaped_answer() {
  return answer();
}

TEST(FrameAllocator, TaskFramesComeFromTheCache) {
  if (!detail::frame_cache_enabled()) GTEST_SKIP() << "AddressSanitizer build: no frame cache";
  // A task's frame is freed when the task is destroyed; the next task of the same coroutine
  // gets the same memory back.
  const void* first = nullptr;
  {
    task<int> t = escaped_answer();
    first = t.handle().address();
  }
  task<int> t2 = escaped_answer();
  EXPECT_EQ(t2.handle().address(), first);
}

}  // namespace
}  // namespace coronet::test
