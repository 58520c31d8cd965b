// The echo server of Node's `ws` README, in coronet:
//
//   const wss = new WebSocketServer({ port: 8080 });
//   wss.on('connection', ws => ws.on('message', data => ws.send(data)));
//
// with the TCP echo server's lines (socket connected, receive:, send:, socket disconnected).
// permessage-deflate is accepted when a client offers it (ws and browsers do). SIGINT or SIGTERM
// closes the server gracefully: every client gets a close frame (1001, going away), then the
// program exits 0.
#include <cstdint>
#include <optional>
#include <system_error>

#include <coronet/http.hpp>
#include <coronet/websocket.hpp>

#include "support/cli.hpp"
#include "support/http_serve.hpp"
#include "support/websocket_lines.hpp"

namespace {

coronet::websocket::handler echo(bool quiet) {
  return [quiet](coronet::websocket::connection& ws) -> coronet::task<> {
    sample::say("socket connected");
    try {
      for (;;) {
        std::optional<coronet::websocket::message> m = co_await ws.receive();
        if (!m) break;  // the close handshake is done
        if (!quiet) sample::say("receive: " + sample::shown(*m));
        co_await ws.send(*m);  // text as text, binary as binary
        if (!quiet) sample::say("send: " + sample::shown(*m));
      }
    } catch (const std::system_error& e) {
      // The peer broke the protocol or went away: ws.on('error').
      if (!coronet::is_cancellation(e)) sample::complain(e.what());
    }
    sample::say("socket disconnected: " + sample::close_line(ws));
  };
}

}  // namespace

int main(int argc, char** argv) {
  sample::cli cli("websocket-echo-server",
                  "Echo every WebSocket message back (the echo server of Node's ws).");
  cli.option("host", "HOST", "address to listen on", "0.0.0.0")
      .option("port", "PORT", "port to listen on (0: any free port)", "8080")
      .flag("quiet", "do not print a line per message");
  cli.parse(argc, argv);
  const auto port = static_cast<std::uint16_t>(cli.num("port", 0, 65535));
  const bool quiet = cli.has("quiet");

  return sample::run_until_signal([&]() -> coronet::task<int> {
    // Any path: ws's {port} server takes every upgrade, and answers anything else with 426.
    coronet::http::server server(coronet::websocket::accept(echo(quiet)));
    auto listener = coronet::tcp::listener::bind({cli.str("host"), port});
    sample::say("listening on " + listener.local_address().to_string());
    co_await sample::serve_until_signal(server, listener);
    co_return 0;
  });
}
