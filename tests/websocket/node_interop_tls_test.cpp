// wss:// with Node's ws, both ways: websocket::connect (client_options::tls trusting the test
// CA) against ws on Node's https server, and ws's client (given the CA) against an
// http::server serving websocket::accept over TLS. Certificates come from the test PKI
// (tests/support/tls_test_support.hpp); ws gets them as PEM text over the channel.
#include <tuple>
#include <utility>

#include "coronet/tls/context.hpp"
#include "node_peer.hpp"
#include "tls_test_support.hpp"  // tests/support
#include "ws_test_support.hpp"

namespace coronet::ws_test {
namespace {

namespace json = boost::json;

class NodeWss : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!node_ws_missing().empty()) GTEST_SKIP() << node_ws_missing();
  }
};

const tls::key_pair& server_certificate() {
  static const tls::key_pair pair =
      tls_test::issue(tls_test::test_ca(), {"localhost", "127.0.0.1"});
  return pair;
}

std::string wss_url(std::uint16_t port, std::string_view path = "/") {
  return "wss://127.0.0.1:" + std::to_string(port) + std::string(path);
}

// ws's next 'message' event must be `payload`.
task<> expect_received(node_peer& node, const std::string& payload, bool binary) {
  json::object m = co_await node.expect("message");
  EXPECT_EQ(m.at("binary").as_bool(), binary);
  EXPECT_EQ(m.at("sha1").as_string(), sha1_hex(payload));
}

// ws's https server (its `listen` command with a certificate); returns its port.
task<std::uint16_t> listen_tls(node_peer& node, json::value deflate) {
  json::object listen = node_peer::listen(std::move(deflate));
  listen["tls"] = json::object{{"cert", server_certificate().certificate_pem},
                               {"key", server_certificate().private_key_pem}};
  co_await node.command(std::move(listen));
  json::object listening = co_await node.expect("listening");
  co_return listening.at("port").to_number<std::uint16_t>();
}

websocket::client_options trusting_the_test_ca() {
  websocket::client_options o;
  tls::context ctx = tls::context::client();
  ctx.add_certificate_authority(tls_test::test_ca().certificate_pem);
  o.tls = std::move(ctx);
  return o;
}

TEST_F(NodeWss, CoronetClientToWsOverHttps) {
  run([]() -> task<> {
    node_peer node;
    const std::uint16_t port = co_await listen_tls(node, true);
    websocket::connection ws = co_await websocket::connect(wss_url(port), trusting_the_test_ca());
    co_await node.expect("connection");
    EXPECT_TRUE(ws.secure());
    EXPECT_TRUE(ws.compressed());
    const std::pair<const char*, std::size_t> messages[] = {
        {"text", 16 * 64}, {"binary", 3 << 20}, {"text", 16 << 16}};
    for (const auto& [kind, size] : messages) {
      const std::string payload = make_payload(kind, size, static_cast<int>(size % 7));
      const bool binary = std::string_view(kind) == "binary";
      if (binary) {
        co_await ws.send_binary(payload);
      } else {
        co_await ws.send_text(payload);
      }
      co_await expect_received(node, payload, binary);
      std::optional<websocket::message> echo = co_await ws.receive();
      CO_ASSERT(echo.has_value());
      EXPECT_TRUE(echo->data == payload);
    }
    co_await ws.close(4002, "reason over tls");
    json::object c = co_await node.expect("close");
    EXPECT_EQ(c.at("code").as_int64(), 4002);
    EXPECT_EQ(c.at("reason").as_string(), "reason over tls");
    co_await node.stop();
  }());
}

// A server certificate from a CA the client does not trust: the handshake never happens.
TEST_F(NodeWss, CoronetClientRefusesAnUntrustedCertificate) {
  run([]() -> task<> {
    node_peer node;
    const std::uint16_t port = co_await listen_tls(node, false);
    websocket::client_options o;
    tls::context ctx = tls::context::client();
    ctx.add_certificate_authority(tls_test::other_ca().certificate_pem);
    o.tls = std::move(ctx);
    std::string what;
    try {
      websocket::connection ws = co_await websocket::connect(wss_url(port), std::move(o));
    } catch (const std::system_error& e) {
      what = e.what();
    }
    EXPECT_NE(what.find(wss_url(port)), std::string::npos) << what;
    EXPECT_NE(what.find("certificate"), std::string::npos) << what;
    co_await node.stop();
  }());
}

TEST_F(NodeWss, WsClientToCoronetOverTls) {
  bool secure = false;
  auto handler = [&secure](websocket::connection& ws) -> task<> {
    secure = ws.secure();
    co_await echo(ws);
  };
  run([](http::server::handler h) -> task<> {
    auto l = tcp::listener::bind({"127.0.0.1", 0});
    http::server srv(std::move(h));
    tls::context ctx = tls::context::server();
    ctx.use(server_certificate());
    auto client = [](http::server& srv, std::uint16_t port) -> task<> {
      node_peer node;
      json::object connect = node_peer::connect(wss_url(port), true, false);
      connect["ca"] = tls_test::test_ca().certificate_pem;
      co_await node.command(std::move(connect));
      json::object open = co_await node.expect("open");
      EXPECT_NE(open.at("extensions").as_string().find("permessage-deflate"), std::string::npos);
      const std::tuple<const char*, std::size_t, int> messages[] = {
          {"text", 16 * 64, 1}, {"binary", 3 << 20, 2}, {"text", 16 << 16, 3}};
      for (const auto& [kind, size, seed] : messages) {
        co_await node.command(node_peer::send(kind, size, seed));
        co_await expect_received(node, make_payload(kind, size, seed),
                                 std::string_view(kind) == "binary");
      }
      co_await node.command(node_peer::close(4001, "reason over tls"));
      json::object c = co_await node.expect("close");
      EXPECT_EQ(c.at("code").as_int64(), 4001);
      co_await node.stop();
      srv.close();
    };
    task<> serving = srv.serve(l, std::move(ctx));
    task<> using_it = client(srv, l.port());
    co_await when_all(std::move(serving), std::move(using_it));
  }(websocket::accept(handler)));
  EXPECT_TRUE(secure);
}

}  // namespace
}  // namespace coronet::ws_test
