#include "../common.hpp"

namespace examples {
coronet::task<> websocket_echo(coronet::websocket::connection& ws) {
  for (;;) {
    std::optional<coronet::websocket::message> m = co_await ws.receive();
    if (!m) break;                  // the peer closed (ws.close_code() says how)
    co_await ws.send(*m);           // echo, text as text and binary as binary
  }
}
}  // namespace examples
