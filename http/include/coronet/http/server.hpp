// http::server: HTTP/1.1 over any coronet listener, with Node's defaults.
//
//   coronet::http::server srv([](coronet::http::request& req) ->
//   coronet::task<coronet::http::response> {
//     co_return coronet::http::response(200, req.target);
//   });
//   auto l = coronet::tcp::listener::bind(coronet::tcp::endpoint::parse("0.0.0.0:8888"));
//   co_await srv.serve(l);   // until srv.close() (graceful) or cancellation (immediate)
//
// A handler taking `request&` gets the whole body in req.body (up to max_body_size) and returns
// the response. A streaming handler taking `exchange&` reads the body piece by piece and writes
// the response piece by piece (Content-Length or chunked).
//
// Per connection: keep-alive (HTTP/1.1 default, HTTP/1.0 on request), pipelined requests answered
// in order, chunked request bodies decoded, `Expect: 100-continue` answered when the body is first
// read, HEAD answered without a body, a Date header on every response. Bad input fails only its
// connection, after a response with the fitting status: 400 malformed (including every request
// smuggling shape llhttp's strict mode rejects), 408 too slow, 413 body too large, 414 request
// line too long, 431 head too large, 501 unsupported transfer coding, 505 not HTTP/1.x. A handler
// that throws gets its client a 500 (the exception goes to options.on_handler_error); the server
// goes on.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <functional>
#include <memory>
#include <optional>
#include <string_view>

#include "coronet/http/message.hpp"
#include "coronet/serve.hpp"
#include "coronet/stream.hpp"
#include "coronet/task.hpp"
#ifdef CORONET_HAS_TLS
#include "coronet/tls/context.hpp"
#endif

namespace coronet::http {

struct server_options {
  // Request line and headers together (Node: --max-http-header-size, 16 KiB). Larger: 431.
  std::size_t max_header_size = 16 * 1024;
  // Header lines per request (Apache's LimitRequestFields). More: 431.
  std::size_t max_headers = 100;
  // Request body, declared or chunked (nginx's client_max_body_size, 1 MiB). Larger: 413.
  std::uint64_t max_body_size = 1024 * 1024;
  // Node's timeouts; zero disables one. From the first byte of a request to the end of its
  // headers (408 after it), and to the end of its body (408); between requests on a keep-alive
  // connection (closed silently after it).
  std::chrono::milliseconds headers_timeout{60'000};
  std::chrono::milliseconds request_timeout{300'000};
  std::chrono::milliseconds keep_alive_timeout{5'000};
  // Handing one piece of a response to a client that does not read (nginx's send_timeout, but
  // per write: a whole response given to respond() is one write); closed after it.
  std::chrono::milliseconds send_timeout{300'000};
  // Requests served on one connection before it is closed; zero: no limit.
  std::size_t max_requests_per_connection = 0;
  // Bytes handed to the parser at a time, which bounds the body pieces a handler reads. Reads
  // land in buffers the scheduler lends (stream::receive, 16 KiB): a connection waiting for its
  // next request holds none.
  std::size_t read_buffer_size = 16 * 1024;
  // A handler's exception, after its client got a 500. Empty: coronet::report_unhandled_exception.
  std::function<void(std::exception_ptr, const request&)> on_handler_error;
};

namespace detail {
class connection;
class server_state;
class transport;
}  // namespace detail

// One request/response exchange, for streaming handlers.
class exchange {
 public:
  explicit exchange(detail::connection& c) noexcept : c_(&c) {}

  // The request's head (method, target, headers); its body is read with the calls below.
  request& req() noexcept;

  // The next piece of the body, as a view valid until the next call; empty at the end of the
  // body. The first call answers `Expect: 100-continue`. Throws std::system_error with
  // http::errc::body_too_large or malformed_message when the body is bad (the server then
  // answers 413 or 400 itself unless the handler already started its response).
  task<std::string_view> read_some();
  // The rest of the body appended to req().body.
  task<> read_body();

  // The whole response at once.
  task<> respond(const response& r);
  // A response written in pieces: the head now (sent with the first piece), then write() the
  // body and finish(). With a content length the body must have exactly that many bytes;
  // without one it is sent chunked (HTTP/1.1) or delimited by closing the connection (HTTP/1.0).
  void start(int status, fields headers = {}, std::optional<std::uint64_t> content_length = {});
  task<> write(std::string_view piece);
  task<> finish();
  // Whether the response head has been handed to the socket (a 500 is no longer possible).
  bool started() const noexcept;

 private:
  detail::connection* c_;
};

class server {
 public:
  using handler = std::function<task<response>(request&)>;
  using stream_handler = std::function<task<>(exchange&)>;

  explicit server(handler h, server_options options = {});
  explicit server(stream_handler h, server_options options = {});
  ~server();
  server(const server&) = delete;
  server& operator=(const server&) = delete;

  // Accepts connections from `l` (a tcp::listener, unix::listener, ...) and serves them until
  // close() — then returns once the last connection has ended — or until cancelled: then every
  // connection is cancelled and awaited, and operation_canceled is thrown. Several serve() calls
  // may run at once, on different listeners.
  // The accept loop is coronet::serve()'s (coronet/serve.hpp); close() is its "listener closed by
  // its owner" case (connections end on their own), cancellation its stop with no drain time.
  template <class Listener>
  task<> serve(Listener& l) {
    return serve_impl(coronet::detail::listener_ref_of(l));
  }

#ifdef CORONET_HAS_TLS
  // HTTPS: the same, each connection beginning with a TLS handshake (`ctx`: a
  // tls::context::server() with a certificate). The headers timeout runs from the accept, so it
  // covers the handshake; ALPN offers http/1.1 (set on `ctx`). A plain HTTP request on this
  // port is answered 400 and closed, as nginx does.
  template <class Listener>
  task<> serve(Listener& l, tls::context ctx) {
    return serve_impl(coronet::detail::listener_ref_of(l), std::move(ctx));
  }
#endif

  // Graceful close: stop accepting (the listeners are closed), let requests in progress finish
  // (their responses say "Connection: close"), close idle keep-alive connections at once.
  void close() noexcept;

  // Connections open now, across all serve() calls.
  std::size_t connection_count() const noexcept;
  const server_options& options() const noexcept;

 private:
  task<> serve_impl(coronet::detail::listener_ref l);
  task<> serve_impl(coronet::detail::listener_ref l,
                    std::function<detail::transport(stream)> secure);
#ifdef CORONET_HAS_TLS
  task<> serve_impl(coronet::detail::listener_ref l, tls::context ctx);
#endif
  std::shared_ptr<detail::server_state> state_;
};

}  // namespace coronet::http
