#include "../common.hpp"

namespace examples {
coronet::task<> tls_connect() {
  auto ctx = coronet::tls::context::client();
  coronet::tls::stream s = co_await coronet::tls::connect("example.org", 443, ctx);
}
}  // namespace examples
