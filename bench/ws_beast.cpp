// ws-beast: Boost.Beast peer of the WebSocket benchmark (bench/websocket.sh).
//
// A plain single-threaded Boost.Beast WebSocket server, one io_context(1) run by one thread: the
// fair comparison with coronet's one scheduler on one core.
//
//   ws-beast --port P [--deflate] [--broadcast]
//
// Echo (the default) is Beast's own coroutine echo: one asio::awaitable per connection,
// async_accept, then a loop of async_read into a flat_buffer and async_write of the same
// message with the same type (text or binary).
//
// --broadcast sends each message to every connected client, its sender included, as Beast's
// chat example does: the message is copied once into a shared string, and each client has a
// queue of such strings and at most one async_write in flight (a WebSocket stream allows only
// one), started by a callback when the previous one completes.
//
// --deflate accepts permessage-deflate when a client offers it, at zlib's default level and
// memLevel (6 and 8, what Node's `ws` and coronet use) instead of Beast's own (8 and 4), so that
// the peers do the same compression work; like `ws` while it keeps its compression context, it
// compresses every message, however small (ws's 1024-byte threshold applies only under
// server_no_context_takeover). Without --deflate the extension is refused. No timeouts (neither
// Node's `ws` nor coronet's sample sets any); TCP_NODELAY as the other peers.
//
// Listens on 0.0.0.0:P (P = 0 picks a free port), prints one "listening ..." line, serves until
// SIGINT or SIGTERM and exits 0.

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>

#include <charconv>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <deque>
#include <exception>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_set>
#include <utility>

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
using asio::ip::tcp;
using boost::system::error_code;

namespace {

struct settings {
  long port = -1;
  bool deflate = false;
  bool broadcast = false;
};

void usage(std::FILE* out, const char* prog) {
  std::fprintf(out,
               "usage: %s --port P [--deflate] [--broadcast]\n"
               "  --port P      listen on TCP 0.0.0.0:P\n"
               "  --deflate     accept permessage-deflate\n"
               "  --broadcast   send each message to every client instead of echoing it\n",
               prog);
}

using ws_stream = websocket::stream<tcp::socket>;

void configure(ws_stream& ws, const settings& s) {
  websocket::permessage_deflate pmd;
  pmd.server_enable = s.deflate;
  pmd.compLevel = 6;  // zlib's default, as ws and coronet use
  pmd.memLevel = 8;   // likewise
  // msg_size_threshold stays 0: every message is compressed, as ws does with context takeover.
  ws.set_option(pmd);
}

asio::awaitable<void> echo_session(tcp::socket socket, const settings& s) {
  ws_stream ws(std::move(socket));
  configure(ws, s);
  error_code ec;
  co_await ws.async_accept(asio::redirect_error(asio::use_awaitable, ec));
  if (ec) co_return;
  beast::flat_buffer buffer;  // reused for every message
  for (;;) {
    co_await ws.async_read(buffer, asio::redirect_error(asio::use_awaitable, ec));
    if (ec) break;  // closed, reset or a protocol error: drop the connection
    ws.text(ws.got_text());
    co_await ws.async_write(buffer.data(), asio::redirect_error(asio::use_awaitable, ec));
    if (ec) break;
    buffer.consume(buffer.size());
  }
}

// --- broadcast ---------------------------------------------------------------------------------

struct outgoing {
  std::string data;
  bool text;
};

// A connected client of the broadcast: its stream and what is still to be written to it.
struct client : std::enable_shared_from_this<client> {
  explicit client(tcp::socket socket) : ws(std::move(socket)) {}

  // Queues one message; starts writing unless a write is in flight (its completion goes on).
  void send(std::shared_ptr<const outgoing> m) {
    queue.push_back(std::move(m));
    if (queue.size() == 1) write_front();
  }

  void write_front() {
    ws.text(queue.front()->text);
    ws.async_write(asio::buffer(queue.front()->data),
                   [self = shared_from_this()](error_code ec, std::size_t) {
                     if (ec) {
                       // The reader sees the closed socket and removes the client.
                       self->queue.clear();
                       error_code ignored;
                       self->ws.next_layer().close(ignored);
                       return;
                     }
                     self->queue.pop_front();
                     if (!self->queue.empty()) self->write_front();
                   });
  }

