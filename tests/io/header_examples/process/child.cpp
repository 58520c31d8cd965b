#include "../common.hpp"

namespace examples {
coronet::task<> list() {
  coronet::process::options o;  // {.out = pipe} draws GCC 12 -Wextra warnings
  o.out = coronet::process::stdio::pipe;
  auto ls = coronet::process::spawn("ls", {"-l"}, o);
  std::array<std::byte, 4096> buf;
  for (;;) {
    std::size_t n = co_await ls.out().read_some(buf);  // 0: ls closed its stdout
    if (n == 0) break;
    std::fwrite(buf.data(), 1, n, stdout);
  }
  coronet::process::exit_status s = co_await ls.wait();
}
}  // namespace examples
