// POSIX only. Compiled only, never linked (run.cpp has a main() too).
#include "../common.hpp"

coronet::task<> echo(coronet::stream s);

namespace cluster = coronet::process::cluster;
int main() {
  return coronet::run([]() -> coronet::task<int> {
    if (cluster::is_primary()) {
      auto server = coronet::tcp::listener::bind({"0.0.0.0", 8000});
      cluster::options o;  // one worker per CPU, round robin
      o.on_exit = [](const cluster::worker& w, const coronet::process::exit_status&) {
        std::printf("worker %d died\n", int(w.pid));
      };
      co_await cluster::run_primary(server, o);  // until cancelled (or every worker is gone)
    } else {
      co_await cluster::run_worker(echo);  // echo: a coronet::task<>(coronet::stream)
    }
    co_return 0;
  });
}
