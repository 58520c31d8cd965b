#include "../common.hpp"

namespace examples {
void fork_sibling() {
  auto child = coronet::process::fork(coronet::process::sibling_program("ipc-child"));
}
}  // namespace examples
