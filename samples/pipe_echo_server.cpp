// The seed's local echo server (server.js: net.createServer(echo).listen('/tmp/unix.sock')), in
// coronet: over coronet::local, a Unix domain socket on POSIX and a named pipe on Windows
// (\\.\pipe\mypip by default there, as in the seed). SIGINT or SIGTERM stops it gracefully.
#include <string>

#include "support/cli.hpp"
#include "support/echo_server.hpp"

int main(int argc, char** argv) {
  sample::cli cli(
      "pipe-echo-server",
      "Echo every byte back to clients of a Unix socket (Windows: a named pipe), like Node's net "
      "echo server on a pipe.");
  cli.option("path", "PATH", "socket file (Windows: pipe name) to listen on",
             std::string(coronet::local::default_path()))
      .flag("quiet", "do not print a line per message");
  cli.parse(argc, argv);
  const auto echo = sample::echo({"socket connected.", "disconnected.", cli.has("quiet")});

  return sample::run_until_signal([&]() -> coronet::task<int> {
    // Like the seed's unlinkSync before listen: a stale socket file left by a server that died
    // is replaced (but a live server's is not: that is "Address already in use").
    auto server = coronet::local::listener::bind(cli.str("path"));
    sample::say("listening on " + server.path());
    co_await coronet::serve(server, echo);
    co_return 0;
  });
}
