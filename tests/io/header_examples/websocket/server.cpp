#include "../common.hpp"

namespace examples {
void websocket_routes() {
  coronet::http::router r;
  r.get("/echo", coronet::websocket::accept(
      [](coronet::websocket::connection& ws) -> coronet::task<> {
        for (;;) {
          std::optional<coronet::websocket::message> m = co_await ws.receive();
          if (!m) break;
          co_await ws.send(*m);
        }
      }));
  coronet::http::server srv(r);
}
}  // namespace examples
