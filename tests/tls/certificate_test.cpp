// coronet::tls::certificate and make_self_signed, against the tests' in-memory PKI, OpenSSL's
// own verifier (X509_verify_cert) and the openssl command line.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>

#include <algorithm>
#include <chrono>
#include <string>
#include <system_error>
#include <vector>

#include "coronet/tls/certificate.hpp"
#include "coronet/tls/error.hpp"
#include "tls_test_support.hpp"

namespace {

using namespace std::chrono_literals;
using coronet::tls::certificate;
using coronet::tls::key_pair;
using coronet::tls::make_self_signed;
namespace tt = coronet::tls_test;

// What a certificate's time is allowed to differ from the test's own clock reading: the time
// between the two, rounded to whole seconds by X.509.
constexpr auto slack = 60s;

void expect_near(std::chrono::system_clock::time_point actual,
                 std::chrono::system_clock::time_point expected) {
  EXPECT_LT(actual - expected, slack) << "later than expected";
  EXPECT_LT(expected - actual, slack) << "earlier than expected";
}

// inet_ntop's text for an address given as text: the form subject_alt_names should print.
std::string canonical_ipv6(const std::string& text) {
  unsigned char bytes[16];
  char out[INET6_ADDRSTRLEN];
  EXPECT_EQ(inet_pton(AF_INET6, text.c_str(), bytes), 1) << text;
  return inet_ntop(AF_INET6, bytes, out, sizeof out);
}

TEST(Certificate, DefaultHandleIsEmpty) {
  const certificate c;
  EXPECT_FALSE(c);
  EXPECT_EQ(c.native_handle(), nullptr);
  EXPECT_EQ(c.subject(), "");
  EXPECT_EQ(c.common_name(), "");
  EXPECT_TRUE(c.subject_alt_names().empty());
  EXPECT_EQ(c.fingerprint_sha256(), "");
  EXPECT_EQ(c.pem(), "");
  EXPECT_FALSE(certificate::adopt(nullptr));
}

TEST(Certificate, FromPemRoundTripsAndCopiesShareTheCertificate) {
  const key_pair pair = tt::issue(tt::test_ca(), {"localhost"});
  const certificate c = certificate::from_pem(pair.certificate_pem);
  ASSERT_TRUE(c);
  EXPECT_EQ(c.pem(), pair.certificate_pem);
  const certificate copy = c;  // NOLINT(performance-unnecessary-copy-initialization)
  EXPECT_EQ(copy.native_handle(), c.native_handle());
  // A file may hold a chain: the first certificate is the one read.
  const certificate first =
      certificate::from_pem(pair.certificate_pem + tt::test_ca().certificate_pem);
  EXPECT_EQ(first.pem(), pair.certificate_pem);
}

TEST(Certificate, ReadsSubjectIssuerAndAltNames) {
  const key_pair pair =
      tt::issue(tt::test_ca(), {"server.test", "*.server.test", "192.0.2.7", "::1",
                                "2001:db8:0:0:1:0:0:1", "::ffff:192.0.2.1", "fe80::"});
  const certificate c = certificate::from_pem(pair.certificate_pem);
  EXPECT_EQ(c.subject(), "CN=server.test");
  EXPECT_EQ(c.issuer(), "CN=coronet test CA");
  EXPECT_EQ(c.common_name(), "server.test");
  const std::vector<std::string> expected = {"server.test",
                                             "*.server.test",
                                             "192.0.2.7",
                                             canonical_ipv6("::1"),
                                             canonical_ipv6("2001:db8:0:0:1:0:0:1"),
                                             canonical_ipv6("::ffff:192.0.2.1"),
                                             canonical_ipv6("fe80::")};
  EXPECT_EQ(c.subject_alt_names(), expected);
  // The values inet_ntop gives, spelled out, in case both were wrong the same way.
  EXPECT_EQ(expected[3], "::1");
  EXPECT_EQ(expected[4], "2001:db8::1:0:0:1");
}

TEST(Certificate, ReadsValidity) {
  const auto now = std::chrono::system_clock::now();
  const key_pair pair =
      tt::issue(tt::test_ca(), {"localhost"}, {.not_before = -2h, .not_after = 48h});
  const certificate c = certificate::from_pem(pair.certificate_pem);
  expect_near(c.not_before(), now - 2h);
  expect_near(c.not_after(), now + 48h);
}

TEST(Certificate, FingerprintMatchesOpensslCommandLine) {
  const std::string openssl = tt::find_program("openssl");
  if (openssl.empty()) GTEST_SKIP() << "openssl (the command) not found on PATH";
  const key_pair pair = make_self_signed({"localhost"});
  coronet::test::temp_dir dir;
  const tt::pem_files files = tt::write_pem(dir, "cert", pair);
  const tt::command_result r =
      tt::run_command({openssl, "x509", "-noout", "-fingerprint", "-sha256", "-in", files.cert});
  ASSERT_EQ(r.status, 0) << r.output;
  // "sha256 Fingerprint=AB:CD:...\n" (OpenSSL 1.1 wrote "SHA256 Fingerprint=").
  const std::size_t eq = r.output.find('=');
  ASSERT_NE(eq, std::string::npos) << r.output;
  std::string cli = r.output.substr(eq + 1);
  while (!cli.empty() && (cli.back() == '\n' || cli.back() == '\r')) cli.pop_back();
  const std::string ours = certificate::from_pem(pair.certificate_pem).fingerprint_sha256();
  EXPECT_EQ(ours.size(), 32u * 3 - 1);
  EXPECT_EQ(ours, cli);
}

TEST(Certificate, BadPemThrowsBadCertificateFileWithReason) {
  for (const std::string& pem :
       {std::string("not a certificate"), std::string(),
        std::string("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"),
        // A key is not a certificate.
        tt::test_ca().private_key_pem}) {
    try {
      certificate::from_pem(pem);
      ADD_FAILURE() << "no exception for: " << pem;
    } catch (const std::system_error& e) {
      EXPECT_EQ(e.code(), coronet::tls::errc::bad_certificate_file) << pem;
      const std::string what = e.what();
      EXPECT_EQ(what.rfind("certificate: ", 0), 0u) << what;
      // The OpenSSL reason follows the prefix (and then the code's own message).
      EXPECT_GT(what.size(), std::string("certificate: bad certificate or key").size()) << what;
    }
  }
}

TEST(Certificate, AdoptTakesTheGivenReference) {
  const key_pair pair = make_self_signed({"localhost"});
  certificate adopted;
  {
    const certificate original = certificate::from_pem(pair.certificate_pem);
    X509* x509 = static_cast<X509*>(original.native_handle());
    ASSERT_EQ(X509_up_ref(x509), 1);
    adopted = certificate::adopt(x509);
    EXPECT_EQ(adopted.native_handle(), original.native_handle());
  }
  // The original handle is gone; the adopted reference keeps the X509 alive.
  EXPECT_EQ(adopted.pem(), pair.certificate_pem);
}

TEST(Certificate, SelfSignedHasDnsAndIpNames) {
  const auto now = std::chrono::system_clock::now();
  const key_pair pair = make_self_signed({"localhost", "127.0.0.1", "::1"}, 48h);
  EXPECT_EQ(pair.private_key_pem.rfind("-----BEGIN PRIVATE KEY-----", 0), 0u);
  const certificate c = certificate::from_pem(pair.certificate_pem);
  EXPECT_EQ(c.common_name(), "localhost");
  EXPECT_EQ(c.subject(), "CN=localhost");
  EXPECT_EQ(c.issuer(), c.subject());
  EXPECT_EQ(c.subject_alt_names(), (std::vector<std::string>{"localhost", "127.0.0.1", "::1"}));
  expect_near(c.not_before(), now - 1h);
  expect_near(c.not_after(), now + 48h);
  // Each call makes a new key and serial.
  const key_pair again = make_self_signed({"localhost"});
  EXPECT_NE(again.private_key_pem, pair.private_key_pem);
}

TEST(Certificate, SelfSignedRefusesNamesThatAreNeitherDnsNorIp) {
  EXPECT_THROW(make_self_signed({}), std::invalid_argument);
  EXPECT_THROW(make_self_signed({"two words"}), std::invalid_argument);
  EXPECT_THROW(make_self_signed({"localhost", "a,DNS:evil.example"}), std::invalid_argument);
  EXPECT_THROW(make_self_signed({"[::1]"}), std::invalid_argument);
  EXPECT_THROW(make_self_signed({std::string("127.0.0.1\0.evil", 15)}), std::invalid_argument);
}

TEST(Certificate, SelfSignedIsItsOwnTrustAnchor) {
  const key_pair pair = make_self_signed({"localhost", "127.0.0.1"});
  // No X509_V_FLAG_PARTIAL_CHAIN: the certificate must be a trust anchor on its own, as for a
  // client given --ca server.pem.
  EXPECT_EQ(tt::verify(pair.certificate_pem, pair.certificate_pem), X509_V_OK);
  // A different self-signed certificate is not trusted by it.
  const key_pair other = make_self_signed({"localhost"});
  EXPECT_NE(tt::verify(other.certificate_pem, pair.certificate_pem), X509_V_OK);
}

TEST(Certificate, OpensslVerifyAcceptsSelfSigned) {
  const std::string openssl = tt::find_program("openssl");
  if (openssl.empty()) GTEST_SKIP() << "openssl (the command) not found on PATH";
  const key_pair pair = make_self_signed({"localhost", "::1"});
  coronet::test::temp_dir dir;
  const tt::pem_files files = tt::write_pem(dir, "self", pair);
  for (const char* strict : {"-purpose", "-x509_strict"}) {
    std::vector<std::string> argv = {openssl, "verify", "-CAfile", files.cert};
    if (std::string(strict) == "-purpose") {
      argv.insert(argv.end(), {"-purpose", "sslserver"});
    } else {
      argv.push_back(strict);
    }
    argv.push_back(files.cert);
    const tt::command_result r = tt::run_command(argv);
    EXPECT_EQ(r.status, 0) << strict << ": " << r.output;
  }
}

TEST(Certificate, TestPkiLeafVerifiesAgainstItsCaOnly) {
  const key_pair& ca = tt::test_ca();
  EXPECT_EQ(tt::verify(ca.certificate_pem, tt::issue(ca, {"localhost"}).certificate_pem),
            X509_V_OK);
  EXPECT_EQ(
      tt::verify(ca.certificate_pem,
                 tt::issue(ca, {"localhost"}, {.key = tt::key_type::rsa_2048}).certificate_pem),
      X509_V_OK);
  EXPECT_EQ(
      tt::verify(
          ca.certificate_pem,
          tt::issue(ca, {"localhost"}, {.not_before = -48h, .not_after = -24h}).certificate_pem),
      X509_V_ERR_CERT_HAS_EXPIRED);
  EXPECT_EQ(
      tt::verify(
          ca.certificate_pem,
          tt::issue(ca, {"localhost"}, {.not_before = 24h, .not_after = 48h}).certificate_pem),
      X509_V_ERR_CERT_NOT_YET_VALID);
  EXPECT_EQ(
      tt::verify(ca.certificate_pem, tt::issue(tt::other_ca(), {"localhost"}).certificate_pem),
      X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY);
  // A client certificate is not for servers (verify checks the sslserver purpose).
  EXPECT_EQ(
      tt::verify(ca.certificate_pem, tt::issue(ca, {"client"}, {.client = true}).certificate_pem),
      X509_V_ERR_INVALID_PURPOSE);
  EXPECT_EQ(&tt::test_ca(), &ca);  // made once per process
}

}  // namespace
