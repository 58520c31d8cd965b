// Internal: makes keys and X.509 v3 certificates with OpenSSL, for make_self_signed and for the
// tests' in-memory PKI (tests/tls/tls_test_support), so that both build certificates one way.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "openssl_util.hpp"

namespace coronet::tls::detail {

enum class key_type { ec_p256, rsa_2048 };

unique_pkey generate_key(key_type type);

struct certificate_spec {
  std::string common_name;             // empty: no CN
  std::vector<std::string> alt_names;  // DNS names and IP literals (v4 or v6) for subjectAltName
  std::chrono::seconds not_before{-std::chrono::hours(1)};  // relative to now
  std::chrono::seconds not_after{std::chrono::hours(24 * 30)};
  bool ca = false;           // basicConstraints CA:TRUE, keyCertSign and cRLSign, no EKU
  bool server_auth = true;   // extendedKeyUsage of a leaf
  bool client_auth = false;  // extendedKeyUsage of a leaf
};

// A certificate for `key`'s public half, signed with SHA-256 by `issuer_key`, issued by `issuer`
// (null: self-signed, then issuer_key is `key`). Throws std::invalid_argument for a name that
// cannot go into the certificate.
unique_x509 build_certificate(const certificate_spec& spec, EVP_PKEY* key, X509* issuer,
                              EVP_PKEY* issuer_key);

std::string certificate_pem(X509* x509);
// PKCS#8 ("BEGIN PRIVATE KEY"), unencrypted.
std::string private_key_pem(EVP_PKEY* key);

// The 4 or 16 bytes of an IP literal ("127.0.0.1", "::1"); null when `text` is not one.
std::unique_ptr<ASN1_OCTET_STRING, openssl_free<ASN1_OCTET_STRING_free>> parse_ip(
    const std::string& text);

}  // namespace coronet::tls::detail
