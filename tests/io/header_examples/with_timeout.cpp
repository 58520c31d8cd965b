#include "common.hpp"

namespace examples {
coronet::task<> receive_or_give_up(coronet::stream& s) {
  coronet::received r = co_await coronet::with_timeout(10s, s.receive());
}
}  // namespace examples
