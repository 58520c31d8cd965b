#include "common.hpp"

namespace examples {
coronet::task<> tcp_server() {
  auto server = coronet::tcp::listener::bind({"0.0.0.0", 8888});
  for (;;) coronet::spawn(echo(co_await server.accept()));
}
}  // namespace examples
