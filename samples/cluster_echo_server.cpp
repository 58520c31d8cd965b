// Node's classic cluster example (cluster.fork() per CPU, cluster.on('exit'), and in the workers
// net.createServer(echo).listen(8888) with the seed's echo callback). The primary hands each
// connection to the next free worker, or with --scheduling shared gives every worker the
// listening socket. SIGINT or SIGTERM stops the workers (gracefully, as coronet::serve stops),
// then the primary; with --restart a worker that dies is replaced.
#include <unistd.h>

#include <cstdint>
#include <string>

#include <coronet/process.hpp>

#include "support/cli.hpp"
#include "support/echo_server.hpp"

namespace cluster = coronet::process::cluster;

int main(int argc, char** argv) {
  sample::cli cli("cluster-echo-server",
                  "Echo every byte back to TCP clients from worker processes (Node's cluster "
                  "example with the net echo server).");
  cli.option("host", "HOST", "address to listen on", "0.0.0.0")
      .option("port", "PORT", "port to listen on (0: any free port)", "8888")
      .option("workers", "N", "worker processes (0: one per CPU)", "0")
      .option("scheduling", "rr|shared",
              "rr: the primary hands out connections; shared: the workers accept", "rr")
      .flag("restart", "fork a new worker when one dies")
      .flag("quiet", "do not print a line per message");
  cli.parse(argc, argv);
  const auto port = static_cast<std::uint16_t>(cli.num("port", 0, 65535));
  const std::string& scheduling = cli.str("scheduling");
  if (scheduling != "rr" && scheduling != "shared")
    cli.usage_error("--scheduling must be rr or shared, not '" + scheduling + "'");
  const std::string pid = std::to_string(::getpid());

  return sample::run_until_signal([&]() -> coronet::task<int> {
    if (cluster::is_worker()) {
      sample::say("Worker " + pid + " started");
      co_await cluster::run_worker(
          sample::echo({"socket connected", "socket disconnected", cli.has("quiet")}));
      co_return 0;  // the primary has gone
    }
    sample::say("Primary " + pid + " is running");
    auto server = coronet::tcp::listener::bind({cli.str("host"), port});
    sample::say("listening on " + server.local_address().to_string());
    cluster::options o;
    o.workers = static_cast<unsigned>(cli.num("workers", 0, 1024));
    o.scheduling =
        scheduling == "rr" ? cluster::scheduling::round_robin : cluster::scheduling::shared;
    o.restart = cli.has("restart");
    o.on_exit = [](const cluster::worker& w, const coronet::process::exit_status&) {
      sample::say("worker " + std::to_string(w.pid) + " died");
    };
    co_await cluster::run_primary(server, o);
    co_return 0;  // every worker has gone
  });
}
