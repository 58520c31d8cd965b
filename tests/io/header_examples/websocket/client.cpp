#include "../common.hpp"

namespace examples {
coronet::task<> websocket_client() {
  namespace ws = coronet::websocket;
  ws::connection c = co_await ws::connect("ws://127.0.0.1:8080/");
  co_await c.send_text("hello");
  std::optional<ws::message> echo = co_await c.receive();
  co_await c.close();
}
}  // namespace examples
