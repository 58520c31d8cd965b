#include "report.hpp"

#include <cstdio>

namespace loadgen {

void print_result(const run_result& r) {
  double rate = r.seconds > 0 ? static_cast<double>(r.messages) / r.seconds : 0.0;
  std::printf("messages=%llu seconds=%.3f msgs_per_sec=%.0f p50_us=%.1f p99_us=%.1f errors=%llu\n",
              static_cast<unsigned long long>(r.messages), r.seconds, rate, r.p50_us, r.p99_us,
              static_cast<unsigned long long>(r.errors));
  std::fflush(stdout);
}

void print_word(const char* word) {
  std::printf("%s\n", word);
  std::fflush(stdout);
}

void print_idle_ready(std::size_t connections, double seconds) {
  std::printf("idle connections=%zu seconds=%.3f\nready\n", connections, seconds);
  std::fflush(stdout);
}

}  // namespace loadgen
