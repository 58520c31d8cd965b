#include "common.hpp"

namespace examples {
void endpoints() {
  coronet::tcp::endpoint ep{"127.0.0.1", 8888};
  auto ep2 = coronet::tcp::endpoint::parse("[::1]:8888");
}
}  // namespace examples
