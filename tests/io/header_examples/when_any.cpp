#include "common.hpp"

namespace examples {
coronet::task<> first(coronet::stream& s) {
  auto r = co_await coronet::when_any(s.receive(), coronet::sleep_for(5s));
  if (r.index() == 1) { /* nothing arrived in 5 s */ }
}
}  // namespace examples
