// coronet's WebSocket against Node's ws (node/ws_peer.js, through node_peer), both ways: ws's
// client against websocket::accept, and websocket::connect against ws's server. Text, binary,
// empty and 16 MiB messages, fragments, pings, close codes, subprotocols, refusals, and
// permessage-deflate with the parameters ws offers and accepts. Every payload is checked whole:
// ws reports the SHA-1 of what it received, coronet compares what came back byte for byte.
// Skipped, saying why, without node or ws.
#include <ostream>
#include <string>
#include <vector>

#include "node_peer.hpp"
#include "ws_test_support.hpp"

namespace coronet::ws_test {
namespace {

namespace json = boost::json;

class NodeWs : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!node_ws_missing().empty()) GTEST_SKIP() << node_ws_missing();
  }
};

// ws's next 'message' event must be `payload`, of its type.
task<> expect_received(node_peer& node, const std::string& payload, bool binary) {
  json::object m = co_await node.expect("message");
  EXPECT_EQ(m.at("binary").as_bool(), binary);
  EXPECT_EQ(m.at("size").to_number<std::size_t>(), payload.size());
  EXPECT_EQ(m.at("sha1").as_string(), sha1_hex(payload));
}

// ws sends make_payload(kind, size, seed); the coronet side echoes it and ws checks the echo.
task<> round_trip_from_ws(node_peer& node, std::string_view kind, std::size_t size, int seed) {
  co_await node.command(node_peer::send(kind, size, seed));
  co_await expect_received(node, make_payload(kind, size, seed), kind == "binary");
}

// coronet sends make_payload(kind, size, seed) to ws, which checks it and echoes it back.
task<> round_trip_to_ws(websocket::connection& ws, node_peer& node, std::string_view kind,
                        std::size_t size, int seed) {
  const std::string payload = make_payload(kind, size, seed);
  const bool binary = kind == "binary";
  if (binary) {
    co_await ws.send_binary(payload);
  } else {
    co_await ws.send_text(payload);
  }
  co_await expect_received(node, payload, binary);
  std::optional<websocket::message> echo = co_await ws.receive();
  CO_ASSERT(echo.has_value());
  EXPECT_EQ(echo->is_binary(), binary);
  EXPECT_EQ(echo->data.size(), payload.size());
  EXPECT_TRUE(echo->data == payload);
}

// Ends a test whose ws client is still open: ws closes (1000), the server echoes it.
task<> close_from_ws(node_peer& node) {
  co_await node.command(node_peer::close(1000, "done"));
  json::object c = co_await node.expect("close");
  EXPECT_EQ(c.at("code").as_int64(), 1000);
  co_await node.stop();
}

// What a server handler saw, for the test to check once the connection is over.
struct seen {
  bool compressed = false;
  std::string subprotocol;
  std::uint16_t close_code = 0;
  std::string close_reason;
  std::vector<std::string> messages;
};

// Echoes until the peer closes, noting what it saw.
websocket::handler noting_echo(seen& s) {
  return [&s](websocket::connection& ws) -> task<> {
    s.compressed = ws.compressed();
    s.subprotocol = std::string(ws.subprotocol());
    for (;;) {
      std::optional<websocket::message> m = co_await ws.receive();
      if (!m) break;
      s.messages.push_back(m->data);
      co_await ws.send(*m);
    }
    s.close_code = ws.close_code();
    s.close_reason = std::string(ws.close_reason());
  };
}

// ---- ws's client against coronet's server ------------------------------------------------------

using WsClientToCoronet = NodeWs;

TEST_F(WsClientToCoronet, TextBinaryAndEmptyMessagesComeBackWhole) {
  seen s;
  run(with_server(websocket::accept(noting_echo(s)), [](std::uint16_t port) -> task<> {
    node_peer node;
    co_await node.command(node_peer::connect(url(port), false, false));
    json::object open = co_await node.expect("open");
    EXPECT_EQ(open.at("extensions").as_string(), "");
    co_await round_trip_from_ws(node, "text", 16 * 5, 1);
    co_await round_trip_from_ws(node, "binary", 5, 2);
    co_await round_trip_from_ws(node, "text", 0, 0);
    co_await round_trip_from_ws(node, "binary", 0, 0);
    // Past the 16-bit length field, and just under and over 125 (the 7-bit one).
    co_await round_trip_from_ws(node, "binary", 70000, 3);
    co_await round_trip_from_ws(node, "text", 16 * 7, 4);
    co_await round_trip_from_ws(node, "binary", 126, 5);
    co_await close_from_ws(node);
  }));
  EXPECT_FALSE(s.compressed);
  EXPECT_EQ(s.messages.size(), 7u);
}

