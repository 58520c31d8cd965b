#include "common.hpp"

using examples::echo;

// At global scope: main() may leave out its return. Compiled only, never linked.
int main() {
  coronet::run_per_core(4, [](unsigned core) -> coronet::task<> {
    auto server = coronet::tcp::listener::bind({"0.0.0.0", 8888}, {.reuse_port = true});
    coronet::task_group clients;
    for (;;) clients.spawn(echo(co_await server.accept()));  // this core's connections
  });
}
