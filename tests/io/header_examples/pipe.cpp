// Windows only (named pipes).
#include "common.hpp"

namespace examples {
coronet::task<> pipe_server() {
  auto server = coronet::pipe::listener::bind(R"(\\.\pipe\mypip)");
  for (;;) coronet::spawn(echo(co_await server.accept()));
}

coronet::task<> pipe_client() {
  coronet::stream s = co_await coronet::pipe::connect(R"(\\.\pipe\mypip)");
}
}  // namespace examples
