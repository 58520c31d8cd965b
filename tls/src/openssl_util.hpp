// Internal: owning pointers for OpenSSL objects and the text of OpenSSL's last error, shared by
// the certificate code (and the tests' PKI, which includes this from tls/src).
#pragma once

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <memory>
#include <string>
#include <string_view>

namespace coronet::tls::detail {

template <auto Free>
struct openssl_free {
  template <typename T>
  void operator()(T* p) const noexcept {
    Free(p);
  }
};
using unique_bio = std::unique_ptr<BIO, openssl_free<BIO_free_all>>;
using unique_x509 = std::unique_ptr<X509, openssl_free<X509_free>>;
using unique_pkey = std::unique_ptr<EVP_PKEY, openssl_free<EVP_PKEY_free>>;
using unique_general_names = std::unique_ptr<GENERAL_NAMES, openssl_free<GENERAL_NAMES_free>>;

// The reason of the newest error on this thread's OpenSSL error queue ("no start line"), or
// `fallback` when the queue is empty; the queue is cleared either way, so that a later call
// does not report a stale error.
std::string openssl_reason(std::string_view fallback = "unknown OpenSSL error");

// Throws std::runtime_error("<what>: <OpenSSL reason>"), for failures that only running out of
// memory or a broken OpenSSL can cause.
[[noreturn]] void throw_openssl(std::string_view what);

// A memory BIO, and everything written into one.
unique_bio memory_bio();
std::string bio_text(BIO* bio);

}  // namespace coronet::tls::detail
