#include "common.hpp"

namespace examples {
coronet::task<> resolve() {
  std::vector<coronet::socket_address> addrs = co_await coronet::resolve("localhost", 8888);
}
}  // namespace examples
