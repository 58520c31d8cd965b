// certificate: a shared X509* and the few things people read from one.
#include "coronet/tls/certificate.hpp"

#include <openssl/err.h>
#include <openssl/pem.h>

#include <algorithm>
#include <array>
#include <climits>
#include <cstdio>
#include <ctime>
#include <new>

#include "coronet/tls/error.hpp"
#include "openssl_util.hpp"
#include "x509_builder.hpp"

namespace coronet::tls {
namespace {

X509* get(const std::shared_ptr<void>& p) {
  return static_cast<X509*>(p.get());
}

std::string name_text(const X509_NAME* name) {
  if (name == nullptr) return {};
  detail::unique_bio bio = detail::memory_bio();
  // RFC 2253, but UTF-8 stays UTF-8 rather than "\C3\A9" escapes.
  const unsigned long flags = (XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB) | ASN1_STRFLGS_UTF8_CONVERT;
  if (X509_NAME_print_ex(bio.get(), name, 0, flags) < 0) detail::throw_openssl("certificate name");
  return detail::bio_text(bio.get());
}

std::string utf8(const ASN1_STRING* s) {
  unsigned char* out = nullptr;
  const int n = ASN1_STRING_to_UTF8(&out, s);
  if (n < 0) return {};
  std::string text(reinterpret_cast<const char*>(out), static_cast<std::size_t>(n));
  OPENSSL_free(out);
  return text;
}

std::string ipv4_text(const unsigned char* b) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%u.%u.%u.%u", static_cast<unsigned>(b[0]),
                static_cast<unsigned>(b[1]), static_cast<unsigned>(b[2]),
                static_cast<unsigned>(b[3]));
  return buf;
}

// IPv4 dotted, IPv6 as RFC 5952 writes it (lower case, the longest run of two or more zero
// groups as "::"), like inet_ntop, without pulling the socket headers in.
std::string ip_text(const ASN1_OCTET_STRING* ip) {
  const unsigned char* b = ASN1_STRING_get0_data(ip);
  const int n = ASN1_STRING_length(ip);
  if (n == 4) return ipv4_text(b);
  if (n != 16) return {};
  // An IPv4-mapped address keeps its IPv4 part dotted ("::ffff:192.0.2.1"), as RFC 5952 says.
  static constexpr unsigned char mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
  if (std::equal(b, b + 12, mapped)) return "::ffff:" + ipv4_text(b + 12);
  char buf[8];
  std::string out;
  std::array<unsigned, 8> g{};
  for (int i = 0; i < 8; ++i) g[i] = static_cast<unsigned>(b[2 * i] << 8 | b[2 * i + 1]);
  int best = -1, best_len = 1;  // runs of one zero group stay "0"
  for (int i = 0; i < 8;) {
    if (g[i] != 0) {
      ++i;
      continue;
    }
    int j = i;
    while (j < 8 && g[j] == 0) ++j;
    if (j - i > best_len) best = i, best_len = j - i;
    i = j;
  }
  for (int i = 0; i < 8; ++i) {
    if (i == best) {
      out += "::";
      i += best_len - 1;
      continue;
    }
    if (!out.empty() && out.back() != ':') out += ':';
    std::snprintf(buf, sizeof buf, "%x", g[i]);
    out += buf;
  }
  return out;
}

std::chrono::system_clock::time_point time_point_of(const ASN1_TIME* t) {
  std::tm tm{};
  if (t == nullptr || ASN1_TIME_to_tm(t, &tm) != 1) return {};
  using namespace std::chrono;
  const sys_days day = year(tm.tm_year + 1900) / month(static_cast<unsigned>(tm.tm_mon + 1)) /
                       static_cast<unsigned>(tm.tm_mday);
  return system_clock::time_point(day) + hours(tm.tm_hour) + minutes(tm.tm_min) +
         seconds(tm.tm_sec);
}

}  // namespace

certificate certificate::from_pem(std::string_view pem) {
  ERR_clear_error();
  if (pem.size() > INT_MAX) {
    throw std::system_error(make_error_code(errc::bad_certificate_file), "certificate: too large");
  }
  detail::unique_bio bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  if (!bio) detail::throw_openssl("BIO_new_mem_buf");
  X509* x509 = PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr);
  if (x509 == nullptr) {
    throw std::system_error(make_error_code(errc::bad_certificate_file),
                            "certificate: " + detail::openssl_reason("no certificate in the PEM"));
  }
  return adopt(x509);
}

certificate certificate::adopt(void* x509_with_reference) noexcept {
  certificate c;
  if (x509_with_reference == nullptr) return c;
  try {
    c.x509_ = std::shared_ptr<void>(x509_with_reference,
                                    [](void* p) { X509_free(static_cast<X509*>(p)); });
  } catch (const std::bad_alloc&) {
    // shared_ptr has released the reference already (it calls the deleter when it cannot
    // allocate its control block): out of memory, the handle stays empty.
  }
  return c;
}

std::string certificate::subject() const {
  return x509_ ? name_text(X509_get_subject_name(get(x509_))) : std::string();
}

std::string certificate::issuer() const {
  return x509_ ? name_text(X509_get_issuer_name(get(x509_))) : std::string();
}

std::string certificate::common_name() const {
  if (!x509_) return {};
  const X509_NAME* name = X509_get_subject_name(get(x509_));
  const int i = X509_NAME_get_index_by_NID(name, NID_commonName, -1);
  if (i < 0) return {};
  return utf8(X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, i)));
}

std::vector<std::string> certificate::subject_alt_names() const {
  std::vector<std::string> names;
  if (!x509_) return names;
  detail::unique_general_names gens(static_cast<GENERAL_NAMES*>(
      X509_get_ext_d2i(get(x509_), NID_subject_alt_name, nullptr, nullptr)));
  if (!gens) return names;
  for (int i = 0; i < sk_GENERAL_NAME_num(gens.get()); ++i) {
    const GENERAL_NAME* gen = sk_GENERAL_NAME_value(gens.get(), i);
    if (gen->type == GEN_DNS) {
      const ASN1_IA5STRING* dns = gen->d.dNSName;
      names.emplace_back(reinterpret_cast<const char*>(ASN1_STRING_get0_data(dns)),
                         static_cast<std::size_t>(ASN1_STRING_length(dns)));
    } else if (gen->type == GEN_IPADD) {
      if (std::string ip = ip_text(gen->d.iPAddress); !ip.empty()) names.push_back(std::move(ip));
    }
  }
  return names;
}

std::chrono::system_clock::time_point certificate::not_before() const {
  return x509_ ? time_point_of(X509_get0_notBefore(get(x509_)))
               : std::chrono::system_clock::time_point();
}

std::chrono::system_clock::time_point certificate::not_after() const {
  return x509_ ? time_point_of(X509_get0_notAfter(get(x509_)))
               : std::chrono::system_clock::time_point();
}

std::string certificate::fingerprint_sha256() const {
  if (!x509_) return {};
  std::array<unsigned char, EVP_MAX_MD_SIZE> md{};
  unsigned int n = 0;
  if (X509_digest(get(x509_), EVP_sha256(), md.data(), &n) != 1) {
    detail::throw_openssl("certificate fingerprint");
  }
  static constexpr char hex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(n * 3);
  for (unsigned int i = 0; i < n; ++i) {
    if (i != 0) out += ':';
    out += hex[md[i] >> 4];
    out += hex[md[i] & 0xf];
  }
  return out;
}

std::string certificate::pem() const {
  if (!x509_) return {};
  return detail::certificate_pem(get(x509_));
}

}  // namespace coronet::tls