TEST_F(WsClientToCoronet, SixteenMiBTextAndBinary) {
  seen s;
  run(with_server(websocket::accept(noting_echo(s)), [](std::uint16_t port) -> task<> {
    node_peer node;
    co_await node.command(node_peer::connect(url(port), false, false));
    co_await node.expect("open");
    co_await round_trip_from_ws(node, "text", 16 << 20, 6);
    co_await round_trip_from_ws(node, "binary", (16 << 20) + 1, 7);
    co_await close_from_ws(node);
  }));
  ASSERT_EQ(s.messages.size(), 2u);
  EXPECT_TRUE(s.messages[0] == make_payload("text", 16 << 20, 6));
  EXPECT_TRUE(s.messages[1] == make_payload("binary", (16 << 20) + 1, 7));
}

// ws streams messages with send(data, {fin: false}); a ping goes between their fragments. The
// server takes the first whole with receive() and the second piece by piece.
TEST_F(WsClientToCoronet, FragmentedMessagesFromWs) {
  std::string whole;
  std::vector<bool> firsts, lasts;
  auto handler = [&](websocket::connection& ws) -> task<> {
    std::optional<websocket::message> m = co_await ws.receive();
    CO_ASSERT(m && m->is_text());
    co_await ws.send(*m);
    for (;;) {
      std::optional<websocket::fragment> f = co_await ws.receive_fragment();
      CO_ASSERT(f && f->type == websocket::message_type::binary);
      whole.append(f->data);
      firsts.push_back(f->first);
      lasts.push_back(f->last);
      if (f->last) break;
    }
    co_await ws.send_binary(whole);
    std::optional<websocket::message> end = co_await ws.receive();
    CO_ASSERT(!end);
  };
  run(with_server(websocket::accept(handler), [](std::uint16_t port) -> task<> {
    node_peer node;
    co_await node.command(node_peer::connect(url(port), false, false));
    co_await node.expect("open");
    co_await node.command(node_peer::send("text", 16 * 1000, 1, false));
    json::object ping{{"op", "ping"}, {"data", "between fragments"}};
    co_await node.command(std::move(ping));
    co_await node.command(node_peer::send("text", 16 * 3, 2, false));
    co_await node.command(node_peer::send("text", 16 * 20000, 3, true));
    json::object pong = co_await node.expect("pong");
    EXPECT_EQ(pong.at("data").as_string(), "between fragments");
    co_await expect_received(node,
                             make_payload("text", 16 * 1000, 1) + make_payload("text", 16 * 3, 2) +
                                 make_payload("text", 16 * 20000, 3),
                             false);
    // Binary, ending with an empty fragment.
    co_await node.command(node_peer::send("binary", 100000, 4, false));
    co_await node.command(node_peer::send("binary", 1, 5, false));
    co_await node.command(node_peer::send("binary", 0, 6, true));
    co_await expect_received(node, make_payload("binary", 100000, 4) + make_payload("binary", 1, 5),
                             true);
    co_await close_from_ws(node);
  }));
  EXPECT_TRUE(whole == make_payload("binary", 100000, 4) + make_payload("binary", 1, 5));
  ASSERT_FALSE(firsts.empty());
  EXPECT_TRUE(firsts.front());
  EXPECT_TRUE(lasts.back());
  for (std::size_t i = 1; i < firsts.size(); ++i) EXPECT_FALSE(firsts[i]);
  for (std::size_t i = 0; i + 1 < lasts.size(); ++i) EXPECT_FALSE(lasts[i]);
}

TEST_F(WsClientToCoronet, PingsBothWays) {
  auto handler = [](websocket::connection& ws) -> task<> {
    std::optional<websocket::message> m = co_await ws.receive();
    CO_ASSERT(m && m->data == make_payload("text", 16, 1));
    co_await ws.ping("from coronet");
    co_await ws.send(*m);
    std::optional<websocket::message> end = co_await ws.receive();
    CO_ASSERT(!end);
  };
  run(with_server(websocket::accept(handler), [](std::uint16_t port) -> task<> {
    node_peer node;
    co_await node.command(node_peer::connect(url(port), false, false));
    co_await node.expect("open");
    json::object ping{{"op", "ping"}, {"data", "from ws"}};
    co_await node.command(std::move(ping));
    json::object pong = co_await node.expect("pong");  // coronet answered while reading
    EXPECT_EQ(pong.at("data").as_string(), "from ws");
    co_await node.command(node_peer::send("text", 16, 1));
    json::object pinged = co_await node.expect("ping");
    EXPECT_EQ(pinged.at("data").as_string(), "from coronet");
    co_await expect_received(node, make_payload("text", 16, 1), false);
    co_await close_from_ws(node);
  }));
}

TEST_F(WsClientToCoronet, WsClosesWith4001AndAReason) {
  seen s;
  run(with_server(websocket::accept(noting_echo(s)), [](std::uint16_t port) -> task<> {
    node_peer node;
    co_await node.command(node_peer::connect(url(port), false, false));
    co_await node.expect("open");
    co_await node.command(node_peer::close(4001, "reason from ws"));
    json::object c = co_await node.expect("close");
    EXPECT_EQ(c.at("code").as_int64(), 4001);  // the server's answer carries the code back
    co_await node.stop();
  }));
  EXPECT_EQ(s.close_code, 4001);
  EXPECT_EQ(s.close_reason, "reason from ws");
}

