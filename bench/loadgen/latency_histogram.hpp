// The latency statistics: a log-linear histogram of round-trip times, from which the run's
// percentiles are read.
#pragma once

#include <algorithm>
#include <array>
#include <bit>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>

namespace loadgen {

// Log-linear histogram of nanosecond values: exact below 128 ns, above that
// 64 buckets per power of two (bucket width <= 1/64 of its lower bound, so
// the reported midpoint is within ~0.8% of any sample in it).  Fixed size
// (~30 KiB) regardless of the number of samples.
class latency_histogram {
 public:
  void record(std::uint64_t ns) {
    ++counts_[index_of(ns)];
    ++total_;
    min_ = std::min(min_, ns);
    max_ = std::max(max_, ns);
  }

  std::uint64_t total() const { return total_; }

  // Value at quantile q (0..1]; 0 when empty.
  double quantile_ns(double q) const {
    if (total_ == 0) return 0;
    auto rank = static_cast<std::uint64_t>(std::ceil(q * static_cast<double>(total_)));
    rank = std::clamp<std::uint64_t>(rank, 1, total_);
    std::uint64_t seen = 0;
    for (std::size_t i = 0; i < buckets; ++i) {
      seen += counts_[i];
      if (seen >= rank) {
        double mid =
            static_cast<double>(lower_bound_of(i)) + static_cast<double>(width_of(i) - 1) / 2.0;
        return std::clamp(mid, static_cast<double>(min_), static_cast<double>(max_));
      }
    }
    return static_cast<double>(max_);
  }

 private:
  static constexpr unsigned sub_bits = 6;               // 64 sub-buckets
  static constexpr std::uint64_t sub = 1u << sub_bits;  // 64
  static constexpr std::uint64_t linear = 2 * sub;      // exact below 128
  static constexpr std::size_t buckets = linear + (64 - sub_bits - 1) * sub;

  static std::size_t index_of(std::uint64_t v) {
    if (v < linear) return static_cast<std::size_t>(v);
    unsigned msb = 63u - static_cast<unsigned>(std::countl_zero(v));  // >= 7
    unsigned shift = msb - sub_bits;                                  // >= 1
    std::uint64_t mantissa = v >> shift;                              // [64, 128)
    return static_cast<std::size_t>(linear + (shift - 1) * sub + (mantissa - sub));
  }
  static std::uint64_t lower_bound_of(std::size_t i) {
    if (i < linear) return i;
    std::uint64_t shift = (i - linear) / sub + 1;
    std::uint64_t mantissa = (i - linear) % sub + sub;
    return mantissa << shift;
  }
  static std::uint64_t width_of(std::size_t i) {
    if (i < linear) return 1;
    return std::uint64_t{1} << ((i - linear) / sub + 1);
  }

  std::array<std::uint64_t, buckets> counts_{};
  std::uint64_t total_ = 0;
  std::uint64_t min_ = std::numeric_limits<std::uint64_t>::max();
  std::uint64_t max_ = 0;
};

}  // namespace loadgen
