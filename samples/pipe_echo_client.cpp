// The seed's local echo client (client.js with net.connect('/tmp/unix.sock')), in coronet:
// over coronet::local, a Unix domain socket on POSIX and a named pipe on Windows
// (\\.\pipe\mypip by default there, as in the seed).
#include <string>
#include <utility>

#include "support/cli.hpp"
#include "support/echo_client.hpp"

int main(int argc, char** argv) {
  sample::cli cli("pipe-echo-client",
                  "Send a message to a Unix socket echo server at every interval and print what "
                  "comes back (Node's net client on a pipe).");
  cli.option("path", "PATH", "socket file (Windows: pipe name) of the server",
             std::string(coronet::local::default_path()));
  sample::echo_client_options::declare(cli);
  cli.parse(argc, argv);
  const auto options = sample::echo_client_options::from(cli);

  return sample::run_until_signal([&]() -> coronet::task<int> {
    // A failed connect throws "connect /tmp/unix.sock: No such file or directory": exit 1.
    coronet::stream client = co_await coronet::local::connect(cli.str("path"));
    co_return co_await sample::run_echo_client(std::move(client), options);
  });
}
