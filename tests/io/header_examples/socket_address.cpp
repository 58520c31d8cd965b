#include "common.hpp"

namespace examples {
void print() {
  auto a = coronet::socket_address::ip("127.0.0.1", 8888);
  std::cout << a.to_string() << " port " << a.port() << "\n";
}
}  // namespace examples
