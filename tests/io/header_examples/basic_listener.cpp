#include "common.hpp"

namespace examples {
coronet::task<> accept_one() {
  coronet::tcp::listener server = coronet::tcp::listener::bind({"0.0.0.0", 8888});
  coronet::stream s = co_await server.accept();
}
}  // namespace examples
