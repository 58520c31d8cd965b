#include "../common.hpp"

namespace examples {
void contexts() {
  coronet::tls::context client = coronet::tls::context::client();  // the system's CAs
  client.set_alpn({"http/1.1"});

  coronet::tls::context server = coronet::tls::context::server();
  server.use_certificate_chain_file("cert.pem");
  server.use_private_key_file("key.pem");
}
}  // namespace examples
