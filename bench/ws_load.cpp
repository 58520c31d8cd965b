// ws-load: the load generator of the WebSocket benchmark (bench/websocket.sh).
//
// Echo (the default): --connections connections (50), each sending a text message of --size
// bytes and waiting until the same message comes back, then sending the next: a closed loop with
// one message in flight per connection, for --warmup seconds (not counted) and then --duration
// seconds. Every echo is checked byte for byte (after inflating it when it came compressed).
// Output, one line:
//   messages=N seconds=X msgs_per_sec=R p50_us=A p99_us=B errors=E deflate=on|off
//   compressed_echoes=C compression=Q
// compressed_echoes: how many of the N came back compressed; compression: compressed size over
// text size of what we sent (0 without deflate).
//
// --broadcast: --connections (1000) connections; connection 0 sends a message, and every one of
// them must receive it (the server sends each message to all its clients, the sender included);
// the round's time runs from the send to the last receipt. --warmup-rounds rounds, then --rounds
// measured ones, one at a time. Output:
//   broadcasts=R seconds=X broadcasts_per_sec=B deliveries_per_sec=D p50_us=A p99_us=B errors=E
//   deflate=on|off
//
// The messages are JSON-like text, the same bytes for every server (payload.hpp). With --deflate
// the handshake offers permessage-deflate with client_no_context_takeover, and, when the server
// accepts, every message is sent compressed: each text is compressed once, at start, so that the
// generator's own cost stays small; the server still inflates every message and compresses what it
// sends back with its own context.
//
// Everything runs in one thread on nonblocking sockets and level-triggered epoll (the script pins
// it to one CPU). With --sync it stops at the window's two edges (see harness.hpp) so that the
// script can read the server's CPU time while the server is idle.
//
// Exit status: 0 after a completed run, 1 when it could not connect or every connection failed
// (the sender, in broadcast), 2 on bad flags.
//
// The parts, one job each: options.hpp (the command line), handshake.hpp (connecting and the
// opening handshake), connection.hpp (frames out and in), payload.hpp (what is sent),
// echo_loop.hpp and broadcast_loop.hpp (the two runs), harness.hpp (what the script sees).

#include <signal.h>

#include <cstdio>
#include <cstring>
#include <deque>
#include <string>

#include "wsload/broadcast_loop.hpp"
#include "wsload/echo_loop.hpp"
#include "wsload/handshake.hpp"
#include "wsload/harness.hpp"
#include "wsload/options.hpp"
#include "wsload/payload.hpp"

int main(int argc, char** argv) {
  using namespace wsload;

  if (argc > 0 && argv[0] != nullptr) {
    const char* slash = std::strrchr(argv[0], '/');
    program_name = slash != nullptr ? slash + 1 : argv[0];
  }
  const options opt = parse_options(argc, argv);

  // SIGUSR1 is the harness's "go" with --sync: blocked before anything is announced, so that it
  // stays pending until sync_point takes it.
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGUSR1);
  sigprocmask(SIG_BLOCK, &set, nullptr);
  signal(SIGPIPE, SIG_IGN);

  const server_address server(opt);
  std::string error;

  if (opt.probe) {
    opened o;
    if (!server.open(opt, o, error)) {
      std::fprintf(stderr, "%s: ws://%s%s: %s\n", program_name, server.describe().c_str(),
                   opt.path.c_str(), error.c_str());
      return exit_failure;
    }
    connection c(std::move(o));
    return 0;
  }

  raise_fd_limit(opt.connections);
  std::deque<connection> conns;  // a deque: connections never move
  for (int i = 0; i < opt.connections; ++i) {
    opened o;
    if (!server.open(opt, o, error)) {
      std::fprintf(stderr, "%s: ws://%s%s (connection %d of %d): %s\n", program_name,
                   server.describe().c_str(), opt.path.c_str(), i + 1, opt.connections,
                   error.c_str());
      return exit_failure;
    }
    if (opt.deflate && !o.deflate.on) {
      // Said once: the run goes on uncompressed, and the result line says deflate=off.
      if (i == 0) std::fprintf(stderr, "%s: the server refused permessage-deflate\n", program_name);
    }
    conns.emplace_back(std::move(o));
  }
  const bool deflate = conns.front().deflate().on;

  payloads texts(opt.size);
  if (deflate) texts.compressed(0, conns.front().deflate().client_max_window_bits);

  if (opt.broadcast) {
    broadcast_result r;
    bool ok = run_broadcast(opt, conns, texts, r);
    std::printf(
        "broadcasts=%llu seconds=%.3f broadcasts_per_sec=%.1f deliveries_per_sec=%.0f p50_us=%.1f "
        "p99_us=%.1f errors=%llu deflate=%s\n",
        static_cast<unsigned long long>(r.rounds), r.seconds,
        r.seconds > 0 ? static_cast<double>(r.rounds) / r.seconds : 0.0,
        r.seconds > 0 ? static_cast<double>(r.deliveries) / r.seconds : 0.0, r.p50_us, r.p99_us,
        static_cast<unsigned long long>(r.errors), deflate ? "on" : "off");
    std::fflush(stdout);
    if (!ok) {
      std::fprintf(stderr,
                   "%s: the broadcast could not go on (the sender or every client failed)\n",
                   program_name);
      return exit_failure;
    }
    return 0;
  }

  echo_result r;
  bool ok = run_echo(opt, conns, texts, r);
  std::printf(
      "messages=%llu seconds=%.3f msgs_per_sec=%.0f p50_us=%.1f p99_us=%.1f errors=%llu "
      "deflate=%s compressed_echoes=%llu compression=%.3f\n",
      static_cast<unsigned long long>(r.messages), r.seconds,
      r.seconds > 0 ? static_cast<double>(r.messages) / r.seconds : 0.0, r.p50_us, r.p99_us,
      static_cast<unsigned long long>(r.errors), deflate ? "on" : "off",
      static_cast<unsigned long long>(r.compressed_echoes), texts.ratio());
  std::fflush(stdout);
  if (!ok) {
    std::fprintf(stderr, "%s: all connections failed\n", program_name);
    return exit_failure;
  }
  return 0;
}
