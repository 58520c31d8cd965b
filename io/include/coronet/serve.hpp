// serve: Node's net.createServer(handler).listen() loop, with a graceful stop. Each connection
// runs handler(socket) in a task of its own; a handler's exception is reported (options.on_error)
// and the server goes on.
//
//   auto server = coronet::tcp::listener::bind({"0.0.0.0", 8888});
//   co_await coronet::serve(server, [](coronet::stream& s) -> coronet::task<> {
//     co_await s.write_all("hello\n");
//   });
//
// Stopping (options.stop requested, or serve() cancelled): the listener is closed at once (new
// clients are refused), then the connections get options.drain_timeout to end, then what is left
// is cancelled and awaited. A connection ending during the stop is closed gracefully: its client
// reads end of stream after the last byte written, never a reset.
#pragma once

#include <chrono>
#include <concepts>
#include <exception>
#include <functional>
#include <stop_token>
#include <type_traits>
#include <utility>

#include "coronet/stream.hpp"
#include "coronet/task.hpp"

namespace coronet {

struct serve_options {
  // Ask for a graceful stop (on the scheduler's thread); serve() then returns normally.
  std::stop_token stop;
  // How long connections may go on after a stop before they are cancelled.
  std::chrono::milliseconds drain_timeout = std::chrono::seconds(5);
  // A handler's exception (never a cancellation). Empty: report_unhandled_exception(e,
  // "connection").
  std::function<void(std::exception_ptr)> on_error;
};

// What serve() runs per connection, in any of three forms:
// - task<>(stream&, std::stop_token stopping): `stopping` is requested when a stop begins; the
//   handler finishes its work (an HTTP response, say) and returns within the drain timeout.
// - task<>(stream&): a stop cancels it (its pending read or write ends with operation_canceled;
//   a read loses nothing). serve() owns the stream and closes it after the handler.
// - task<>(stream): the handler owns the stream; a stop cancels it as above.
class connection_handler {
 public:
  template <class F>
  requires(!std::same_as<std::remove_cvref_t<F>, connection_handler>) connection_handler(F f)
      : told_(std::invocable<F&, stream&, std::stop_token>) {
    if constexpr (std::invocable<F&, stream&, std::stop_token>) {
      run_ = std::move(f);
    } else if constexpr (std::invocable<F&, stream&>) {
      run_ = [f = std::move(f)](stream& s, std::stop_token) mutable { return f(s); };
    } else {
      static_assert(std::invocable<F&, stream>,
                    "a connection handler takes (stream&, std::stop_token), (stream&) or (stream)");
      run_ = [f = std::move(f)](stream& s, std::stop_token) mutable { return f(std::move(s)); };
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
struct listener_ref {
  std::function<task<stream>()> accept;
  std::function<void()> close;
  // Empty for a listener without is_open(): an accept ended by cancellation then means closed.
  std::function<bool()> is_open;
};

template <class Listener>
listener_ref listener_ref_of(Listener& l) {
  listener_ref r{[&l] { return l.accept(); }, [&l] { l.close(); }, {}};
  if constexpr (requires { l.is_open(); }) r.is_open = [&l] { return l.is_open(); };
  return r;
}
task<> serve(listener_ref l, connection_handler handler, serve_options options);
}  // namespace detail

// Accepts from `l` (tcp::listener, unix::listener, local::listener, or any type with accept() and
// close(), and optionally is_open()) until a stop, or until
// the listener fails or is closed by someone else (Node's server.close(): then the connections
// are left to end on their own, with no drain timeout). Returns normally after options.stop or a
// close; throws operation_canceled when cancelled, and rethrows a listener failure (after
// cancelling every connection at once). `l` must outlive the call.
template <class Listener>
task<> serve(Listener& l, connection_handler handler, serve_options options = {}) {
  return detail::serve(detail::listener_ref_of(l), std::move(handler), std::move(options));
}

}  // namespace coronet
