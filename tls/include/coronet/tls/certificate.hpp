// certificate: an X.509 certificate, as a peer presented it or as PEM text gave it.
//
//   coronet::tls::certificate c = s.peer_certificate();
//   if (c) std::cout << c.subject() << " " << c.fingerprint_sha256() << "\n";
//
// A cheap, copyable handle (the certificate is shared, never copied).
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace coronet::tls {

class certificate {
 public:
  certificate() noexcept = default;
  // The first certificate in `pem`; throws std::system_error(errc::bad_certificate_file).
  static certificate from_pem(std::string_view pem);

  explicit operator bool() const noexcept { return x509_ != nullptr; }

  // "CN=localhost,O=coronet" (RFC 2253 order).
  std::string subject() const;
  std::string issuer() const;
  // The subject's CN, or empty.
  std::string common_name() const;
  // DNS names and IP addresses of the subjectAltName extension ("localhost", "127.0.0.1").
  std::vector<std::string> subject_alt_names() const;
  std::chrono::system_clock::time_point not_before() const;
  std::chrono::system_clock::time_point not_after() const;
  // "AB:CD:..." (32 bytes, upper-case hex with colons), as `openssl x509 -fingerprint -sha256`.
  std::string fingerprint_sha256() const;
  std::string pem() const;

  // OpenSSL's X509*, for what coronet does not wrap (valid while this handle lives).
  void* native_handle() const noexcept { return x509_.get(); }
  // Takes over the caller's reference on an X509* (one from X509_up_ref or
  // SSL_get1_peer_certificate), released when the last copy goes; null gives an empty handle.
  // Used by the stream; users need not.
  static certificate adopt(void* x509_with_reference) noexcept;

 private:
  std::shared_ptr<void> x509_;
};

// A certificate and its private key, PEM encoded.
struct key_pair {
  std::string certificate_pem;
  std::string private_key_pem;
};

// A fresh self-signed ECDSA P-256 certificate for `names` (DNS names or IP addresses; the first
// is the subject's CN too), valid from an hour ago for `validity`: for tests, samples and servers
// that have no certificate yet. Clients trust it only when told to (--ca with its PEM, or by
// fingerprint).
key_pair make_self_signed(const std::vector<std::string>& names,
                          std::chrono::hours validity = std::chrono::hours(24 * 30));

}  // namespace coronet::tls
