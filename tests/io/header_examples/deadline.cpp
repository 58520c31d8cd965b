#include "common.hpp"

namespace examples {
coronet::task<> idle_echo(coronet::stream s) {
  coronet::deadline idle(30s);
  for (;;) {
    coronet::received r = co_await idle.guard(s.receive());  // timed_out after 30 s idle
    if (!r) break;
    idle.reset();  // 30 s again from now
    co_await s.write_all(r.bytes());
  }
}
}  // namespace examples
