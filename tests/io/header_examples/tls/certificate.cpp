#include "../common.hpp"

namespace examples {
void certificate(coronet::tls::stream& s) {
  coronet::tls::certificate c = s.peer_certificate();
  if (c) std::cout << c.subject() << " " << c.fingerprint_sha256() << "\n";
}
}  // namespace examples