TEST_F(WsClientToCoronet, CoronetClosesWith4002AndAReason) {
  auto handler = [](websocket::connection& ws) -> task<> {
    std::optional<websocket::message> m = co_await ws.receive();
    CO_ASSERT(m.has_value());
    co_await ws.close(4002, "reason from coronet");
    EXPECT_EQ(ws.close_code(), 4002);  // ws answers with the code it got
  };
  run(with_server(websocket::accept(handler), [](std::uint16_t port) -> task<> {
    node_peer node;
    co_await node.command(node_peer::connect(url(port), false, false));
    co_await node.expect("open");
    co_await node.command(node_peer::send("text", 16, 1));
    json::object c = co_await node.expect("close");
    EXPECT_EQ(c.at("code").as_int64(), 4002);
    EXPECT_EQ(c.at("reason").as_string(), "reason from coronet");
    co_await node.stop();
  }));
}

TEST_F(WsClientToCoronet, Subprotocol) {
  seen s;
  websocket::server_options o;
  o.protocols = {"c", "b"};
  run(with_server(websocket::accept(noting_echo(s), o), [](std::uint16_t port) -> task<> {
    node_peer node;
    json::object c = node_peer::connect(url(port), false, false);
    c["protocols"] = json::array{"a", "b"};
    co_await node.command(std::move(c));
    json::object open = co_await node.expect("open");
    EXPECT_EQ(open.at("protocol").as_string(), "b");
    co_await round_trip_from_ws(node, "text", 16, 1);
    co_await close_from_ws(node);
  }));
  EXPECT_EQ(s.subprotocol, "b");
}

TEST_F(WsClientToCoronet, DeflateOfferDeclinedWhenDisabled) {
  seen s;
  websocket::server_options o;
  o.deflate.enabled = false;
  run(with_server(websocket::accept(noting_echo(s), o), [](std::uint16_t port) -> task<> {
    node_peer node;
    co_await node.command(node_peer::connect(url(port), true, false));
    json::object open = co_await node.expect("open");
    EXPECT_EQ(open.at("extensions").as_string(), "");
    co_await round_trip_from_ws(node, "text", 16 * 4096, 1);
    co_await close_from_ws(node);
  }));
  EXPECT_FALSE(s.compressed);
}

// ws sends a message and closes at once: the handler gets the message, its echo still reaches
// ws (which reads while closing), and then the close with its code.
TEST_F(WsClientToCoronet, MessageThenCloseBothArrive) {
  seen s;
  run(with_server(websocket::accept(noting_echo(s)), [](std::uint16_t port) -> task<> {
    node_peer node;
    co_await node.command(node_peer::connect(url(port), false, false));
    co_await node.expect("open");
    co_await node.command(node_peer::send("binary", 1 << 20, 1));
    co_await node.command(node_peer::close(4001, "after a message"));
    co_await expect_received(node, make_payload("binary", 1 << 20, 1), true);
    json::object c = co_await node.expect("close");
    EXPECT_EQ(c.at("code").as_int64(), 4001);
    co_await node.stop();
  }));
  ASSERT_EQ(s.messages.size(), 1u);
  EXPECT_EQ(s.close_code, 4001);
  EXPECT_EQ(s.close_reason, "after a message");
}

// ws.close() without a code: the handler sees 1005 (no status), and so does ws in the answer.
TEST_F(WsClientToCoronet, WsClosesWithoutACode) {
  seen s;
  run(with_server(websocket::accept(noting_echo(s)), [](std::uint16_t port) -> task<> {
    node_peer node;
    co_await node.command(node_peer::connect(url(port), false, false));
    co_await node.expect("open");
    json::object close{{"op", "close"}};
    co_await node.command(std::move(close));
    json::object c = co_await node.expect("close");
    EXPECT_EQ(c.at("code").as_int64(), 1005);
    co_await node.stop();
  }));
  EXPECT_EQ(s.close_code, websocket::close_code::no_status);
  EXPECT_EQ(s.close_reason, "");
}

// ws.terminate(): the connection ends without a close frame (1006 for the handler), and the
// server goes on serving.
TEST_F(WsClientToCoronet, TerminatedConnectionEndsAloneAndTheServerGoesOn) {
  std::vector<std::error_code> errors;
  websocket::server_options o;
  o.on_error = [&errors](std::exception_ptr e, const websocket::connection&) {
    try {
      std::rethrow_exception(e);
    } catch (const std::system_error& se) {
      errors.push_back(se.code());
    }
  };
  run(with_server(websocket::accept(echo, o), [](std::uint16_t port) -> task<> {
    node_peer node;
    co_await node.command(node_peer::connect(url(port), false, false));
    co_await node.expect("open");
    json::object terminate{{"op", "terminate"}};
    co_await node.command(std::move(terminate));
    json::object c = co_await node.expect("close");
    EXPECT_EQ(c.at("code").as_int64(), 1006);
    co_await node.command(node_peer::connect(url(port), false, false));
    co_await node.expect("open");
    co_await round_trip_from_ws(node, "text", 16, 1);
    co_await close_from_ws(node);
  }));
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0], websocket::errc::closed_abnormally);
}

