// bench/websocket.sh's coronet peer, with the flags of its Beast peer (ws-beast): an echo server
// (every message back with its type) or, with --broadcast, a chat-style server that sends each
// message to every connected client, its sender included. One thread, one scheduler.
//
//   ws-coronet --port P [--host 127.0.0.1] [--deflate] [--broadcast]
//
// --deflate accepts permessage-deflate when a client offers it and compresses every message,
// however small, as Beast and Node's ws do while they keep their context (coronet's default
// threshold leaves messages under 1 KiB uncompressed: cheaper, but not the same work). Without it
// the extension is refused. Runs until SIGINT/SIGTERM.
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include <coronet/coronet.hpp>

namespace {

using namespace coronet;

[[noreturn]] void usage() {
  std::fprintf(stderr, "usage: ws-coronet --port P [--host 127.0.0.1] [--deflate] [--broadcast]\n");
  std::exit(2);
}

task<> close_on_signal(http::server& s) {
  std::vector<int> signals{SIGINT, SIGTERM};
  co_await wait_for_signal(std::move(signals));
  s.close();
}

task<> echo(websocket::connection& ws) {
  for (;;) {
    std::optional<websocket::message> m = co_await ws.receive();
    if (!m) co_return;
    co_await ws.send(*m);
  }
}

// The broadcast room: each message goes to every member by a send of its own, so that a member
// that reads slowly holds up only its own sends (bounded by max_buffered_bytes).
struct room {
  std::set<websocket::connection*> members;
};

task<> deliver(websocket::connection& to, std::shared_ptr<const websocket::message> m) {
  try {
    co_await to.send(*m);
  } catch (const std::system_error&) {
    // That member left or fell behind: its own handler ends it.
  }
}

task<> chat(room& r, websocket::connection& ws) {
  r.members.insert(&ws);
  try {
    for (;;) {
      std::optional<websocket::message> m = co_await ws.receive();
      if (!m) break;
      auto shared = std::make_shared<const websocket::message>(std::move(*m));
      for (websocket::connection* member : r.members) spawn(deliver(*member, shared));
    }
  } catch (...) {
    r.members.erase(&ws);
    throw;
  }
  r.members.erase(&ws);
}

}  // namespace

int main(int argc, char** argv) {
  std::string host = "127.0.0.1";
  std::uint16_t port = 0;
  bool deflate = false, broadcast = false;
  for (int i = 1; i < argc; ++i) {
    const std::string_view a = argv[i];
    if (a == "--deflate") {
      deflate = true;
    } else if (a == "--broadcast") {
      broadcast = true;
    } else if (a == "--quiet") {
    } else if (i + 1 < argc && a == "--host") {
      host = argv[++i];
    } else if (i + 1 < argc && a == "--port") {
      port = static_cast<std::uint16_t>(std::atoi(argv[++i]));
    } else {
      usage();
    }
  }
  if (port == 0) usage();
  websocket::server_options o;
  o.deflate.enabled = deflate;
  o.deflate.threshold = 0;
  room everyone;
  http::server::handler h =
      broadcast ? websocket::accept(
                      [&everyone](websocket::connection& ws) { return chat(everyone, ws); }, o)
                : websocket::accept(echo, o);
  run([&]() -> task<> {
    http::server server(h);
    auto l = tcp::listener::bind({host, port});
    task<> serving = server.serve(l);
    task<> stopping = close_on_signal(server);
    co_await when_any(std::move(serving), std::move(stopping));
  });
  return 0;
}
