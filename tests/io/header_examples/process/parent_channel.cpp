#include "../common.hpp"

namespace examples {
coronet::task<int> child_main() {
  std::optional<coronet::process::channel> parent = coronet::process::parent_channel();
  if (!parent) { std::cerr << "not started with a channel\n"; co_return 2; }
  co_await parent->send("hello");
  co_return 0;
}
}  // namespace examples
