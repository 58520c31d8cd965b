// POSIX only (Unix domain sockets).
#include "common.hpp"

namespace examples {
coronet::task<> unix_server() {
  auto server = coronet::unix::listener::bind("/tmp/unix.sock");
  for (;;) coronet::spawn(echo(co_await server.accept()));
}

void owner_only() {
  auto server = coronet::unix::listener::bind("/run/app.sock", {.mode = 0600});  // owner only
}
}  // namespace examples
