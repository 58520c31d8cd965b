// POSIX only (Unix domain sockets).
#include "common.hpp"

namespace examples {
coronet::task<> unix_client() {
  coronet::stream s = co_await coronet::unix::connect("/tmp/unix.sock");
}
}  // namespace examples