  ws_stream ws;
  std::deque<std::shared_ptr<const outgoing>> queue;
};

using client_set = std::unordered_set<std::shared_ptr<client>>;

asio::awaitable<void> broadcast_session(tcp::socket socket, client_set& clients,
                                        const settings& s) {
  auto self = std::make_shared<client>(std::move(socket));
  configure(self->ws, s);
  error_code ec;
  co_await self->ws.async_accept(asio::redirect_error(asio::use_awaitable, ec));
  if (ec) co_return;
  clients.insert(self);
  beast::flat_buffer buffer;
  for (;;) {
    co_await self->ws.async_read(buffer, asio::redirect_error(asio::use_awaitable, ec));
    if (ec) break;
    // One copy of the message, shared by every client's queue.
    auto m = std::make_shared<const outgoing>(
        outgoing{beast::buffers_to_string(buffer.data()), self->ws.got_text()});
    buffer.consume(buffer.size());
    for (const auto& c : clients) c->send(m);
  }
  clients.erase(self);
}

// --- accepting ---------------------------------------------------------------------------------

asio::awaitable<void> accept_loop(tcp::acceptor& acceptor, client_set& clients, const settings& s) {
  asio::steady_timer backoff(acceptor.get_executor());
  for (;;) {
    error_code ec;
    auto socket = co_await acceptor.async_accept(asio::redirect_error(asio::use_awaitable, ec));
    if (ec) {
      if (ec == asio::error::operation_aborted || !acceptor.is_open()) co_return;
      // E.g. EMFILE: report, back off briefly instead of spinning.
      std::fprintf(stderr, "ws-beast: accept: %s\n", ec.message().c_str());
      backoff.expires_after(std::chrono::milliseconds(10));
      co_await backoff.async_wait(asio::redirect_error(asio::use_awaitable, ec));
      continue;
    }
    socket.set_option(tcp::no_delay(true), ec);
    if (s.broadcast)
      asio::co_spawn(acceptor.get_executor(), broadcast_session(std::move(socket), clients, s),
                     asio::detached);
    else
      asio::co_spawn(acceptor.get_executor(), echo_session(std::move(socket), s), asio::detached);
  }
}

}  // namespace

int main(int argc, char** argv) {
  const char* prog = argc > 0 ? argv[0] : "ws-beast";
  settings s;

  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    if (arg == "-h" || arg == "--help") {
      usage(stdout, prog);
      return 0;
    }
    if (arg == "--deflate") {
      s.deflate = true;
    } else if (arg == "--broadcast") {
      s.broadcast = true;
    } else if (arg == "--port") {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "%s: --port requires a value\n", prog);
        usage(stderr, prog);
        return 2;
      }
      std::string_view v = argv[++i];
      auto [ptr, ec] = std::from_chars(v.data(), v.data() + v.size(), s.port);
      if (ec != std::errc{} || ptr != v.data() + v.size() || s.port < 0 || s.port > 65535) {
        std::fprintf(stderr, "%s: invalid port '%s'\n", prog, argv[i]);
        return 2;
      }
    } else {
      std::fprintf(stderr, "%s: unknown argument '%s'\n", prog, argv[i]);
      usage(stderr, prog);
      return 2;
    }
  }
  if (s.port < 0) {
    std::fprintf(stderr, "%s: --port is required\n", prog);
    usage(stderr, prog);
    return 2;
  }

  try {
    asio::io_context ctx(1);
    tcp::acceptor acceptor(
        ctx, tcp::endpoint(asio::ip::address_v4::any(), static_cast<unsigned short>(s.port)),
        /*reuse_addr=*/true);
    std::printf("listening tcp 0.0.0.0:%u (%s, permessage-deflate %s)\n",
                static_cast<unsigned>(acceptor.local_endpoint().port()),
                s.broadcast ? "broadcast" : "echo", s.deflate ? "on" : "off");
    std::fflush(stdout);

    client_set clients;  // --broadcast's; destroyed before the io_context
    asio::signal_set signals(ctx, SIGINT, SIGTERM);
    signals.async_wait([&](const error_code& ec, int) {
      if (ec) return;
      error_code ignored;
      acceptor.close(ignored);
      ctx.stop();  // open sessions are torn down with the io_context
    });
    asio::co_spawn(ctx, accept_loop(acceptor, clients, s), asio::detached);
    ctx.run();
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "%s: %s\n", prog, e.what());
    return 1;
  }
}
