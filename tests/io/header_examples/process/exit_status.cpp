#include "../common.hpp"

namespace examples {
coronet::task<> wait_for(coronet::process::child& child) {
  coronet::process::exit_status s = co_await child.wait();
  if (!s.success()) std::cerr << "ls: " << s.to_string() << "\n";  // "exit code 2"
}
}  // namespace examples
