// Time as the load generator measures it: nanoseconds of CLOCK_MONOTONIC, which no clock
// adjustment moves during a run.
#pragma once

#include <time.h>

#include <algorithm>
#include <cmath>
#include <cstdint>

namespace loadgen {

constexpr std::uint64_t ns_per_sec = 1'000'000'000;

inline std::uint64_t now_ns() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<std::uint64_t>(ts.tv_sec) * ns_per_sec +
         static_cast<std::uint64_t>(ts.tv_nsec);
}

inline std::uint64_t seconds_to_ns(double s) {
  return static_cast<std::uint64_t>(std::llround(s * 1e9));
}

// Milliseconds until `deadline` for a poll timeout, rounded up and capped at
// a second (so a loop wakes up now and then to check its phase anyway).
inline int ms_until(std::uint64_t deadline) {
  std::uint64_t now = now_ns();
  if (deadline <= now) return 0;
  std::uint64_t ms = (deadline - now + 999'999) / 1'000'000;
  return static_cast<int>(std::min<std::uint64_t>(ms, 1000));
}

}  // namespace loadgen
