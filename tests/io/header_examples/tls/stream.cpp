#include "../common.hpp"

namespace examples {
coronet::task<> tls_stream() {
  coronet::tls::context ctx = coronet::tls::context::client();
  coronet::stream tcp = co_await coronet::tcp::connect("example.org", 443);
  coronet::tls::stream s = coronet::tls::stream::client(std::move(tcp), ctx, "example.org");
  co_await s.handshake();
  co_await s.write_all("GET / HTTP/1.1\r\nHost: example.org\r\nConnection: close\r\n\r\n");
  std::array<std::byte, 16384> buf;
  for (;;) {
    std::size_t n = co_await s.read_some(buf);  // 0: the peer's close_notify
    if (n == 0) break;
  }
}
}  // namespace examples
