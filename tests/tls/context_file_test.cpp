// tls::context's certificate, key and CA files: each failure is errc::bad_certificate_file with
// a message naming the file and saying why (missing, unreadable, not PEM, a key for another
// certificate); good files serve.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <string>
#include <system_error>

#include "coronet/tls/context.hpp"
#include "coronet/tls/error.hpp"
#include "tls_stream_support.hpp"

namespace coronet::tls_test {
namespace {

// What `f` threw (a std::system_error), or thrown == false.
template <class F>
failure thrown_by(F f) {
  try {
    f();
  } catch (const std::system_error& e) {
    return {true, e.code(), e.what()};
  }
  return {};
}

TEST(TlsContextFiles, GoodFilesLoad) {
  test::temp_dir dir;
  const pem_files files = write_pem(dir, "server", localhost_cert());
  tls::context ctx = tls::context::server();
  EXPECT_NO_THROW(ctx.use_certificate_chain_file(files.cert).use_private_key_file(files.key));
  const std::string ca = write_file(dir, "ca.pem", test_ca().certificate_pem);
  tls::context client = tls::context::client();
  EXPECT_NO_THROW(client.load_verify_file(ca));
}

TEST(TlsContextFiles, MissingFileNamesItAndTheReason) {
  test::temp_dir dir;
  const std::string missing = dir.file("missing.pem");
  tls::context ctx = tls::context::server();
  const failure chain = thrown_by([&] { ctx.use_certificate_chain_file(missing); });
  ASSERT_TRUE(chain.thrown);
  EXPECT_EQ(chain.code, make_error_code(tls::errc::bad_certificate_file));
  EXPECT_EQ(chain.what,
            "certificate chain " + missing + ": No such file or directory: bad certificate or key");
  const failure key = thrown_by([&] { ctx.use_private_key_file(missing); });
  ASSERT_TRUE(key.thrown);
  EXPECT_EQ(key.code, make_error_code(tls::errc::bad_certificate_file));
  EXPECT_EQ(key.what,
            "private key " + missing + ": No such file or directory: bad certificate or key");
  tls::context client = tls::context::client();
  const failure ca = thrown_by([&] { client.load_verify_file(missing); });
  ASSERT_TRUE(ca.thrown);
  EXPECT_EQ(ca.code, make_error_code(tls::errc::bad_certificate_file));
  EXPECT_EQ(ca.what, "CA file " + missing + ": No such file or directory: bad certificate or key");
}

TEST(TlsContextFiles, UnreadableFileSaysPermissionDenied) {
  if (::geteuid() == 0) GTEST_SKIP() << "running as root, which reads a mode 000 file anyway";
  test::temp_dir dir;
  const pem_files files = write_pem(dir, "server", localhost_cert());
  ASSERT_EQ(::chmod(files.cert.c_str(), 0), 0);
  tls::context ctx = tls::context::server();
  const failure f = thrown_by([&] { ctx.use_certificate_chain_file(files.cert); });
  ASSERT_TRUE(f.thrown);
  EXPECT_EQ(f.code, make_error_code(tls::errc::bad_certificate_file));
  EXPECT_EQ(f.what,
            "certificate chain " + files.cert + ": Permission denied: bad certificate or key");
}

TEST(TlsContextFiles, GarbageFileNamesIt) {
  test::temp_dir dir;
  const std::string garbage = write_file(dir, "garbage.pem", "this is not a certificate\n");
  tls::context ctx = tls::context::server();
  const failure chain = thrown_by([&] { ctx.use_certificate_chain_file(garbage); });
  ASSERT_TRUE(chain.thrown);
  EXPECT_EQ(chain.code, make_error_code(tls::errc::bad_certificate_file));
  EXPECT_EQ(chain.what.rfind("certificate chain " + garbage + ": ", 0), 0u) << chain.what;
  EXPECT_NE(chain.what.find("no start line"), std::string::npos) << chain.what;
  const failure key = thrown_by([&] { ctx.use_private_key_file(garbage); });
  ASSERT_TRUE(key.thrown);
  EXPECT_EQ(key.code, make_error_code(tls::errc::bad_certificate_file));
  EXPECT_EQ(key.what.rfind("private key " + garbage + ": ", 0), 0u) << key.what;
}

TEST(TlsContextFiles, KeyForAnotherCertificateIsRefused) {
  test::temp_dir dir;
  const pem_files ours = write_pem(dir, "ours", localhost_cert());
  const pem_files theirs = write_pem(dir, "theirs", issue(test_ca(), {"localhost"}));
  tls::context ctx = tls::context::server();
  ctx.use_certificate_chain_file(ours.cert);
  const failure f = thrown_by([&] { ctx.use_private_key_file(theirs.key); });
  ASSERT_TRUE(f.thrown);
  EXPECT_EQ(f.code, make_error_code(tls::errc::bad_certificate_file));
  EXPECT_EQ(f.what.rfind("private key " + theirs.key + " does not match the certificate: ", 0), 0u)
      << f.what;
  // A key of another type (RSA for an EC certificate) fails the check after the load instead:
  // the same words.
  const pem_files rsa =
      write_pem(dir, "rsa", issue(test_ca(), {"localhost"}, {.key = key_type::rsa_2048}));
  tls::context other_type = tls::context::server();
  other_type.use_certificate_chain_file(ours.cert);
  const failure r = thrown_by([&] { other_type.use_private_key_file(rsa.key); });
  ASSERT_TRUE(r.thrown);
  EXPECT_EQ(r.code, make_error_code(tls::errc::bad_certificate_file));
  EXPECT_EQ(r.what, "private key " + rsa.key +
                        " does not match the certificate: the key is of another type: bad "
                        "certificate or key");
  // The same from PEM text, for both kinds of mismatch.
  for (const std::string& key :
       {other_ca().private_key_pem,
        issue(test_ca(), {"localhost"}, {.key = key_type::rsa_2048}).private_key_pem}) {
    tls::context text = tls::context::server();
    text.use_certificate_chain(localhost_cert().certificate_pem);
    const failure t = thrown_by([&] { text.use_private_key(key); });
    ASSERT_TRUE(t.thrown);
    EXPECT_EQ(t.code, make_error_code(tls::errc::bad_certificate_file));
    EXPECT_EQ(t.what.rfind("private key does not match the certificate: ", 0), 0u) << t.what;
  }
}

}  // namespace
}  // namespace coronet::tls_test
