#include "common.hpp"

namespace examples {
coronet::task<> group(coronet::tcp::listener& server) {
  coronet::task_group clients;
  for (;;) clients.spawn(echo(co_await server.accept()));
  clients.cancel();
  co_await clients.join();
}
}  // namespace examples
