#include "openssl_util.hpp"

#include <openssl/err.h>

#include <stdexcept>

namespace coronet::tls::detail {

std::string openssl_reason(std::string_view fallback) {
  // The newest error is the most specific one ("no start line" rather than the generic
  // "PEM lib" a caller above it may have pushed).
  const unsigned long e = ERR_peek_last_error();
  const char* reason = e != 0 ? ERR_reason_error_string(e) : nullptr;
  std::string text = reason != nullptr ? reason : std::string(fallback);
  ERR_clear_error();
  return text;
}

void throw_openssl(std::string_view what) {
  throw std::runtime_error(std::string(what) + ": " + openssl_reason());
}

unique_bio memory_bio() {
  unique_bio bio(BIO_new(BIO_s_mem()));
  if (!bio) throw_openssl("BIO_new");
  return bio;
}

std::string bio_text(BIO* bio) {
  char* data = nullptr;
  const long n = BIO_get_mem_data(bio, &data);
  return n > 0 ? std::string(data, static_cast<std::size_t>(n)) : std::string();
}

}  // namespace coronet::tls::detail
