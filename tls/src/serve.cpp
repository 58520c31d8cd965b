#include "coronet/tls/serve.hpp"

#include <array>
#include <cstddef>

#include "coronet/cancellation.hpp"
#include "coronet/error.hpp"
#include "coronet/with_timeout.hpp"

namespace coronet::tls::detail {
namespace {

struct tls_serve_state {
  context ctx;
  tls_handler handler;
  serve_options options;
};

task<> handshake_within(stream& s, std::chrono::milliseconds limit) {
  if (limit.count() <= 0) {
    co_await s.handshake();
  } else {
    co_await with_timeout(limit, s.handshake());
  }
}

task<> drain(stream& s) {
  std::array<std::byte, 4096> scrap;
  try {
    for (;;) {
      const std::size_t n = co_await s.read_some(scrap);
      if (n == 0) break;
    }
  } catch (const std::system_error&) {
    // The client closed without close_notify, reset, or the drain time ran out: all endings.
  }
}

task<> serve_tls_connection(std::shared_ptr<tls_serve_state> st, coronet::stream& plain,
                            std::stop_token stopping) {
  stream s = stream::server(std::move(plain), st->ctx);
  try {
    task<> hs = handshake_within(s, st->options.handshake_timeout);
    co_await with_stop_token(stopping, std::move(hs));
  } catch (const std::system_error& e) {
    // A client that fails its handshake (or is too slow) loses its connection, nothing more.
    if (is_cancellation(e) && stopping.stop_requested()) co_return;
    if (st->options.on_handshake_error) {
      st->options.on_handshake_error(std::current_exception(), s.remote_address());
    }
    co_return;
  }
  if (st->handler.told_of_stop()) {
    co_await st->handler(s, stopping);
  } else {
    task<> h = st->handler(s, std::stop_token());
    co_await with_stop_token(stopping, std::move(h));
  }
  // close_notify, so that the client can tell the end from a cut: a handler that already sent
  // it (shutdown()) has nothing left to do here.
  if (!s.is_open()) co_return;
  try {
    co_await s.shutdown();
  } catch (const std::system_error&) {
    // The client went first (reset, or closed without reading): nothing more to say to it.
    co_return;
  }
  // After a stop, as coronet::serve does for plain streams: what the client still sends is read
  // and dropped until it closes too. Closing with unread bytes would make the kernel answer
  // with a reset, which can destroy the last response and the close_notify on their way. The
  // drain timeout bounds it (serve() cancels what is left).
  if (stopping.stop_requested()) co_await drain(s);
}

}  // namespace

task<> serve(coronet::detail::listener_ref l, context ctx, tls_handler handler,
             serve_options options) {
  auto st = std::make_shared<tls_serve_state>(
      tls_serve_state{std::move(ctx), std::move(handler), std::move(options)});
  coronet::serve_options o = st->options.serve;
  // A local, not a temporary in the co_await below (GCC 12 destroys those twice).
  connection_handler per_connection([st](coronet::stream& s, std::stop_token stopping) {
    return serve_tls_connection(st, s, std::move(stopping));
  });
  task<> serving = coronet::detail::serve(std::move(l), std::move(per_connection), std::move(o));
  co_await std::move(serving);
}

}  // namespace coronet::tls::detail
