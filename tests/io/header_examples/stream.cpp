#include "common.hpp"

namespace examples {
coronet::task<> echo(coronet::stream s) {
  std::array<std::byte, 16384> buf;
  for (;;) {
    std::size_t n = co_await s.read_some(buf);  // 0: the peer closed
    if (n == 0) break;
    co_await s.write_all(std::span(buf).first(n));
  }
}
}  // namespace examples
