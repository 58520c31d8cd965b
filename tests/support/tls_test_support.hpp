// Helpers shared by the TLS tests: a small PKI made in memory with OpenSSL (EC P-256 keys, so a
// certificate costs well under a millisecond), and PEM files for the APIs and peers that want
// files (openssl s_server, Node, context::use_certificate_chain_file).
//
//   const coronet::tls::key_pair& ca = coronet::tls_test::test_ca();
//   auto server = coronet::tls_test::issue(ca, {"localhost", "127.0.0.1"});
//   auto old = coronet::tls_test::issue(ca, {"localhost"}, {.not_after = -1h});   // expired
//   auto stranger = coronet::tls_test::issue(coronet::tls_test::other_ca(), {"localhost"});
//   coronet::test::temp_dir dir;
//   auto files = coronet::tls_test::write_pem(dir, "server", server);  // files.cert, files.key
#pragma once

#include <chrono>
#include <string>
#include <string_view>
#include <vector>

#include "coronet/tls/certificate.hpp"
#include "temp_dir.hpp"  // tests/support

namespace coronet::tls_test {

using namespace std::chrono_literals;

enum class key_type { ec_p256, rsa_2048 };

struct issue_options {
  // Validity, relative to now: valid by default; not_after < 0 makes an expired certificate,
  // not_before > 0 one not valid yet.
  std::chrono::seconds not_before = -1h;
  std::chrono::seconds not_after = 24h;
  bool client = false;  // extendedKeyUsage clientAuth (a client certificate) instead of serverAuth
  key_type key = key_type::ec_p256;
};

// The process's test CA ("CN=coronet test CA", CA:TRUE), made once; and a second, unrelated CA
// whose certificates the first one's trust set does not accept.
const tls::key_pair& test_ca();
const tls::key_pair& other_ca();
// A fresh CA named `common_name`.
tls::key_pair make_ca(const std::string& common_name);

// A certificate for `names` (DNS names or IP literals; the first is also the CN), signed by
// `ca`, with its private key.
tls::key_pair issue(const tls::key_pair& ca, const std::vector<std::string>& names,
                    const issue_options& options = {});

// What OpenSSL's X509_verify_cert says of `leaf_pem` with `ca_pem` as the only trust anchor
// (X509_V_OK, X509_V_ERR_CERT_HAS_EXPIRED, ...), checked for TLS server use.
int verify(std::string_view ca_pem, std::string_view leaf_pem);

struct pem_files {
  std::string cert;  // path of <stem>.pem
  std::string key;   // path of <stem>.key
};
// Writes the pair into `dir` as <stem>.pem and <stem>.key.
pem_files write_pem(const test::temp_dir& dir, std::string_view stem, const tls::key_pair& pair);
// Writes `text` into `dir` as `name`; returns the path.
std::string write_file(const test::temp_dir& dir, std::string_view name, std::string_view text);

// The path of `name` on $PATH, or empty: tests that need a program skip without it.
std::string find_program(std::string_view name);

// Runs argv (through /bin/sh, each argument quoted) and returns its exit status and what it
// wrote to stdout and stderr.
struct command_result {
  int status = -1;
  std::string output;
};
command_result run_command(const std::vector<std::string>& argv);

}  // namespace coronet::tls_test
