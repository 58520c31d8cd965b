#include "../common.hpp"

namespace examples {
coronet::task<coronet::http::response> switch_protocols() {
  coronet::http::response r(101);
  r.headers.add("Upgrade", "example/1");
  r.upgrade = [](coronet::http::upgraded c) -> coronet::task<> {
    for (;;) {
      std::span<const std::byte> bytes = co_await c.receive();  // empty: the peer closed
      if (bytes.empty()) break;
      co_await c.write_all(bytes);
    }
  };
  co_return r;
}
}  // namespace examples
