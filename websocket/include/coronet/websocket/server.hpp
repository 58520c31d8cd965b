// The server side: an HTTP handler that upgrades its requests to WebSocket connections.
//
//   coronet::http::router r;
//   r.get("/echo", coronet::websocket::accept(
//       [](coronet::websocket::connection& ws) -> coronet::task<> {
//         for (;;) {
//           std::optional<coronet::websocket::message> m = co_await ws.receive();
//           if (!m) break;
//           co_await ws.send(*m);
//         }
//       }));
//   coronet::http::server srv(r);
//
// The request must be a WebSocket handshake (RFC 6455 4.2.1): GET, HTTP/1.1, "Upgrade:
// websocket", "Connection: Upgrade", a Sec-WebSocket-Key of 16 bytes in base64, version 13.
// Otherwise the answer is 426 (no upgrade asked for, or another version: with
// Sec-WebSocket-Version: 13), 400 (no or a bad key) or 405 (another method), and the handler
// never runs. options.on_upgrade may refuse a handshake with a response of its own (an Origin it
// does not trust, no session cookie) and pick a subprotocol. The handler runs for the life of
// the connection; when it returns, the connection is closed (with a close handshake, 1000, if
// it is still open). A graceful http::server::close() sends every open WebSocket a close frame
// (1001, going away); cancelling the server closes them at once.
#pragma once

#include <exception>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "coronet/http/message.hpp"
#include "coronet/http/server.hpp"
#include "coronet/task.hpp"
#include "coronet/websocket/connection.hpp"

namespace coronet::websocket {

// What on_upgrade sees of a handshake, and what it may decide.
struct upgrade_request {
  const http::request& request;
  // The subprotocols the client offered (Sec-WebSocket-Protocol), in its order.
  std::vector<std::string_view> offered;
  // The one chosen (one of `offered`, or empty for none): the first of server_options::protocols
  // the client offered, which on_upgrade may change.
  std::string protocol;
};

struct server_options : options {
  // Subprotocols this server speaks, in its order of preference.
  std::vector<std::string> protocols;
  // Called before the handshake is accepted: a response (403, 401, ...) refuses it.
  std::function<std::optional<http::response>(upgrade_request&)> on_upgrade;
  // The handler's failure: the peer broke the protocol or went away (a system_error), or the
  // handler threw. Empty: a peer's failure ends its connection quietly, anything else goes to
  // coronet::report_unhandled_exception.
  std::function<void(std::exception_ptr, const connection&)> on_error;
};

using handler = std::function<task<>(connection&)>;

// An HTTP handler that accepts WebSocket handshakes and runs `h` with each connection.
http::server::handler accept(handler h);
http::server::handler accept(handler h, server_options o);

// The same for a handler of one's own: the answer to `req` (a 101 that runs `h`, or the
// refusal). For an exchange handler: co_await ex.respond(websocket::upgrade(ex.req(), h, o)).
http::response upgrade(const http::request& req, handler h, const server_options& o);

// Whether `req` asks for a WebSocket (Upgrade: websocket), for routing on one path.
bool is_upgrade(const http::request& req) noexcept;

}  // namespace coronet::websocket
