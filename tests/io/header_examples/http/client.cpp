#include "../common.hpp"

namespace examples {
coronet::task<> client() {
  coronet::http::client c;
  coronet::http::response r = co_await c.get("http://127.0.0.1:8888/hello");
  std::cout << r.status << " " << r.body << "\n";

  coronet::http::response once = co_await coronet::http::get("http://example.org/");
}
}  // namespace examples
