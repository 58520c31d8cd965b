#include "../common.hpp"

namespace examples {
coronet::task<> list() {
  coronet::process::options o;  // {.out = pipe} draws GCC 12 -Wextra warnings
  o.out = coronet::process::stdio::pipe;
  auto ls = coronet::process::spawn("ls", {"-l"}, o);
  std::string listing = co_await coronet::process::read_to_end(ls.out());
  coronet::process::exit_status s = co_await ls.wait();
}
}  // namespace examples
