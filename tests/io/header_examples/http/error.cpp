#include "../common.hpp"

namespace examples {
coronet::task<> get_hello(coronet::http::client& c) {
  try {
    coronet::http::response r = co_await c.get("http://127.0.0.1:8888/hello");
  } catch (const std::system_error& e) {
    if (e.code() != coronet::http::errc::incomplete_message) throw;
    std::cerr << "the server closed the connection mid-response\n";
  }
}
}  // namespace examples
