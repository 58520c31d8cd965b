#include "echo_client.hpp"

#include <array>
#include <string>

namespace sample {

void echo_client_options::declare(cli& c) {
  echo_client_options defaults;
  c.option("message", "MESSAGE", "what to send each time", defaults.message)
      .option("interval-ms", "MS", "time between messages, in milliseconds",
              std::to_string(defaults.interval.count()))
      .option("count", "N", "exit after N messages have been sent and echoed back", "")
      .flag("quiet", "do not print a line per message");
}

echo_client_options echo_client_options::from(const cli& c) {
  echo_client_options o;
  o.message = c.str("message");
  if (o.message.empty()) c.usage_error("--message must not be empty");
  o.interval = std::chrono::milliseconds(c.num("interval-ms", 1, 24 * 3600 * 1000));
  if (c.has("count")) o.count = std::size_t(c.num("count", 1, 1'000'000'000));
  o.quiet = c.has("quiet");
  return o;
}

namespace {

struct progress {
  std::size_t sent = 0;      // messages handed to the socket
  std::size_t received = 0;  // bytes that came back
  bool done(const echo_client_options& o) const {
    return o.count && sent == *o.count && received >= *o.count * o.message.size();
  }
};

// setInterval(() => { console.log(`send: ${msg}`); client.write(msg) }, interval)
coronet::task<> send_every_interval(coronet::stream& socket, const echo_client_options& o,
                                    progress& p) {
  while (!o.count || p.sent < *o.count) {
    co_await coronet::sleep_for(o.interval);
    if (!o.quiet) say("send: " + o.message);
    ++p.sent;  // before the write: its echo may be read before this coroutine resumes
    co_await socket.write_all(o.message);
  }
  // All sent: receive_until_end() ends the client once the echoes are in.
  co_await coronet::sleep_until(std::chrono::steady_clock::time_point::max());
}

// client.on('data', ...) and client.on('end', ...)
coronet::task<> receive_until_end(coronet::stream& socket, const echo_client_options& o,
                                  progress& p) {
  std::array<char, 16384> buf;
  while (std::size_t n = co_await socket.read_some(buf)) {
    if (!o.quiet) say("receive: " + std::string(buf.data(), n));
    p.received += n;
    if (p.done(o)) co_return;
  }
  say("disconnected.");
}

}  // namespace

coronet::task<int> run_echo_client(coronet::stream socket, echo_client_options options) {
  say("connected.");
  progress p;
  // Reading and the timer run side by side; whichever ends first (the reader, normally) ends
  // the other, and an error from either is thrown here.
  co_await coronet::when_any(receive_until_end(socket, options, p),
                             send_every_interval(socket, options, p));
  co_return 0;
}

}  // namespace sample
