// coronet's client against coronet's server: messages of every kind and size go through and
// come back whole, with and without permessage-deflate.
#include <span>
#include <string>

#include "ws_test_support.hpp"

namespace coronet::ws_test {
namespace {

TEST(WebSocketEcho, TextAndBinaryComeBackWithTheirType) {
  run(with_server(websocket::accept(echo), [](std::uint16_t port) -> task<> {
    websocket::connection ws = co_await websocket::connect(url(port));
    co_await ws.send_text("hello");
    std::optional<websocket::message> m = co_await ws.receive();
    CO_ASSERT(m && m->is_text() && m->data == "hello");
    const std::string bin("\0\1\2\3", 4);
    co_await ws.send_binary(bin);
    m = co_await ws.receive();
    CO_ASSERT(m && m->is_binary() && m->data == bin);
    co_await ws.close();
    CO_ASSERT(!ws.is_open());
    CO_ASSERT(ws.close_code() == websocket::close_code::normal);
  }));
}

std::string compressible(std::size_t n) {
  std::string s;
  while (s.size() < n) s += "{\"id\":" + std::to_string(s.size()) + ",\"name\":\"coronet\"},";
  s.resize(n);
  return s;
}

TEST(WebSocketEcho, CompressedWhenBothSidesAgree) {
  run(with_server(websocket::accept(echo), [](std::uint16_t port) -> task<> {
    websocket::connection ws = co_await websocket::connect(url(port));
    CO_ASSERT(ws.compressed());
    for (std::size_t n : {10u, 2000u, 100000u, 3000000u}) {
      const std::string text = compressible(n);
      co_await ws.send_text(text);
      std::optional<websocket::message> m = co_await ws.receive();
      CO_ASSERT(m && m->is_text() && m->data == text);
    }
    co_await ws.close();
  }));
}

TEST(WebSocketEcho, UncompressedWhenTheServerDeclines) {
  websocket::server_options o;
  o.deflate.enabled = false;
  run(with_server(websocket::accept(echo, o), [](std::uint16_t port) -> task<> {
    websocket::connection ws = co_await websocket::connect(url(port));
    CO_ASSERT(!ws.compressed());
    const std::string big(8 * 1024 * 1024, 'x');
    co_await ws.send_binary(big);
    std::optional<websocket::message> m = co_await ws.receive();
    CO_ASSERT(m && m->is_binary() && m->data == big);
    co_await ws.close();
  }));
}

TEST(WebSocketEcho, FragmentsJoinIntoOneMessageAndStreamBack) {
  for (bool deflate : {false, true}) {
    websocket::server_options o;
    o.deflate.enabled = deflate;
    run(with_server(websocket::accept(echo, o), [](std::uint16_t port) -> task<> {
      websocket::connection ws = co_await websocket::connect(url(port));
      const std::string whole = compressible(300000);
      // Sent in three pieces; the server's receive() joins them.
      const auto bytes = std::as_bytes(std::span(whole));
      co_await ws.send_fragment(websocket::message_type::text, bytes.first(1000), false);
      co_await ws.send_fragment(websocket::message_type::text, bytes.subspan(1000, 200000), false);
      co_await ws.send_fragment(websocket::message_type::text, bytes.subspan(201000), true);
      // Read back piece by piece.
      std::string got;
      bool first = true;
      for (;;) {
        std::optional<websocket::fragment> f = co_await ws.receive_fragment();
        CO_ASSERT(f && f->type == websocket::message_type::text && f->first == first);
        first = false;
        got += f->data;
        if (f->last) break;
      }
      CO_ASSERT(got == whole);
      co_await ws.close();
    }));
  }
}

TEST(WebSocketEcho, CloseCodeAndReasonReachTheServer) {
  std::uint16_t seen_code = 0;
  std::string seen_reason;
  auto handler = [&](websocket::connection& ws) -> task<> {
    std::optional<websocket::message> m = co_await ws.receive();
    EXPECT_FALSE(m);
    seen_code = ws.close_code();
    seen_reason = std::string(ws.close_reason());
  };
  run(with_server(websocket::accept(handler), [](std::uint16_t port) -> task<> {
    websocket::connection ws = co_await websocket::connect(url(port));
    co_await ws.close(4001, "done here");
    CO_ASSERT(ws.close_code() == 4001);  // the server's answer echoes the code
  }));
  EXPECT_EQ(seen_code, 4001);
  EXPECT_EQ(seen_reason, "done here");
}

}  // namespace
}  // namespace coronet::ws_test
