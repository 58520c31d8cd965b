// Test data and failure capture shared by the io and tls suites: a pseudo-random byte pattern
// (reordered, dropped or duplicated chunks show), byte/string views, and what a task threw.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

#include "coronet/task.hpp"

namespace coronet::test {

// n bytes of a seed-dependent pseudo-random sequence.
inline std::vector<std::byte> pattern(std::size_t n, std::uint32_t seed = 1) {
  std::vector<std::byte> v(n);
  std::uint32_t x = seed * 2654435761u + 1;
  for (auto& b : v) {
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    b = std::byte(x);
  }
  return v;
}

inline std::span<const std::byte> bytes(std::string_view s) {
  return std::as_bytes(std::span(s.data(), s.size()));
}

inline std::string to_string(std::span<const std::byte> b) {
  return std::string(reinterpret_cast<const char*>(b.data()), b.size());
}

// What a task threw, if it threw a std::system_error (what() included: tests check texts).
struct failure {
  bool thrown = false;
  std::error_code code;
  std::string what;
};

template <class T>
task<failure> failure_of(task<T> t) {
  try {
    co_await std::move(t);
  } catch (const std::system_error& e) {
    co_return failure{true, e.code(), e.what()};
  }
  co_return failure{};
}

}  // namespace coronet::test
