#include "coronet/pipe_to.hpp"

#include <tuple>

#include "coronet/received.hpp"
#include "coronet/when_all.hpp"

namespace coronet {

task<std::uint64_t> pipe_to(stream& from, stream& to) {
  std::uint64_t total = 0;
  for (;;) {
    received r = co_await from.receive();
    if (!r) break;
    co_await to.write_all(r.bytes());
    total += r.size();
  }
  to.shutdown();
  co_return total;
}

task<std::pair<std::uint64_t, std::uint64_t>> pipe_both(stream& a, stream& b) {
  auto [there, back] = co_await when_all(pipe_to(a, b), pipe_to(b, a));
  co_return std::pair<std::uint64_t, std::uint64_t>(there, back);
}

}  // namespace coronet
