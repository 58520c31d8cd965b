// The seed's TCP echo server (net.createServer on port 8888), in coronet.
#include <array>
#include <cstddef>
#include <string>

#include "support/cli.hpp"

using sample::say;

static bool quiet = false;

coronet::task<> serve(coronet::stream socket) {
  say("socket connected");
  std::array<std::byte, 16384> buf;
  try {
    while (std::size_t n = co_await socket.read_some(buf)) {
      std::string_view data(reinterpret_cast<const char*>(buf.data()), n);
      if (!quiet) say("receive: " + std::string(data));
      co_await socket.write_all(std::span(buf).first(n));
      if (!quiet) say("send: " + std::string(data));
    }
  } catch (const std::system_error& e) {
    if (!coronet::is_cancellation(e)) sample::complain(e.what());
  }
  say("socket disconnected");
}

int main(int argc, char** argv) {
  sample::cli cli("tcp-echo-server", "Echo every byte back to TCP clients (Node's net echo server).");
  cli.option("host", "HOST", "address to listen on", "0.0.0.0")
      .option("port", "PORT", "port to listen on (0: any free port)", "8888")
      .flag("quiet", "do not print a line per message");
  cli.parse(argc, argv);
  quiet = cli.has("quiet");
  const auto port = static_cast<std::uint16_t>(cli.num("port", 0, 65535));

  return sample::run_until_signal([&]() -> coronet::task<int> {
    auto server = coronet::tcp::listener::bind({cli.str("host"), port});
    say("listening on " + server.local_address().to_string());
    coronet::task_group clients;
    std::exception_ptr stopped;  // cancellation (Ctrl-C) or a listener failure
    try {
      for (;;) clients.spawn(serve(co_await server.accept()));
    } catch (...) {
      stopped = std::current_exception();
    }
    clients.cancel();
    co_await clients.join();
    std::rethrow_exception(stopped);
  });
}