// A message past max_message_size: the server closes with 1009, which ws reports.
TEST_F(WsClientToCoronet, TooBigMessageClosedWith1009) {
  websocket::server_options o;
  o.max_message_size = 1 << 20;
  run(with_server(websocket::accept(echo, o), [](std::uint16_t port) -> task<> {
    node_peer node;
    co_await node.command(node_peer::connect(url(port), false, false));
    co_await node.expect("open");
    co_await round_trip_from_ws(node, "binary", 1 << 20, 1);  // at the limit: fine
    co_await node.command(node_peer::send("binary", (1 << 20) + 1, 2));
    json::object c = co_await node.expect("close");
    EXPECT_EQ(c.at("code").as_int64(), 1009);
    co_await node.stop();
  }));
}

// The same for a compressed one: 16 MiB of text deflates to a few KiB, and the limit counts
// what it inflates to.
TEST_F(WsClientToCoronet, CompressedMessagePastTheLimitClosedWith1009) {
  websocket::server_options o;
  o.max_message_size = 1 << 20;
  run(with_server(websocket::accept(echo, o), [](std::uint16_t port) -> task<> {
    node_peer node;
    co_await node.command(node_peer::connect(url(port), true, false));
    co_await node.expect("open");
    co_await node.command(node_peer::send("text", 16 << 20, 1));
    json::object c = co_await node.expect("close");
    EXPECT_EQ(c.at("code").as_int64(), 1009);
    co_await node.stop();
  }));
}

// receive_fragment() on compressed messages from ws: a streamed one and a 16 MiB one, each
// inflated piece by piece; the handler answers with what it joined.
TEST_F(WsClientToCoronet, CompressedMessagesReadInPieces) {
  std::vector<std::size_t> pieces;
  auto handler = [&pieces](websocket::connection& ws) -> task<> {
    for (;;) {
      std::string joined;
      std::size_t n = 0;
      for (;;) {
        std::optional<websocket::fragment> f = co_await ws.receive_fragment();
        if (!f) co_return;
        joined.append(f->data);
        ++n;
        if (f->last) break;
      }
      pieces.push_back(n);
      co_await ws.send_text(joined);
    }
  };
  run(with_server(websocket::accept(handler), [](std::uint16_t port) -> task<> {
    node_peer node;
    co_await node.command(node_peer::connect(url(port), true, false));
    co_await node.expect("open");
    co_await node.command(node_peer::send("text", 16 * 4096, 1, false));
    co_await node.command(node_peer::send("text", 16 * 8192, 2, true));
    co_await expect_received(
        node, make_payload("text", 16 * 4096, 1) + make_payload("text", 16 * 8192, 2), false);
    co_await round_trip_from_ws(node, "text", 16 << 20, 3);
    co_await close_from_ws(node);
  }));
  ASSERT_EQ(pieces.size(), 2u);
  EXPECT_GT(pieces[1], 1u);  // 16 MiB inflated does not come as one piece
}

// The server's keep-alive (ping_interval): ws answers each ping, so the pings go on and the
// connection stays open.
TEST_F(WsClientToCoronet, KeepAlivePingsAnsweredByWs) {
  websocket::server_options o;
  o.ping_interval = std::chrono::milliseconds(50);
  run(with_server(websocket::accept(echo, o), [](std::uint16_t port) -> task<> {
    node_peer node;
    co_await node.command(node_peer::connect(url(port), false, false));
    co_await node.expect("open");
    // Without ws's pongs the server would give up at its second silent interval.
    for (int i = 0; i < 4; ++i) co_await node.expect("ping");
    co_await round_trip_from_ws(node, "text", 16, 1);
    co_await close_from_ws(node);
  }));
}

// Both sides compressing every message (threshold 0): empty and one-byte messages too.
TEST_F(WsClientToCoronet, EmptyAndTinyMessagesCompressed) {
  seen s;
  websocket::server_options o;
  o.deflate.threshold = 0;
  run(with_server(websocket::accept(noting_echo(s), o), [](std::uint16_t port) -> task<> {
    node_peer node;
    co_await node.command(node_peer::connect(url(port), json::parse(R"({"threshold": 0})"), false));
    co_await node.expect("open");
    co_await round_trip_from_ws(node, "text", 0, 0);
    co_await round_trip_from_ws(node, "binary", 0, 0);
    co_await round_trip_from_ws(node, "binary", 1, 1);
    co_await round_trip_from_ws(node, "text", 16, 2);
    co_await round_trip_from_ws(node, "text", 0, 0);
    co_await close_from_ws(node);
  }));
  EXPECT_TRUE(s.compressed);
  EXPECT_EQ(s.messages.size(), 5u);
}

