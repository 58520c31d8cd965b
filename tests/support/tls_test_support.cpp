#include "tls_test_support.hpp"

#include <openssl/pem.h>
#include <openssl/x509_vfy.h>

#include <openssl/err.h>
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <stdexcept>

#include "x509_builder.hpp"  // tls/src: the builder make_self_signed uses

namespace coronet::tls_test {
namespace {

namespace detail = coronet::tls::detail;

detail::unique_x509 read_certificate(std::string_view pem) {
  detail::unique_bio bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  detail::unique_x509 x509(bio ? PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr) : nullptr);
  if (!x509) detail::throw_openssl("test PKI: certificate");
  return x509;
}

detail::unique_pkey read_key(std::string_view pem) {
  detail::unique_bio bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  detail::unique_pkey key(bio ? PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr)
                              : nullptr);
  if (!key) detail::throw_openssl("test PKI: private key");
  return key;
}

}  // namespace

tls::key_pair make_ca(const std::string& common_name) {
  detail::certificate_spec spec;
  spec.common_name = common_name;
  spec.not_after = 24h * 365;
  spec.ca = true;
  detail::unique_pkey key = detail::generate_key(detail::key_type::ec_p256);
  detail::unique_x509 cert = detail::build_certificate(spec, key.get(), nullptr, nullptr);
  return {detail::certificate_pem(cert.get()), detail::private_key_pem(key.get())};
}

// Made on first use (thread-safe static initialisation), then shared by every test.
const tls::key_pair& test_ca() {
  static const tls::key_pair ca = make_ca("coronet test CA");
  return ca;
}

const tls::key_pair& other_ca() {
  static const tls::key_pair ca = make_ca("coronet other test CA");
  return ca;
}

tls::key_pair issue(const tls::key_pair& ca, const std::vector<std::string>& names,
                    const issue_options& options) {
  if (names.empty()) throw std::invalid_argument("issue: no names");
  detail::certificate_spec spec;
  spec.common_name = names.front();
  spec.alt_names = names;
  spec.not_before = options.not_before;
  spec.not_after = options.not_after;
  spec.server_auth = !options.client;
  spec.client_auth = options.client;
  detail::unique_x509 ca_cert = read_certificate(ca.certificate_pem);
  detail::unique_pkey ca_key = read_key(ca.private_key_pem);
  detail::unique_pkey key = detail::generate_key(
      options.key == key_type::rsa_2048 ? detail::key_type::rsa_2048 : detail::key_type::ec_p256);
  detail::unique_x509 cert =
      detail::build_certificate(spec, key.get(), ca_cert.get(), ca_key.get());
  return {detail::certificate_pem(cert.get()), detail::private_key_pem(key.get())};
}

int verify(std::string_view ca_pem, std::string_view leaf_pem) {
  detail::unique_x509 ca = read_certificate(ca_pem);
  detail::unique_x509 leaf = read_certificate(leaf_pem);
  std::unique_ptr<X509_STORE, detail::openssl_free<X509_STORE_free>> store(X509_STORE_new());
  std::unique_ptr<X509_STORE_CTX, detail::openssl_free<X509_STORE_CTX_free>> ctx(
      X509_STORE_CTX_new());
  if (!store || !ctx || X509_STORE_add_cert(store.get(), ca.get()) != 1 ||
      X509_STORE_CTX_init(ctx.get(), store.get(), leaf.get(), nullptr) != 1 ||
      X509_STORE_CTX_set_purpose(ctx.get(), X509_PURPOSE_SSL_SERVER) != 1) {
    detail::throw_openssl("test PKI: verify");
  }
  const int ok = X509_verify_cert(ctx.get());
  const int error = X509_STORE_CTX_get_error(ctx.get());
  ERR_clear_error();
  return ok == 1 ? X509_V_OK : error;
}

std::string write_file(const test::temp_dir& dir, std::string_view name, std::string_view text) {
  std::string path = dir.file(name);
  std::ofstream out(path, std::ios::binary);
  out.write(text.data(), static_cast<std::streamsize>(text.size()));
  out.close();
  if (!out) throw std::runtime_error("cannot write " + path);
  return path;
}

pem_files write_pem(const test::temp_dir& dir, std::string_view stem, const tls::key_pair& pair) {
  const std::string s(stem);
  return {write_file(dir, s + ".pem", pair.certificate_pem),
          write_file(dir, s + ".key", pair.private_key_pem)};
}

std::string find_program(std::string_view name) {
  const char* path = std::getenv("PATH");
  std::string_view dirs = path != nullptr ? path : "/usr/bin:/bin";
  while (!dirs.empty()) {
    const std::size_t colon = dirs.find(':');
    const std::string_view dir = dirs.substr(0, colon);
    dirs = colon == std::string_view::npos ? std::string_view() : dirs.substr(colon + 1);
    if (dir.empty()) continue;
    std::string candidate = std::string(dir) + "/" + std::string(name);
    if (::access(candidate.c_str(), X_OK) == 0) return candidate;
  }
  return {};
}

command_result run_command(const std::vector<std::string>& argv) {
  std::string line;
  for (const std::string& arg : argv) {
    // Single quotes keep every byte but the quote itself, written as '\''.
    line += " '";
    for (const char c : arg) line += c == '\'' ? std::string("'\\''") : std::string(1, c);
    line += "'";
  }
  line += " 2>&1";
  FILE* pipe = ::popen(line.c_str(), "r");
  if (pipe == nullptr) throw std::runtime_error("popen " + line + " failed");
  command_result result;
  char buf[4096];
  while (std::size_t n = std::fread(buf, 1, sizeof buf, pipe)) result.output.append(buf, n);
  const int status = ::pclose(pipe);
  result.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return result;
}

}  // namespace coronet::tls_test
