// A WebSocket client for the echo server of Node's `ws` README, in the TCP echo client's style
// (client.js: a message every interval, every echo printed):
//
//   const ws = new WebSocket('ws://127.0.0.1:8080/');
//   ws.on('open', () => setInterval(() => ws.send('hello'), 3000));
//   ws.on('message', data => console.log(`receive: ${data}`));
//   ws.on('close', code => console.log(`disconnected: ${code}`));
//
// --count N sends N messages, waits for their echoes, then closes (1000) and exits 0. wss://
// verifies the server as https-client does (--ca FILE, --insecure) where TLS is built in.
// Errors exit 1 with their text: "GET ws://127.0.0.1:8080/: connect 127.0.0.1:8080: Connection
// refused".
#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <utility>
#include <variant>

#include <coronet/websocket.hpp>

#include "support/cli.hpp"
#include "support/websocket_lines.hpp"
#ifdef CORONET_HAS_TLS
#include "support/tls_flags.hpp"
#endif

namespace {

struct settings {
  std::string message;
  std::chrono::milliseconds interval;
  std::size_t count = 0;  // 0: forever
  bool quiet = false;
};

struct progress {
  std::size_t sent = 0, received = 0;
};

// setInterval(() => { console.log(`send: ${msg}`); ws.send(msg) }, interval), up to the count.
coronet::task<> send_every_interval(coronet::websocket::connection& ws, const settings& s,
                                    progress& p) {
  while (s.count == 0 || p.sent < s.count) {
    co_await coronet::sleep_for(s.interval);
    if (!s.quiet) sample::say("send: " + s.message);
    ++p.sent;  // before the send: its echo may be read before this coroutine resumes
    co_await ws.send_text(s.message);
  }
  // All sent: receive_echoes() ends the client once the echoes are in.
  co_await coronet::sleep_until(std::chrono::steady_clock::time_point::max());
}

// ws.on('message') and ws.on('close'). Returns whether the server closed the connection.
coronet::task<bool> receive_echoes(coronet::websocket::connection& ws, const settings& s,
                                   progress& p) {
  for (;;) {
    std::optional<coronet::websocket::message> m = co_await ws.receive();
    if (!m) {
      sample::say("disconnected: " + sample::close_line(ws));
      co_return true;
    }
    if (!s.quiet) sample::say("receive: " + sample::shown(*m));
    ++p.received;
    if (s.count != 0 && p.received == s.count) co_return false;
  }
}

coronet::task<int> run_client(std::string url, coronet::websocket::client_options o, settings s) {
  // A failure throws "GET ws://...: connect 127.0.0.1:8080: Connection refused": exit 1.
  coronet::websocket::connection ws = co_await coronet::websocket::connect(url, std::move(o));
  sample::say("connected.");
  progress p;
  // The receiver ends the client (the sender only waits once all is sent); an error from either
  // is thrown here.
  auto ended = co_await coronet::when_any(receive_echoes(ws, s, p), send_every_interval(ws, s, p));
  const bool server_closed = ended.index() == 0 && std::get<0>(ended);
  if (!server_closed) co_await ws.close();  // the count is reached: say goodbye (1000)
  co_return 0;
}

}  // namespace

int main(int argc, char** argv) {
  sample::cli cli("websocket-echo-client",
                  "Send a message to a WebSocket echo server at every interval and print what "
                  "comes back (Node's ws client).");
  cli.option("url", "URL", "the server (ws://, or wss:// where TLS is built in)",
             "ws://127.0.0.1:8080/")
      .option("message", "MESSAGE", "what to send each time", "hello")
      .option("interval-ms", "MS", "time between messages, in milliseconds", "3000")
      .option("count", "N", "close and exit after N messages have been echoed (0: never)", "0")
      .flag("quiet", "do not print a line per message");
#ifdef CORONET_HAS_TLS
  sample::client_tls_flags::declare(cli);
#endif
  cli.parse(argc, argv);
#ifdef CORONET_HAS_TLS
  sample::client_tls_flags::check(cli);
#endif
  settings s;
  s.message = cli.str("message");
  s.interval = std::chrono::milliseconds(cli.num("interval-ms", 1, 24 * 3600 * 1000));
  s.count = std::size_t(cli.num("count", 0, 1'000'000'000));
  s.quiet = cli.has("quiet");
  const std::string url = cli.str("url");

  return sample::run_until_signal([&]() -> coronet::task<int> {
    coronet::websocket::client_options o;
#ifdef CORONET_HAS_TLS
    // Only for wss://: a plain connection needs no trust store (and no readable --ca).
    if (url.starts_with("wss://")) o.tls = sample::client_tls_flags::load(cli);
#endif
    co_return co_await run_client(url, std::move(o), s);
  });
}