// Text that is not UTF-8 (ws sends what it is given): the server closes with 1007.
TEST_F(WsClientToCoronet, TextNotUtf8ClosedWith1007) {
  run(with_server(websocket::accept(echo), [](std::uint16_t port) -> task<> {
    node_peer node;
    co_await node.command(node_peer::connect(url(port), false, false));
    co_await node.expect("open");
    co_await node.command(node_peer::send("not-utf8", 3, 0));
    json::object c = co_await node.expect("close");
    EXPECT_EQ(c.at("code").as_int64(), 1007);
    co_await node.stop();
  }));
}

// The HTTP server's graceful close says goodbye to ws with 1001.
TEST_F(WsClientToCoronet, GracefulServerCloseSends1001) {
  run([]() -> task<> {
    auto l = tcp::listener::bind({"127.0.0.1", 0});
    http::server srv(websocket::accept(echo));
    auto client = [](http::server& srv, std::uint16_t port) -> task<> {
      node_peer node;
      co_await node.command(node_peer::connect(url(port), false, false));
      co_await node.expect("open");
      co_await round_trip_from_ws(node, "text", 16, 1);
      srv.close();
      json::object c = co_await node.expect("close");
      EXPECT_EQ(c.at("code").as_int64(), 1001);
      EXPECT_EQ(c.at("reason").as_string(), "server closing");
      co_await node.stop();
    };
    task<> serving = srv.serve(l);
    task<> using_it = client(srv, l.port());
    co_await when_all(std::move(serving), std::move(using_it));
  }());
}

// permessage-deflate as ws's client offers it, with each of its parameters: compressible text
// must cross compressed both ways (ws's socket counts the bytes), and everything round-trips,
// the second message of each kind over the context the first left (or a fresh one).
struct ws_offer {
  const char* name;
  const char* options;       // ws's perMessageDeflate option, as JSON
  const char* answer_has;    // in the server's Sec-WebSocket-Extensions answer
  bool sixteen_mib = false;  // also a 16 MiB message (once: it takes a second to deflate)
};

void PrintTo(const ws_offer& o, std::ostream* os) {
  *os << o.name;
}

class WsClientDeflate : public NodeWs, public ::testing::WithParamInterface<ws_offer> {};

TEST_P(WsClientDeflate, CompressedBothWays) {
  seen s;
  const ws_offer offer = GetParam();
  run(with_server(websocket::accept(noting_echo(s)), [offer](std::uint16_t port) -> task<> {
    node_peer node;
    co_await node.command(node_peer::connect(url(port), json::parse(offer.options), false));
    json::object open = co_await node.expect("open");
    const std::string answer(open.at("extensions").as_string());
    EXPECT_NE(answer.find("permessage-deflate"), std::string::npos) << answer;
    EXPECT_NE(answer.find(offer.answer_has), std::string::npos) << answer;
    const std::size_t text = 16 * 16384;  // 256 KiB
    co_await round_trip_from_ws(node, "text", text, 1);
    co_await round_trip_from_ws(node, "text", text, 2);
    json::object stats{{"op", "stats"}};
    co_await node.command(std::move(stats));
    json::object bytes = co_await node.expect("stats");
    // Both ways compressed: far less than the 2 x 512 KiB of text on the wire.
    EXPECT_LT(bytes.at("bytesWritten").to_number<std::size_t>(), text / 4);
    EXPECT_LT(bytes.at("bytesRead").to_number<std::size_t>(), text / 4);
    co_await round_trip_from_ws(node, "binary", 100000, 3);
    co_await round_trip_from_ws(node, "text", 32, 4);  // under ws's threshold: not compressed
    // A compressed message in fragments.
    co_await node.command(node_peer::send("text", 16 * 4096, 6, false));
    co_await node.command(node_peer::send("text", 16 * 4096, 7, true));
    co_await expect_received(
        node, make_payload("text", 16 * 4096, 6) + make_payload("text", 16 * 4096, 7), false);
    if (offer.sixteen_mib) co_await round_trip_from_ws(node, "text", 16 << 20, 5);
    co_await close_from_ws(node);
  }));
  EXPECT_TRUE(s.compressed);
}

