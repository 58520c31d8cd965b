#include "common.hpp"

namespace examples {
coronet::task<int> answer() { co_return 42; }
coronet::task<> user() { int v = co_await answer(); }
}  // namespace examples
