// make_self_signed: an EC P-256 key and a self-signed leaf certificate for it (see
// x509_builder.cpp for the extensions, and why a self-signed leaf has keyCertSign).
#include <stdexcept>

#include "coronet/tls/certificate.hpp"
#include "x509_builder.hpp"

namespace coronet::tls {

key_pair make_self_signed(const std::vector<std::string>& names, std::chrono::hours validity) {
  if (names.empty()) throw std::invalid_argument("make_self_signed: no names");
  detail::certificate_spec spec;
  // CN holds at most 64 characters; a longer first name is in subjectAltName only, which is
  // what clients check anyway.
  if (names.front().size() <= 64) spec.common_name = names.front();
  spec.alt_names = names;
  spec.not_before = -std::chrono::hours(1);  // tolerates a peer whose clock is a little behind
  spec.not_after = validity;
  // Either side of a connection may present it (a server, or a client for mutual TLS).
  spec.server_auth = true;
  spec.client_auth = true;
  detail::unique_pkey key = detail::generate_key(detail::key_type::ec_p256);
  detail::unique_x509 cert = detail::build_certificate(spec, key.get(), nullptr, nullptr);
  return {detail::certificate_pem(cert.get()), detail::private_key_pem(key.get())};
}

}  // namespace coronet::tls