INSTANTIATE_TEST_SUITE_P(
    Offers, WsClientDeflate,
    ::testing::Values(ws_offer{"Default", "true", "permessage-deflate", true},
                      ws_offer{"ServerNoContextTakeover", R"({"serverNoContextTakeover": true})",
                               "server_no_context_takeover"},
                      ws_offer{"ClientNoContextTakeover", R"({"clientNoContextTakeover": true})",
                               "client_no_context_takeover"},
                      ws_offer{"ClientMaxWindowBits10", R"({"clientMaxWindowBits": 10})",
                               "client_max_window_bits=10"},
                      ws_offer{"ServerMaxWindowBits9", R"({"serverMaxWindowBits": 9})",
                               "server_max_window_bits=9"},
                      ws_offer{"Everything",
                               R"({"serverNoContextTakeover": true, "clientNoContextTakeover": true,
                     "serverMaxWindowBits": 8, "clientMaxWindowBits": 8})",
                               "server_no_context_takeover"}),
    [](const ::testing::TestParamInfo<ws_offer>& i) { return std::string(i.param.name); });

// ---- coronet's client against ws's server ------------------------------------------------------

using CoronetClientToWs = NodeWs;

// Starts ws's server (its `listen` command) and connects to it.
task<websocket::connection> connect_to(node_peer& node, json::object listen,
                                       websocket::client_options o) {
  co_await node.command(std::move(listen));
  json::object listening = co_await node.expect("listening");
  const auto port = listening.at("port").to_number<std::uint16_t>();
  websocket::connection ws = co_await websocket::connect(url(port, "/ws"), std::move(o));
  co_await node.expect("connection");
  co_return ws;
}

task<websocket::connection> connect_to(node_peer& node, json::object listen) {
  websocket::client_options o;
  co_return co_await connect_to(node, std::move(listen), std::move(o));
}

// Ends a test whose coronet client is still open.
task<> close_from_coronet(websocket::connection& ws, node_peer& node) {
  co_await ws.close();
  json::object c = co_await node.expect("close");
  EXPECT_EQ(c.at("code").as_int64(), 1000);
  EXPECT_EQ(ws.close_code(), 1000);
  co_await node.stop();
}

TEST_F(CoronetClientToWs, TextBinaryAndEmptyMessagesComeBackWhole) {
  run([]() -> task<> {
    node_peer node;
    websocket::connection ws = co_await connect_to(node, node_peer::listen(false));
    EXPECT_FALSE(ws.compressed());  // offered, and ws's server declined
    co_await round_trip_to_ws(ws, node, "text", 16 * 5, 1);
    co_await round_trip_to_ws(ws, node, "binary", 5, 2);
    co_await round_trip_to_ws(ws, node, "text", 0, 0);
    co_await round_trip_to_ws(ws, node, "binary", 0, 0);
    co_await round_trip_to_ws(ws, node, "binary", 70000, 3);
    co_await round_trip_to_ws(ws, node, "binary", 126, 4);
    co_await round_trip_to_ws(ws, node, "binary", 65536, 5);
    co_await close_from_coronet(ws, node);
  }());
}

TEST_F(CoronetClientToWs, SixteenMiBTextAndBinary) {
  run([]() -> task<> {
    node_peer node;
    websocket::connection ws = co_await connect_to(node, node_peer::listen(false));
    co_await round_trip_to_ws(ws, node, "text", 16 << 20, 6);
    co_await round_trip_to_ws(ws, node, "binary", (16 << 20) + 1, 7);
    co_await close_from_coronet(ws, node);
  }());
}

// coronet streams a text message with send_fragment, cut inside UTF-8 characters, with a ping
// between its fragments; ws streams one back with {fin: false}.
TEST_F(CoronetClientToWs, FragmentsBothWays) {
  run([]() -> task<> {
    node_peer node;
    websocket::connection ws = co_await connect_to(node, node_peer::listen(false));
    const std::string text = make_payload("text", 16 * 10000, 1);
    const auto bytes = std::as_bytes(std::span(text));
    co_await ws.send_fragment(websocket::message_type::text, bytes.first(1), false);
    co_await ws.ping("between fragments");
    co_await ws.send_fragment(websocket::message_type::text, bytes.subspan(1, 16 * 5000 + 2),
                              false);
    co_await ws.send_fragment(websocket::message_type::text, bytes.subspan(16 * 5000 + 3), true);
    json::object ping = co_await node.expect("ping");
    EXPECT_EQ(ping.at("data").as_string(), "between fragments");
    co_await expect_received(node, text, false);
    std::optional<websocket::message> echo = co_await ws.receive();
    CO_ASSERT(echo && echo->is_text());
    EXPECT_TRUE(echo->data == text);

    co_await node.command(node_peer::send("binary", 3, 2, false));
    co_await node.command(node_peer::send("binary", 200000, 3, false));
    co_await node.command(node_peer::send("binary", 7, 4, true));
    std::optional<websocket::message> m = co_await ws.receive();
    CO_ASSERT(m && m->is_binary());
    EXPECT_TRUE(m->data == make_payload("binary", 3, 2) + make_payload("binary", 200000, 3) +
                               make_payload("binary", 7, 4));
    co_await close_from_coronet(ws, node);
  }());
}

