#include "common.hpp"

namespace examples {
coronet::task<> echo_received(coronet::stream& s) {
  for (;;) {
    coronet::received r = co_await s.receive();  // empty: the peer closed
    if (!r) break;
    co_await s.write_all(r.bytes());
  }
}
}  // namespace examples
