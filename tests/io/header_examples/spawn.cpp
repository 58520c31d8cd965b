#include "common.hpp"

namespace examples {
coronet::task<> accept_loop(coronet::tcp::listener& server) {
  for (;;) coronet::spawn(echo(co_await server.accept()));
}
}  // namespace examples