TEST_F(CoronetClientToWs, PingsBothWays) {
  run([]() -> task<> {
    node_peer node;
    websocket::connection ws = co_await connect_to(node, node_peer::listen(false));
    co_await ws.ping("from coronet");
    json::object ping = co_await node.expect("ping");
    EXPECT_EQ(ping.at("data").as_string(), "from coronet");
    const std::string largest(125, 'p');  // a control frame's most
    co_await ws.ping(largest);
    json::object large = co_await node.expect("ping");
    EXPECT_EQ(large.at("data").as_string(), largest);
    // ws pings, then sends a message: coronet's receive() answers the ping on its way to it.
    json::object cmd{{"op", "ping"}, {"data", "from ws"}};
    co_await node.command(std::move(cmd));
    co_await node.command(node_peer::send("text", 16, 1));
    std::optional<websocket::message> m = co_await ws.receive();
    CO_ASSERT(m && m->data == make_payload("text", 16, 1));
    json::object pong = co_await node.expect("pong");
    EXPECT_EQ(pong.at("data").as_string(), "from ws");
    co_await close_from_coronet(ws, node);
  }());
}

TEST_F(CoronetClientToWs, CoronetClosesWith4002AndAReason) {
  run([]() -> task<> {
    node_peer node;
    websocket::connection ws = co_await connect_to(node, node_peer::listen(false));
    co_await ws.close(4002, "reason from coronet");
    json::object c = co_await node.expect("close");
    EXPECT_EQ(c.at("code").as_int64(), 4002);
    EXPECT_EQ(c.at("reason").as_string(), "reason from coronet");
    EXPECT_EQ(ws.close_code(), 4002);  // ws's answer carries the code back
    EXPECT_FALSE(ws.is_open());
    co_await node.stop();
  }());
}

TEST_F(CoronetClientToWs, WsClosesWith4001AndAReason) {
  run([]() -> task<> {
    node_peer node;
    websocket::connection ws = co_await connect_to(node, node_peer::listen(false));
    co_await node.command(node_peer::close(4001, "reason from ws"));
    std::optional<websocket::message> m = co_await ws.receive();
    CO_ASSERT(!m);
    EXPECT_EQ(ws.close_code(), 4001);
    EXPECT_EQ(ws.close_reason(), "reason from ws");
    json::object c = co_await node.expect("close");
    EXPECT_EQ(c.at("code").as_int64(), 4001);
    co_await node.stop();
  }());
}

TEST_F(CoronetClientToWs, SubprotocolChosenByHandleProtocols) {
  run([]() -> task<> {
    node_peer node;
    json::object listen = node_peer::listen(false);
    listen["protocols"] = json::array{"c", "b"};
    websocket::client_options o;
    o.protocols = {"a", "b"};
    websocket::connection ws = co_await connect_to(node, std::move(listen), std::move(o));
    EXPECT_EQ(ws.subprotocol(), "b");
    co_await round_trip_to_ws(ws, node, "text", 16, 1);
    co_await close_from_coronet(ws, node);
  }());
}

// ws's handleProtocols returning false answers 101 without a subprotocol: coronet goes on
// without one (RFC 6455 4.1 lets a client fail there; ws's own client does).
TEST_F(CoronetClientToWs, NoSubprotocolInCommon) {
  run([]() -> task<> {
    node_peer node;
    json::object listen = node_peer::listen(false);
    listen["protocols"] = json::array{"z"};
    websocket::client_options o;
    o.protocols = {"a", "b"};
    websocket::connection ws = co_await connect_to(node, std::move(listen), std::move(o));
    EXPECT_EQ(ws.subprotocol(), "");
    co_await close_from_coronet(ws, node);
  }());
}

// Both sides compressing every message (threshold 0): empty and one-byte messages too.
TEST_F(CoronetClientToWs, EmptyAndTinyMessagesCompressed) {
  run([]() -> task<> {
    node_peer node;
    websocket::client_options o;
    o.deflate.threshold = 0;
    websocket::connection ws = co_await connect_to(
        node, node_peer::listen(json::parse(R"({"threshold": 0})")), std::move(o));
    CO_ASSERT(ws.compressed());
    co_await round_trip_to_ws(ws, node, "text", 0, 0);
    co_await round_trip_to_ws(ws, node, "binary", 0, 0);
    co_await round_trip_to_ws(ws, node, "binary", 1, 1);
    co_await round_trip_to_ws(ws, node, "text", 16, 2);
    co_await round_trip_to_ws(ws, node, "text", 0, 0);
    co_await close_from_coronet(ws, node);
  }());
}

