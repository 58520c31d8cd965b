// The server's side of the opening handshake (RFC 6455 4.2), driven by raw requests: what is
// refused with which status, and how a subprotocol is chosen. The handler never runs for a
// refused handshake.
#include <atomic>
#include <string>

#include "ws_raw.hpp"

namespace coronet::ws_test {
namespace {

// The answer to `request` from a WebSocket server that counts how often its handler ran.
struct refusal_check {
  std::atomic<int> handled{0};
  http_test::server_thread srv{websocket::accept([this](websocket::connection&) -> task<> {
    ++handled;
    co_return;
  })};

  http_test::raw_response answer(std::string_view request) {
    return http_test::fetch(srv.port(), request);
  }
};

std::string request_with(std::string_view first_line, std::string_view headers) {
  return std::string(first_line) + "\r\nHost: test\r\n" + std::string(headers) + "\r\n";
}

constexpr std::string_view upgrade_headers = "Upgrade: websocket\r\nConnection: Upgrade\r\n";

TEST(WebSocketHandshake, NoKeyIs400) {
  refusal_check s;
  const auto r = s.answer(request_with(
      "GET / HTTP/1.1", std::string(upgrade_headers) + "Sec-WebSocket-Version: 13\r\n"));
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(s.handled, 0);
}

TEST(WebSocketHandshake, KeyNotSixteenBytesIs400) {
  refusal_check s;
  // 15 and 17 bytes in base64, and something that is not base64 at all.
  for (std::string_view key : {"AAAAAAAAAAAAAAAAAAAA", "AAAAAAAAAAAAAAAAAAAAAAA=", "not a key"}) {
    SCOPED_TRACE(key);
    const auto r = s.answer(request_with(
        "GET / HTTP/1.1", std::string(upgrade_headers) + "Sec-WebSocket-Version: 13\r\n" +
                              "Sec-WebSocket-Key: " + std::string(key) + "\r\n"));
    EXPECT_EQ(r.status, 400);
  }
  EXPECT_EQ(s.handled, 0);
}

TEST(WebSocketHandshake, Version8Is426WithVersion13) {
  refusal_check s;
  const auto r = s.answer(
      request_with("GET / HTTP/1.1", std::string(upgrade_headers) + "Sec-WebSocket-Version: 8\r\n" +
                                         "Sec-WebSocket-Key: " + std::string(sample_key) + "\r\n"));
  EXPECT_EQ(r.status, 426);
  EXPECT_EQ(r.header("Sec-WebSocket-Version"), "13");
  EXPECT_EQ(s.handled, 0);
}

TEST(WebSocketHandshake, NoVersionIs400) {
  refusal_check s;
  const auto r = s.answer(request_with(
      "GET / HTTP/1.1",
      std::string(upgrade_headers) + "Sec-WebSocket-Key: " + std::string(sample_key) + "\r\n"));
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(s.handled, 0);
}

TEST(WebSocketHandshake, PostIs405) {
  refusal_check s;
  std::string req = upgrade_request();
  req.replace(0, 3, "POST");
  const auto r = s.answer(req.insert(req.size() - 2, "Content-Length: 0\r\n"));
  EXPECT_EQ(r.status, 405);
  EXPECT_EQ(r.header("Allow"), "GET");
  EXPECT_EQ(s.handled, 0);
}

TEST(WebSocketHandshake, PlainGetWithoutUpgradeIs426) {
  refusal_check s;
  const auto r = s.answer("GET / HTTP/1.1\r\nHost: test\r\n\r\n");
  EXPECT_EQ(r.status, 426);
  EXPECT_EQ(r.header("Upgrade"), "websocket");
  EXPECT_EQ(s.handled, 0);
}

TEST(WebSocketHandshake, Http10Is400) {
  refusal_check s;
  std::string req = upgrade_request();
  req.replace(req.find("HTTP/1.1"), 8, "HTTP/1.0");
  const auto r = s.answer(req);
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(s.handled, 0);
}

TEST(WebSocketHandshake, AcceptKeyOfRfc6455Example) {
  http_test::server_thread srv(websocket::accept(echo));
  raw_ws c(srv.port());  // checks the 101 and the accept key (RFC 6455 1.3)
  EXPECT_EQ(c.handshake().status, 101);
  EXPECT_EQ(c.handshake().header("Sec-WebSocket-Accept"), std::string(sample_accept));
  EXPECT_EQ(c.handshake().header("Upgrade"), "websocket");
  EXPECT_FALSE(c.handshake().has("Sec-WebSocket-Protocol"));
  EXPECT_FALSE(c.handshake().has("Sec-WebSocket-Extensions"));
  c.echo_round_trip("accepted");
  c.close_normally();
}

// A server speaking "chat.v2" then "chat.v1", whose handler sends the subprotocol it got.
http::server::handler protocol_server(websocket::server_options o) {
  return websocket::accept(
      [](websocket::connection& ws) -> task<> {
        co_await ws.send_text("protocol=" + std::string(ws.subprotocol()));
        co_await echo(ws);
      },
      std::move(o));
}

websocket::server_options speaks_chat() {
  websocket::server_options o;
  o.protocols = {"chat.v2", "chat.v1"};
  return o;
}

TEST(WebSocketHandshake, ServerPicksItsFirstPreferenceAmongOffered) {
  http_test::server_thread srv(protocol_server(speaks_chat()));
  raw_ws c(srv.port(),
           "Sec-WebSocket-Protocol: other, chat.v1\r\nSec-WebSocket-Protocol: chat.v2\r\n");
  EXPECT_EQ(c.handshake().header("Sec-WebSocket-Protocol"), "chat.v2");
  EXPECT_EQ(c.read_frame().payload, "protocol=chat.v2");
  c.close_normally();
}

TEST(WebSocketHandshake, NoSubprotocolInCommonIsNone) {
  http_test::server_thread srv(protocol_server(speaks_chat()));
  {
    raw_ws c(srv.port(), "Sec-WebSocket-Protocol: mqtt\r\n");
    EXPECT_FALSE(c.handshake().has("Sec-WebSocket-Protocol"));
    EXPECT_EQ(c.read_frame().payload, "protocol=");
    c.close_normally();
  }
  raw_ws none_offered(srv.port());
  EXPECT_FALSE(none_offered.handshake().has("Sec-WebSocket-Protocol"));
  EXPECT_EQ(none_offered.read_frame().payload, "protocol=");
  none_offered.close_normally();
}

TEST(WebSocketHandshake, OnUpgradeRefusesWith403) {
  websocket::server_options o = speaks_chat();
  o.on_upgrade = [](websocket::upgrade_request& u) -> std::optional<http::response> {
    if (u.request.headers.get("Origin") != "https://trusted.example")
      return http::response(403, "origin not allowed\n", "text/plain");
    return std::nullopt;
  };
  http_test::server_thread srv(protocol_server(std::move(o)));
  const auto r =
      http_test::fetch(srv.port(), upgrade_request("/", "Origin: https://evil.example\r\n"));
  EXPECT_EQ(r.status, 403);
  EXPECT_EQ(r.body, "origin not allowed\n");
  raw_ws trusted(srv.port(), "Origin: https://trusted.example\r\n");
  EXPECT_EQ(trusted.read_frame().payload, "protocol=");  // none offered
  trusted.echo_round_trip("welcome");
  trusted.close_normally();
}

TEST(WebSocketHandshake, OnUpgradeChoosesTheProtocol) {
  websocket::server_options o = speaks_chat();
  std::vector<std::string> seen_offers;
  o.on_upgrade = [&seen_offers](websocket::upgrade_request& u) -> std::optional<http::response> {
    for (auto p : u.offered) seen_offers.emplace_back(p);
    EXPECT_EQ(u.protocol, "chat.v2");  // the server's own preference, before on_upgrade
    u.protocol = "chat.v1";            // e.g. a client known to misbehave with v2
    return std::nullopt;
  };
  http_test::server_thread srv(protocol_server(std::move(o)));
  raw_ws c(srv.port(), "Sec-WebSocket-Protocol: chat.v2, chat.v1\r\n");
  EXPECT_EQ(c.handshake().header("Sec-WebSocket-Protocol"), "chat.v1");
  EXPECT_EQ(c.read_frame().payload, "protocol=chat.v1");
  c.close_normally();
  EXPECT_EQ(seen_offers, (std::vector<std::string>{"chat.v2", "chat.v1"}));
}

}  // namespace
}  // namespace coronet::ws_test
