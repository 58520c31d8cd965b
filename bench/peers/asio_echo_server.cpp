// asio-echo-server: reference peer for the coronet echo benchmark.
//
// A plain Boost.Asio C++20-coroutine echo server: one single-threaded
// io_context, one coroutine per connection that does async_read_some into
// a 16 KiB buffer and then async_write()s everything it read.
//
//   asio-echo-server --port P      TCP on 0.0.0.0:P (P = 0 picks a free port)
//   asio-echo-server --unix PATH   unix stream socket at PATH
//
// Prints one "listening ..." line on stdout, then serves until SIGINT or
// SIGTERM and exits 0.

#include <boost/asio.hpp>

#include <unistd.h>

#include <array>
#include <charconv>
#include <chrono>
#include <csignal>
#include <cstddef>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <string>
#include <string_view>
#include <system_error>
#include <type_traits>
#include <utility>

namespace asio = boost::asio;
using boost::system::error_code;

namespace {

constexpr std::size_t kBufferSize = 16 * 1024;

void usage(std::FILE* out, const char* prog) {
  std::fprintf(out,
               "usage: %s --port P | --unix PATH\n"
               "  --port P      listen on TCP 0.0.0.0:P\n"
               "  --unix PATH   listen on a unix stream socket at PATH\n",
               prog);
}

template <typename Socket>
asio::awaitable<void> echo_session(Socket socket) {
  std::array<char, kBufferSize> buffer;  // lives in the coroutine frame
  error_code ec;
  for (;;) {
    std::size_t n = co_await socket.async_read_some(asio::buffer(buffer),
                                                    asio::redirect_error(asio::use_awaitable, ec));
    if (ec) break;  // EOF or reset: just drop the connection
    co_await asio::async_write(socket, asio::buffer(buffer.data(), n),
                               asio::redirect_error(asio::use_awaitable, ec));
    if (ec) break;
  }
}

template <typename Acceptor>
asio::awaitable<void> accept_loop(Acceptor& acceptor) {
  using protocol = typename Acceptor::protocol_type;
  asio::steady_timer backoff(acceptor.get_executor());
  for (;;) {
    error_code ec;
    auto socket = co_await acceptor.async_accept(asio::redirect_error(asio::use_awaitable, ec));
    if (ec) {
      if (ec == asio::error::operation_aborted || !acceptor.is_open()) co_return;
      // E.g. EMFILE: report, back off briefly instead of spinning.
      std::fprintf(stderr, "asio-echo-server: accept: %s\n", ec.message().c_str());
      backoff.expires_after(std::chrono::milliseconds(10));
      co_await backoff.async_wait(asio::redirect_error(asio::use_awaitable, ec));
      continue;
    }
    if constexpr (std::is_same_v<protocol, asio::ip::tcp>) {
      socket.set_option(asio::ip::tcp::no_delay(true), ec);
    }
    asio::co_spawn(acceptor.get_executor(), echo_session(std::move(socket)), asio::detached);
  }
}

template <typename Acceptor>
int serve(asio::io_context& ctx, Acceptor& acceptor) {
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
}

}  // namespace

int main(int argc, char** argv) {
  const char* prog = argc > 0 ? argv[0] : "asio-echo-server";
  std::string unix_path;
  long port = -1;

  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    if (arg == "-h" || arg == "--help") {
      usage(stdout, prog);
      return 0;
    }
    if ((arg == "--port" || arg == "--unix") && i + 1 >= argc) {
      std::fprintf(stderr, "%s: %s requires a value\n", prog, argv[i]);
      usage(stderr, prog);
      return 2;
    }
    if (arg == "--port") {
      std::string_view v = argv[++i];
      auto [ptr, ec] = std::from_chars(v.data(), v.data() + v.size(), port);
      if (ec != std::errc{} || ptr != v.data() + v.size() || port < 0 || port > 65535) {
        std::fprintf(stderr, "%s: invalid port '%s'\n", prog, argv[i]);
        return 2;
      }
    } else if (arg == "--unix") {
      unix_path = argv[++i];
    } else {
      std::fprintf(stderr, "%s: unknown argument '%s'\n", prog, argv[i]);
      usage(stderr, prog);
      return 2;
    }
  }
  if ((port >= 0) == !unix_path.empty()) {
    std::fprintf(stderr, "%s: give exactly one of --port or --unix\n", prog);
    usage(stderr, prog);
    return 2;
  }

  try {
    asio::io_context ctx(1);
    if (port >= 0) {
      asio::ip::tcp::acceptor acceptor(
          ctx,
          asio::ip::tcp::endpoint(asio::ip::address_v4::any(), static_cast<unsigned short>(port)),
          /*reuse_addr=*/true);
      std::printf("listening tcp 0.0.0.0:%u\n",
                  static_cast<unsigned>(acceptor.local_endpoint().port()));
      std::fflush(stdout);
      return serve(ctx, acceptor);
    }
    ::unlink(unix_path.c_str());  // stale socket from an earlier run
    asio::local::stream_protocol::acceptor acceptor(
        ctx, asio::local::stream_protocol::endpoint(unix_path));
    std::printf("listening unix %s\n", unix_path.c_str());
    std::fflush(stdout);
    int rc = serve(ctx, acceptor);
    ::unlink(unix_path.c_str());
    return rc;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "%s: %s\n", prog, e.what());
    return 1;
  }
}
