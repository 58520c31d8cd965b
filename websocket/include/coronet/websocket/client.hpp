// The client side: websocket::connect("ws://host:port/path") (or wss:// over coronet::tls).
//
//   namespace ws = coronet::websocket;
//   ws::connection c = co_await ws::connect("ws://127.0.0.1:8080/");
//   co_await c.send_text("hello");
//   std::optional<ws::message> echo = co_await c.receive();
//   co_await c.close();
//
// The handshake is checked as RFC 6455 4.1 asks (101, Upgrade, Connection, the accept key, a
// subprotocol and extensions among those offered); any other answer fails with
// errc::handshake_failed naming the URL and the status. wss:// verifies the server as https://
// does (the system's trust store, or options.tls). Errors name the URL:
//   "connect ws://127.0.0.1:8080/: connect 127.0.0.1:8080: Connection refused"
#pragma once

#include <chrono>
#include <string>
#include <string_view>
#include <vector>

#include "coronet/http/fields.hpp"
#include "coronet/task.hpp"
#include "coronet/websocket/connection.hpp"
#ifdef CORONET_HAS_TLS
#include <optional>

#include "coronet/tls/context.hpp"
#endif

namespace coronet::websocket {

struct client_options : options {
  // Extra handshake headers (Origin, Cookie, Authorization, ...).
  http::fields headers;
  // Subprotocols offered, in order of preference (Sec-WebSocket-Protocol).
  std::vector<std::string> protocols;
  // Resolving and connecting; the whole handshake (connecting included). Zero: no limit.
  std::chrono::milliseconds connect_timeout{30'000};
  std::chrono::milliseconds handshake_timeout{30'000};
#ifdef CORONET_HAS_TLS
  // wss://: whom to trust (empty: tls::context::client(), the system's trust store).
  std::optional<tls::context> tls;
#endif
};

// Overloads rather than a defaulted argument: GCC 12 destroys a braced temporary in a co_await
// expression twice (docs/architecture.md).
task<connection> connect(std::string_view url);
task<connection> connect(std::string_view url, client_options o);

}  // namespace coronet::websocket
