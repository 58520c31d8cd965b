#include "common.hpp"

namespace examples {
coronet::task<> hello_server() {
  auto server = coronet::tcp::listener::bind({"0.0.0.0", 8888});
  co_await coronet::serve(server, [](coronet::stream& s) -> coronet::task<> {
    co_await s.write_all("hello\n");
  });
}
}  // namespace examples
