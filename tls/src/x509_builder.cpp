#include "x509_builder.hpp"

#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

#include <algorithm>
#include <stdexcept>

namespace coronet::tls::detail {
namespace {

void add_name_entry(X509_NAME* name, const char* field, const std::string& value) {
  // CN is at most 64 characters (RFC 5280's ub-common-name); OpenSSL refuses longer ones.
  if (X509_NAME_add_entry_by_txt(name, field, MBSTRING_UTF8,
                                 reinterpret_cast<const unsigned char*>(value.data()),
                                 static_cast<int>(value.size()), -1, 0) != 1) {
    throw std::invalid_argument("certificate name '" + value + "': " + openssl_reason());
  }
}

// A DNS name as subjectAltName holds it: letters, digits, '-', '.', '_' and a wildcard '*'
// (internationalised names go in as their xn-- form). Anything else (spaces, commas, brackets
// around an IPv6 literal) is a caller's mistake worth an error, not a certificate no client
// would match.
bool is_dns_name(const std::string& name) {
  if (name.empty() || name.size() > 253) return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '.' || c == '_' || c == '*';
  });
}

unique_general_names alt_names(const std::vector<std::string>& names) {
  unique_general_names gens(sk_GENERAL_NAME_new_null());
  if (!gens) throw_openssl("subjectAltName");
  for (const std::string& name : names) {
    std::unique_ptr<GENERAL_NAME, openssl_free<GENERAL_NAME_free>> gen(GENERAL_NAME_new());
    if (!gen) throw_openssl("subjectAltName");
    if (auto ip = parse_ip(name)) {
      GENERAL_NAME_set0_value(gen.get(), GEN_IPADD, ip.release());
    } else if (is_dns_name(name)) {
      ASN1_IA5STRING* dns = ASN1_IA5STRING_new();
      if (dns == nullptr || ASN1_STRING_set(dns, name.data(), static_cast<int>(name.size())) != 1) {
        ASN1_IA5STRING_free(dns);
        throw_openssl("subjectAltName");
      }
      GENERAL_NAME_set0_value(gen.get(), GEN_DNS, dns);
    } else {
      throw std::invalid_argument("certificate name '" + name +
                                  "': neither a DNS name nor an IP address");
    }
    if (sk_GENERAL_NAME_push(gens.get(), gen.get()) == 0) throw_openssl("subjectAltName");
    gen.release();
  }
  return gens;
}

// One extension from OpenSSL's configuration syntax ("critical,CA:FALSE"); the values are our
// constants, never user text.
void add_extension(X509* x509, X509V3_CTX* ctx, int nid, const char* value) {
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, ctx, nid, value);
  if (ext == nullptr) throw_openssl(std::string("extension ") + OBJ_nid2sn(nid));
  const int ok = X509_add_ext(x509, ext, -1);
  X509_EXTENSION_free(ext);
  if (ok != 1) throw_openssl(std::string("extension ") + OBJ_nid2sn(nid));
}

void set_time(ASN1_TIME* t, std::chrono::seconds offset) {
  // Days and seconds apart, so that long validities do not overflow a 32-bit long.
  const auto days = std::chrono::duration_cast<std::chrono::days>(offset);
  const auto rest = offset - days;
  if (X509_time_adj_ex(t, static_cast<int>(days.count()), static_cast<long>(rest.count()),
                       nullptr) == nullptr) {
    throw_openssl("certificate validity");
  }
}

}  // namespace

std::unique_ptr<ASN1_OCTET_STRING, openssl_free<ASN1_OCTET_STRING_free>> parse_ip(
    const std::string& text) {
  // a2i_IPADDRESS reads a C string: a NUL inside `text` would cut it short.
  if (text.find('\0') != std::string::npos) return nullptr;
  std::unique_ptr<ASN1_OCTET_STRING, openssl_free<ASN1_OCTET_STRING_free>> ip(
      a2i_IPADDRESS(text.c_str()));
  ERR_clear_error();  // a DNS name is not an error
  return ip;
}

