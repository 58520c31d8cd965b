#include "../common.hpp"

namespace examples {
coronet::task<> tls_serve() {
  auto ctx = coronet::tls::context::server();
  ctx.use_certificate_chain_file("cert.pem").use_private_key_file("key.pem");
  auto l = coronet::tcp::listener::bind({"0.0.0.0", 8443});
  coronet::tls::tls_handler hello = [](coronet::tls::stream& s) -> coronet::task<> {
    co_await s.write_all("hello\n");
    co_await s.shutdown();
  };
  co_await coronet::tls::serve(l, ctx, hello);  // the handler a local: see architecture.md
}
}  // namespace examples
