// tls::serve: Node's tls.createServer(options, handler).listen(): coronet::serve() with a TLS
// handshake before each handler.
//
//   auto ctx = coronet::tls::context::server();
//   ctx.use_certificate_chain_file("cert.pem").use_private_key_file("key.pem");
//   auto l = coronet::tcp::listener::bind({"0.0.0.0", 8443});
//   coronet::tls::tls_handler hello = [](coronet::tls::stream& s) -> coronet::task<> {
//     co_await s.write_all("hello\n");
//     co_await s.shutdown();
//   };
//   co_await coronet::tls::serve(l, ctx, hello);  // the handler a local: see architecture.md
//
// A handshake that fails or does not finish within handshake_timeout ends just its connection
// (reported through on_handshake_error, if set); it never holds up accepting. Stopping works as
// coronet::serve's (serve.hpp): options.serve.stop, drain, then cancellation; a connection
// ending during a stop sends close_notify and reads (and drops) what its client still sends until
// the client closes too, so that closing never resets it.
#pragma once

#include <chrono>
#include <concepts>
#include <exception>
#include <functional>
#include <stop_token>
#include <utility>

#include "coronet/serve.hpp"
#include "coronet/task.hpp"
#include "coronet/tls/context.hpp"
#include "coronet/tls/stream.hpp"

namespace coronet::tls {

struct serve_options {
  coronet::serve_options serve;
  // From the accept to the end of the handshake (a client that stalls mid-handshake is closed).
  std::chrono::milliseconds handshake_timeout{10'000};
  // A failed handshake (the client's fault, usually). Empty: ignored, as Node's tlsClientError
  // without a listener.
  std::function<void(std::exception_ptr, const socket_address& peer)> on_handshake_error;
};

// The handler, after the handshake: task<>(tls::stream&, std::stop_token stopping) (told of a
// stop, to finish its work within the drain timeout) or task<>(tls::stream&) (cancelled by a
// stop). After it returns, serve() sends close_notify (unless the handler did) and closes.
class tls_handler {
 public:
  template <class F>
  requires(!std::same_as<std::remove_cvref_t<F>, tls_handler>) tls_handler(F f)
      : told_(std::invocable<F&, stream&, std::stop_token>) {
    if constexpr (std::invocable<F&, stream&, std::stop_token>) {
      run_ = std::move(f);
    } else {
      static_assert(std::invocable<F&, stream&>,
                    "a TLS handler takes (tls::stream&, std::stop_token) or (tls::stream&)");
      run_ = [f = std::move(f)](stream& s, std::stop_token) mutable { return f(s); };
    }
  }
  task<> operator()(stream& s, std::stop_token stopping) const {
    return run_(s, std::move(stopping));
  }
  // Whether the handler takes `stopping` (else a stop cancels it).
  bool told_of_stop() const noexcept { return told_; }

 private:
  std::function<task<>(stream&, std::stop_token)> run_;
  bool told_ = false;
};

namespace detail {
task<> serve(coronet::detail::listener_ref l, context ctx, tls_handler handler,
             serve_options options);
}

template <class Listener>
task<> serve(Listener& l, context ctx, tls_handler handler, serve_options options) {
  return detail::serve(coronet::detail::listener_ref_of(l), std::move(ctx), std::move(handler),
                       std::move(options));
}
// Not a defaulted `options = {}`: GCC 12 destroys a braced temporary in a co_await twice.
template <class Listener>
task<> serve(Listener& l, context ctx, tls_handler handler) {
  return detail::serve(coronet::detail::listener_ref_of(l), std::move(ctx), std::move(handler),
                       serve_options());
}

}  // namespace coronet::tls
