// What the load tests observe of their own process (Linux /proc and getrusage): open descriptors,
// resident memory and CPU time; and whether the build is sanitized, where heavy tests scale their
// counts down (ASan makes every operation several times slower and keeps freed memory in
// quarantine, which also makes RSS meaningless as a leak measure).
#pragma once

#ifndef _WIN32
#include <sys/resource.h>
#include <unistd.h>

#include <chrono>
#include <cstddef>
#include <filesystem>
#include <fstream>

namespace coronet::test {

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
inline constexpr bool sanitized_build = true;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
inline constexpr bool sanitized_build = true;
#else
inline constexpr bool sanitized_build = false;
#endif
#else
inline constexpr bool sanitized_build = false;
#endif

// An unoptimized (Debug: no NDEBUG) build is several times slower as well.
#ifdef NDEBUG
inline constexpr bool debug_build = false;
#else
inline constexpr bool debug_build = true;
#endif

// Where heavy tests run a tenth of their counts, to stay well inside CTest's time limit.
inline constexpr bool scaled_down_build = sanitized_build || debug_build;

// The descriptors open in this process now (the directory listing's own descriptor excluded).
inline std::size_t open_fd_count() {
  std::size_t n = 0;
  for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator("/proc/self/fd")) ++n;
  return n - 1;
}

// Resident set size in bytes (/proc/self/statm, second field, in pages).
inline std::size_t resident_bytes() {
  std::ifstream statm("/proc/self/statm");
  std::size_t size = 0, resident = 0;
  statm >> size >> resident;
  return resident * static_cast<std::size_t>(::sysconf(_SC_PAGESIZE));
}

// User plus system CPU time this process has used, all threads together.
inline std::chrono::microseconds cpu_time() {
  rusage u{};
  ::getrusage(RUSAGE_SELF, &u);
  auto us = [](const timeval& t) {
    return std::chrono::seconds(t.tv_sec) + std::chrono::microseconds(t.tv_usec);
  };
  return us(u.ru_utime) + us(u.ru_stime);
}

}  // namespace coronet::test
#endif
