#include "common.hpp"

namespace examples {
coronet::task<> sleeps(std::chrono::steady_clock::time_point deadline) {
  co_await coronet::sleep_for(std::chrono::milliseconds(100));
  co_await coronet::sleep_until(deadline);
}
}  // namespace examples
