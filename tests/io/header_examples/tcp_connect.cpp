#include "common.hpp"

namespace examples {
coronet::task<> plain() {
  coronet::stream s = co_await coronet::tcp::connect("127.0.0.1", 8888);
}

coronet::task<> with_a_timeout() {
  coronet::tcp::connect_options o;
  o.timeout = 5s;
  coronet::stream s = co_await coronet::tcp::connect("127.0.0.1", 8888, o);
}
}  // namespace examples
