// beast-http-server: Boost.Beast peer for the coronet HTTP benchmark.
//
// A plain single-threaded Boost.Beast HTTP/1.1 server in the style of
// Beast's own coroutine examples: one io_context(1), one asio::awaitable
// coroutine per connection running a keep-alive loop of http::async_read
// into a flat_buffer and http::async_write of the response.  Every request
// is answered with 200 and its request target as the body (the seed's
// `res.end(req.url)`), framed with Content-Length; the connection stays
// open unless the request asks to close it (HTTP/1.0 without keep-alive,
// or `Connection: close`).
//
//   beast-http-server --port P     TCP on 0.0.0.0:P (P = 0 picks a free port)
//
// Prints one "listening ..." line on stdout, then serves until SIGINT or
// SIGTERM and exits 0.

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <charconv>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <exception>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using asio::ip::tcp;
using boost::system::error_code;

namespace {

void usage(std::FILE* out, const char* prog) {
  std::fprintf(out,
               "usage: %s --port P\n"
               "  --port P   listen on TCP 0.0.0.0:P\n",
               prog);
}

asio::awaitable<void> http_session(tcp::socket socket) {
  beast::flat_buffer buffer;  // persists across requests: pipelined bytes are kept
  error_code ec;
  for (;;) {
    http::request<http::string_body> req;
    co_await http::async_read(socket, buffer, req, asio::redirect_error(asio::use_awaitable, ec));
    if (ec) break;  // end_of_stream, reset or a parse error: drop the connection

    http::response<http::string_body> res{http::status::ok, req.version()};
    res.keep_alive(req.keep_alive());
    res.body().assign(req.target().data(), req.target().size());
    res.prepare_payload();  // Content-Length
    co_await http::async_write(socket, res, asio::redirect_error(asio::use_awaitable, ec));
    if (ec || !res.keep_alive()) break;
  }
  socket.shutdown(tcp::socket::shutdown_send, ec);
}

asio::awaitable<void> accept_loop(tcp::acceptor& acceptor) {
  asio::steady_timer backoff(acceptor.get_executor());
  for (;;) {
    error_code ec;
    auto socket = co_await acceptor.async_accept(asio::redirect_error(asio::use_awaitable, ec));
    if (ec) {
      if (ec == asio::error::operation_aborted || !acceptor.is_open()) co_return;
      // E.g. EMFILE: report, back off briefly instead of spinning.
      std::fprintf(stderr, "beast-http-server: accept: %s\n", ec.message().c_str());
      backoff.expires_after(std::chrono::milliseconds(10));
      co_await backoff.async_wait(asio::redirect_error(asio::use_awaitable, ec));
      continue;
    }
    // Node's http and nginx (tcp_nodelay on) do the same on keep-alive connections.
    socket.set_option(tcp::no_delay(true), ec);
    asio::co_spawn(acceptor.get_executor(), http_session(std::move(socket)), asio::detached);
  }
}

}  // namespace

int main(int argc, char** argv) {
  const char* prog = argc > 0 ? argv[0] : "beast-http-server";
  long port = -1;

  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    if (arg == "-h" || arg == "--help") {
      usage(stdout, prog);
      return 0;
    }
    if (arg == "--port") {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "%s: --port requires a value\n", prog);
        usage(stderr, prog);
        return 2;
      }
      std::string_view v = argv[++i];
      auto [ptr, ec] = std::from_chars(v.data(), v.data() + v.size(), port);
      if (ec != std::errc{} || ptr != v.data() + v.size() || port < 0 || port > 65535) {
        std::fprintf(stderr, "%s: invalid port '%s'\n", prog, argv[i]);
        return 2;
      }
    } else {
      std::fprintf(stderr, "%s: unknown argument '%s'\n", prog, argv[i]);
      usage(stderr, prog);
      return 2;
    }
  }
  if (port < 0) {
    std::fprintf(stderr, "%s: --port is required\n", prog);
    usage(stderr, prog);
    return 2;
  }

  try {
    asio::io_context ctx(1);
    tcp::acceptor acceptor(
        ctx, tcp::endpoint(asio::ip::address_v4::any(), static_cast<unsigned short>(port)),
        /*reuse_addr=*/true);
    std::printf("listening tcp 0.0.0.0:%u\n",
                static_cast<unsigned>(acceptor.local_endpoint().port()));
    std::fflush(stdout);

    asio::signal_set signals(ctx, SIGINT, SIGTERM);
    signals.async_wait([&](const error_code& ec, int) {
      if (ec) return;
      error_code ignored;
      acceptor.close(ignored);
      ctx.stop();  // open sessions are torn down with the io_context
    });
    asio::co_spawn(ctx, accept_loop(acceptor), asio::detached);
    ctx.run();
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "%s: %s\n", prog, e.what());
    return 1;
  }
}
