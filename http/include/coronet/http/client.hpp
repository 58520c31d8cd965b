// http::client: HTTP/1.1 requests over pooled keep-alive connections.
//
//   coronet::http::client c;
//   coronet::http::response r = co_await c.get("http://127.0.0.1:8888/hello");
//   std::cout << r.status << " " << r.body << "\n";
//
//   coronet::http::response once = co_await coronet::http::get("http://example.org/");
//
// URLs are parsed with Boost.URL; http:// and, where TLS is built in (CORONET_HAS_TLS), https://
// (SNI, the server's certificate verified against options.tls or the system's trust store, and
// its name checked; pooled per scheme, host and port). Names are resolved off the
// loop. A connection whose response ended cleanly and which both sides keep alive goes back to
// a per host-and-port pool and serves the next request. A request that fails on a pooled
// connection before any byte of its response came back (the server closed it while it sat idle)
// is retried once on a new connection if its method is idempotent.
//
// Errors are std::system_error naming the request, e.g.
//   "GET http://127.0.0.1:8888/hello: connect 127.0.0.1:8888: Connection refused"
// with the cause's error code: an errno, std::errc::timed_out, or an http::errc
// (malformed_message, incomplete_message when the server closed mid-response, body_too_large,
// unsupported_url).
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "coronet/http/message.hpp"
#include "coronet/http/upgrade.hpp"
#include "coronet/task.hpp"
#ifdef CORONET_HAS_TLS
#include <optional>

#include "coronet/tls/context.hpp"
#endif

namespace coronet::http {

struct client_options {
  // Resolving and connecting; zero: no limit but the system's.
  std::chrono::milliseconds connect_timeout{30'000};
  // The whole exchange, connecting included; zero: no limit (Node's default).
  std::chrono::milliseconds timeout{0};
  // Status line and headers of a response, and a body read whole (open() streams without it).
  std::size_t max_header_size = 16 * 1024;
  std::uint64_t max_body_size = 64 * 1024 * 1024;
  // Idle connections kept per host and port, and for how long: shorter than the 5 s servers
  // (Node's, coronet's) wait, so a pooled connection is rarely closed under a new request.
  std::size_t max_idle_per_host = 8;
  std::chrono::milliseconds idle_timeout{4'000};
  // Bytes read from the socket at a time (per connection): the largest body piece a reader gets.
  std::size_t read_buffer_size = 16 * 1024;
#ifdef CORONET_HAS_TLS
  // https:// URLs: the TLS settings (whom to trust, client certificate, ...). Empty:
  // tls::context::client(), which verifies servers against the system's trust store. For a
  // private CA: auto ctx = tls::context::client(); ctx.load_verify_file("ca.pem"); o.tls = ctx;
  // The client offers ALPN http/1.1 (set on the context).
  std::optional<tls::context> tls;
#endif
};

// A request body produced piece by piece (sent chunked): each call gives the next piece, an
// empty string ends the body.
using body_source = std::function<task<std::string>()>;

namespace detail {
class client_connection;
class client_pool;
struct request_args;
}  // namespace detail

// A response whose body is read piece by piece (client::open).
class incoming {
 public:
  incoming(incoming&&) noexcept;
  incoming& operator=(incoming&&) noexcept;
  // A body read to its end returns the connection to the pool; otherwise it is closed.
  ~incoming();

  // Status, reason, version and headers; body empty.
  const response& head() const noexcept { return head_; }
  int status() const noexcept { return head().status; }
  const fields& headers() const noexcept { return head().headers; }

  // The next piece of the body, valid until the next call; empty at its end.
  task<std::string_view> read_some();
  // The rest of the body (up to the client's max_body_size).
  task<std::string> read_all();

 private:
  friend class client;
  explicit incoming(std::unique_ptr<detail::client_connection> c,
                    std::shared_ptr<detail::client_pool> pool, std::string what);
  response head_;
  std::unique_ptr<detail::client_connection> conn_;  // null once the body has been read
  std::shared_ptr<detail::client_pool> pool_;
  std::string what_;  // "GET http://...", for errors
};

// What client::upgrade() got: the server's answer, and after a 101 the connection.
struct upgrade_result {
  response head;        // a refusal's body read whole (up to max_body_size); empty after a 101
  upgraded connection;  // open only after a 101
};

class client {
 public:
  explicit client(client_options options = {});
  ~client();
  client(const client&) = delete;
  client& operator=(const client&) = delete;

  task<response> get(std::string_view url, fields headers = {});
  // Any method; a non-empty body is sent with its Content-Length.
  task<response> request(std::string_view method, std::string_view url, fields headers = {},
                         std::string body = {});
  // A body sent chunked as `source` produces it.
  task<response> request(std::string_view method, std::string_view url, fields headers,
                         body_source source);
  // The response head, with the body left to read through the returned object.
  task<incoming> open(std::string_view method, std::string_view url, fields headers = {},
                      std::string body = {});

  // A GET asking to switch protocols (`headers` name it: "Upgrade: websocket", ...;
  // "Connection: Upgrade" is added when absent), on a connection of its own that is never
  // pooled. ws:// and wss:// URLs are taken as http:// and https://. A 101 gives the connection
  // in the result; any other status is returned with its body, as an answer, not an error.
  task<upgrade_result> upgrade(std::string_view url, fields headers);

  // Closes the idle pooled connections (those in use close when their exchange ends).
  void close_idle() noexcept;
  std::size_t idle_connections() const noexcept;
  const client_options& options() const noexcept;

 private:
  task<incoming> exchange(detail::request_args& a);
  task<response> read_whole(detail::request_args& a);
  task<upgrade_result> upgrade_exchange(detail::request_args& a);
  std::shared_ptr<detail::client_pool> pool_;
};

// One request with a client of its own (its connection is closed afterwards).
task<response> get(std::string_view url, client_options options = {});

}  // namespace coronet::http
