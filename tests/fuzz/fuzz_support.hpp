// Helpers shared by the fuzz targets: the input read as a series of choices, one scheduler for
// the whole process, a connected pair of streams, and failing loudly.
//
//   coronet::fuzz::input in(data, size);
//   const bool head = in.flag();          // choices first...
//   std::string_view rest = in.rest();    // ...then the bytes under test
//   coronet::fuzz::loop().run(exercise(rest));
//
// Every target stands alone (its own LLVMFuzzerTestOneInput); with CORONET_FUZZ off the same
// sources are linked with replay_main.cpp, which runs the seed corpus through them.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <utility>

#include "coronet/scheduler.hpp"
#include "coronet/stream.hpp"

namespace coronet::fuzz {

// The input as choices: each call takes bytes off the front (zero once it is used up).
class input {
 public:
  input(const std::uint8_t* data, std::size_t size) noexcept
      : rest_(reinterpret_cast<const char*>(data), size) {}

  std::uint8_t byte() noexcept {
    if (rest_.empty()) return 0;
    const auto b = static_cast<std::uint8_t>(rest_.front());
    rest_.remove_prefix(1);
    return b;
  }
  bool flag() noexcept { return (byte() & 1) != 0; }
  // One of the `n` first choices.
  std::size_t below(std::size_t n) noexcept { return byte() % n; }
  // Up to `n` bytes.
  std::string_view take(std::size_t n) noexcept {
    const std::string_view r = rest_.substr(0, n);
    rest_.remove_prefix(r.size());
    return r;
  }
  std::string_view rest() noexcept { return std::exchange(rest_, std::string_view()); }
  std::size_t size() const noexcept { return rest_.size(); }

 private:
  std::string_view rest_;
};

// The process's one scheduler (made on first use): making one per input (an io_uring ring,
// its buffer ring) would cost more than the input itself.
scheduler& loop();

// A broken invariant: say which and abort, so that libFuzzer records the input.
[[noreturn]] inline void fail(std::string_view what, std::string_view detail = {}) {
  std::fprintf(stderr, "fuzz invariant broken: %.*s%s%.*s\n", int(what.size()), what.data(),
               detail.empty() ? "" : ": ", int(detail.size()), detail.data());
  std::abort();
}

// Both ends of a socketpair, as streams of the current scheduler.
std::pair<stream, stream> stream_pair();

// Until the end of the process, an exception reported as unhandled (coronet's last resort for
// one nothing could catch) aborts: inside the library that is always a bug.
void abort_on_unhandled_exceptions();

}  // namespace coronet::fuzz