// verifyClient refusing (ws answers with Node's reason phrase, its message in the body): the
// handshake fails with the status in the error.
TEST_F(CoronetClientToWs, RefusedHandshakeNamesTheStatus) {
  run([]() -> task<> {
    node_peer node;
    json::object listen = node_peer::listen(false);
    listen["refuse"] = json::array{403, "Go away"};
    co_await node.command(std::move(listen));
    json::object listening = co_await node.expect("listening");
    const auto port = listening.at("port").to_number<std::uint16_t>();
    std::string what;
    std::error_code code;
    try {
      websocket::connection ws = co_await websocket::connect(url(port, "/ws"));
    } catch (const std::system_error& e) {
      code = e.code();
      what = e.what();
    }
    EXPECT_EQ(code, websocket::errc::handshake_failed);
    EXPECT_NE(what.find("answered 403 Forbidden"), std::string::npos) << what;
    EXPECT_NE(what.find(url(port, "/ws")), std::string::npos) << what;
    co_await node.stop();
  }());
}

// permessage-deflate with ws's server options, and coronet's own offer's parameters.
struct ws_server_deflate {
  const char* name;
  const char* options;     // ws's perMessageDeflate server option, as JSON
  const char* answer_has;  // in ws's Sec-WebSocket-Extensions answer
  websocket::deflate_options ours;
  bool sixteen_mib = false;
};

void PrintTo(const ws_server_deflate& p, std::ostream* os) {
  *os << p.name;
}

class CoronetClientDeflate : public NodeWs,
                             public ::testing::WithParamInterface<ws_server_deflate> {};

TEST_P(CoronetClientDeflate, CompressedBothWays) {
  const ws_server_deflate p = GetParam();
  run([](ws_server_deflate p) -> task<> {
    node_peer node;
    websocket::client_options o;
    o.deflate = p.ours;
    websocket::connection ws =
        co_await connect_to(node, node_peer::listen(json::parse(p.options)), std::move(o));
    CO_ASSERT(ws.compressed());
    const std::string answer(ws.handshake_response().headers.get("Sec-WebSocket-Extensions"));
    EXPECT_NE(answer.find(p.answer_has), std::string::npos) << answer;
    const std::size_t text = 16 * 16384;
    co_await round_trip_to_ws(ws, node, "text", text, 1);
    co_await round_trip_to_ws(ws, node, "text", text, 2);
    json::object stats{{"op", "stats"}};
    co_await node.command(std::move(stats));
    json::object bytes = co_await node.expect("stats");
    EXPECT_LT(bytes.at("bytesWritten").to_number<std::size_t>(), text / 4);
    EXPECT_LT(bytes.at("bytesRead").to_number<std::size_t>(), text / 4);
    co_await round_trip_to_ws(ws, node, "binary", 100000, 3);
    co_await round_trip_to_ws(ws, node, "text", 32, 4);
    // A compressed message sent in fragments.
    const std::string big = make_payload("text", 16 * 4096, 5);
    const auto bytes_of_big = std::as_bytes(std::span(big));
    co_await ws.send_fragment(websocket::message_type::text, bytes_of_big.first(5), false);
    co_await ws.send_fragment(websocket::message_type::text, bytes_of_big.subspan(5), true);
    co_await expect_received(node, big, false);
    std::optional<websocket::message> echo = co_await ws.receive();
    CO_ASSERT(echo && echo->data == big);
    // And one from ws.
    co_await node.command(node_peer::send("text", 16 * 4096, 7, false));
    co_await node.command(node_peer::send("text", 16 * 4096, 8, true));
    std::optional<websocket::message> joined = co_await ws.receive();
    CO_ASSERT(joined.has_value());
    EXPECT_TRUE(joined->data ==
                make_payload("text", 16 * 4096, 7) + make_payload("text", 16 * 4096, 8));
    if (p.sixteen_mib) co_await round_trip_to_ws(ws, node, "text", 16 << 20, 6);
    co_await close_from_coronet(ws, node);
  }(p));
}

websocket::deflate_options offering(bool server_no_context, int server_bits) {
  websocket::deflate_options d;
  d.server_no_context_takeover = server_no_context;
  d.server_max_window_bits = server_bits;
  return d;
}

INSTANTIATE_TEST_SUITE_P(
    WsServerOptions, CoronetClientDeflate,
    ::testing::Values(ws_server_deflate{"Default", "true", "permessage-deflate", {}, true},
                      ws_server_deflate{
                          "NoContextTakeover",
                          R"({"serverNoContextTakeover": true, "clientNoContextTakeover": true})",
                          "client_no_context_takeover",
                          {}},
                      ws_server_deflate{"WindowBits10",
                                        R"({"serverMaxWindowBits": 10, "clientMaxWindowBits": 10})",
                                        "client_max_window_bits=10",
                                        {}},
                      ws_server_deflate{"OursServerNoContextTakeover", "true",
                                        "server_no_context_takeover", offering(true, 15)},
                      ws_server_deflate{"OursServerMaxWindowBits9", "true",
                                        "server_max_window_bits=9", offering(false, 9)}),
    [](const ::testing::TestParamInfo<ws_server_deflate>& i) { return std::string(i.param.name); });

}  // namespace
}  // namespace coronet::ws_test
