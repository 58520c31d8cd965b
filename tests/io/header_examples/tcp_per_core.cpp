#include "common.hpp"

namespace examples {
void per_core_server() {
  coronet::tcp::per_core_server_options o;
  o.cores.threads = 4;                                     // 0: one per CPU
  o.on_listening = [](const coronet::socket_address& a) { std::cout << a.to_string() << "\n"; };
  coronet::tcp::serve_per_core({"0.0.0.0", 8888}, [](coronet::stream s, unsigned core)
      -> coronet::task<> { co_await echo(std::move(s)); }, o);   // until SIGINT/SIGTERM
}
}  // namespace examples