unique_pkey generate_key(key_type type) {
  unique_pkey key(type == key_type::ec_p256
                      ? EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256")
                      : EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<size_t>(2048)));
  if (!key) throw_openssl("key generation");
  return key;
}

unique_x509 build_certificate(const certificate_spec& spec, EVP_PKEY* key, X509* issuer,
                              EVP_PKEY* issuer_key) {
  unique_x509 x509(X509_new());
  if (!x509) throw_openssl("X509_new");
  X509* x = x509.get();
  if (X509_set_version(x, X509_VERSION_3) != 1) throw_openssl("X509_set_version");

  // A random positive 128-bit serial: unique without a registry of issued serials.
  std::unique_ptr<BIGNUM, openssl_free<BN_free>> serial(BN_new());
  if (!serial || BN_rand(serial.get(), 128, BN_RAND_TOP_ANY, BN_RAND_BOTTOM_ANY) != 1 ||
      BN_to_ASN1_INTEGER(serial.get(), X509_get_serialNumber(x)) == nullptr) {
    throw_openssl("certificate serial");
  }
  set_time(X509_getm_notBefore(x), spec.not_before);
  set_time(X509_getm_notAfter(x), spec.not_after);

  X509_NAME* subject = X509_get_subject_name(x);
  if (!spec.common_name.empty()) add_name_entry(subject, "CN", spec.common_name);
  if (X509_set_issuer_name(x, issuer != nullptr ? X509_get_subject_name(issuer) : subject) != 1 ||
      X509_set_pubkey(x, key) != 1) {
    throw_openssl("certificate names");
  }

  X509V3_CTX ctx;
  X509V3_set_ctx(&ctx, issuer != nullptr ? issuer : x, x, nullptr, nullptr, 0);
  if (spec.ca) {
    add_extension(x, &ctx, NID_basic_constraints, "critical,CA:TRUE");
    add_extension(x, &ctx, NID_key_usage, "critical,keyCertSign,cRLSign");
  } else {
    // A leaf is no CA (browsers refuse a CA certificate as a server's own). A self-signed leaf
    // still gets keyCertSign: OpenSSL before 3.0 (and libraries built the same way) only sees
    // a certificate as self-signed, hence as a trust anchor for itself, when its keyUsage
    // allows signing certificates ("unable to get local issuer certificate" otherwise).
    add_extension(x, &ctx, NID_basic_constraints, "critical,CA:FALSE");
    add_extension(
        x, &ctx, NID_key_usage,
        issuer == nullptr ? "critical,digitalSignature,keyCertSign" : "critical,digitalSignature");
    const char* eku = spec.server_auth && spec.client_auth ? "serverAuth,clientAuth"
                      : spec.client_auth                   ? "clientAuth"
                                                           : "serverAuth";
    add_extension(x, &ctx, NID_ext_key_usage, eku);
  }
  add_extension(x, &ctx, NID_subject_key_identifier, "hash");
  if (issuer != nullptr) add_extension(x, &ctx, NID_authority_key_identifier, "keyid:always");
  if (!spec.alt_names.empty()) {
    unique_general_names gens = alt_names(spec.alt_names);
    if (X509_add1_ext_i2d(x, NID_subject_alt_name, gens.get(), 0, X509V3_ADD_DEFAULT) != 1) {
      throw_openssl("subjectAltName");
    }
  }

  if (X509_sign(x, issuer_key != nullptr ? issuer_key : key, EVP_sha256()) == 0) {
    throw_openssl("certificate signature");
  }
  return x509;
}

std::string certificate_pem(X509* x509) {
  unique_bio bio = memory_bio();
  if (PEM_write_bio_X509(bio.get(), x509) != 1) throw_openssl("PEM_write_bio_X509");
  return bio_text(bio.get());
}

std::string private_key_pem(EVP_PKEY* key) {
  unique_bio bio = memory_bio();
  if (PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr) != 1) {
    throw_openssl("PEM_write_bio_PrivateKey");
  }
  return bio_text(bio.get());
}

}  // namespace coronet::tls::detail
