// POSIX only (signal.hpp).
#include "common.hpp"

namespace examples {
coronet::task<> wait_for_a_signal() {
  std::vector<int> signals{SIGINT, SIGTERM};
  int sig = co_await coronet::wait_for_signal(signals);  // no braced list in a co_await
}
}  // namespace examples
