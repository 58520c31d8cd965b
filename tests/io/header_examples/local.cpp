#include "common.hpp"

namespace examples {
coronet::task<> local() {
  auto server = coronet::local::listener::bind(coronet::local::default_path());
  coronet::stream s = co_await coronet::local::connect(coronet::local::default_path());
}
}  // namespace examples
