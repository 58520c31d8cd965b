// http::server over TLS against other clients: curl (--cacert with the test CA, TLS 1.2 and 1.3,
// a client certificate) and Node's https client (node/https_client.js: TLS 1.2 and 1.3, with and
// without ALPN, a client certificate). Each is skipped, saying why, when its program is missing.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "https_test_support.hpp"
#include "temp_dir.hpp"

namespace coronet::http_test {
namespace {

using tls_test::run_command;

task<http::response> echo_target(http::request& req) {
  co_return http::response(200, "hello " + req.target, "text/plain");
}

// A server requiring a client certificate that the test CA signed.
tls::context requiring_client_certificates() {
  tls::context ctx = https_context();
  ctx.add_certificate_authority(tls_test::test_ca().certificate_pem);
  ctx.set_client_auth(tls::client_auth::require);
  return ctx;
}

// The test CA and a client certificate, as files for the programs.
class interop_files {
 public:
  interop_files()
      : ca(tls_test::write_file(dir_, "ca.pem", tls_test::test_ca().certificate_pem)),
        client(tls_test::write_pem(
            dir_, "client", tls_test::issue(tls_test::test_ca(), {"client"}, {.client = true}))) {}

 private:
  test::temp_dir dir_;  // first: the paths below are made in it

 public:
  const std::string ca;
  const tls_test::pem_files client;
};

class HttpsServerCurl : public ::testing::Test {
 protected:
  void SetUp() override {
    curl = tls_test::find_program("curl");
    if (curl.empty()) GTEST_SKIP() << "curl not found on PATH: the curl interop tests need it";
  }
  std::string url(const server_thread& srv, std::string_view target) const {
    return "https://127.0.0.1:" + std::to_string(srv.port()) + std::string(target);
  }
  std::string curl;
  interop_files files;
};

TEST_F(HttpsServerCurl, GetWithTheTestCaNegotiatesHttp11) {
  server_thread srv(echo_target, {}, https_context());
  const auto r = run_command({curl, "-s", "-S", "-v", "--cacert", files.ca, url(srv, "/curl")});
  EXPECT_EQ(r.status, 0) << r.output;
  EXPECT_NE(r.output.find("hello /curl"), std::string::npos) << r.output;
  // curl offers h2 first; this server speaks HTTP/1.1 only.
  EXPECT_NE(r.output.find("ALPN: server accepted http/1.1"), std::string::npos) << r.output;
  // Without the CA, curl refuses the certificate (exit 60: peer certificate cannot be
  // authenticated), and the server goes on.
  const auto refused = run_command({curl, "-s", "-S", url(srv, "/curl")});
  EXPECT_EQ(refused.status, 60) << refused.output;
  const auto again = run_command({curl, "-s", "-S", "--cacert", files.ca, url(srv, "/again")});
  EXPECT_EQ(again.output, "hello /again");
}

TEST_F(HttpsServerCurl, Tls12AndTls13) {
  server_thread srv(echo_target, {}, https_context());
  const auto v12 = run_command({curl, "-s", "-S", "-v", "--cacert", files.ca, "--tlsv1.2",
                                "--tls-max", "1.2", url(srv, "/12")});
  EXPECT_EQ(v12.status, 0) << v12.output;
  EXPECT_NE(v12.output.find("SSL connection using TLSv1.2"), std::string::npos) << v12.output;
  EXPECT_NE(v12.output.find("hello /12"), std::string::npos) << v12.output;
  const auto v13 =
      run_command({curl, "-s", "-S", "-v", "--cacert", files.ca, "--tlsv1.3", url(srv, "/13")});
  EXPECT_EQ(v13.status, 0) << v13.output;
  EXPECT_NE(v13.output.find("SSL connection using TLSv1.3"), std::string::npos) << v13.output;
  EXPECT_NE(v13.output.find("hello /13"), std::string::npos) << v13.output;
}

TEST_F(HttpsServerCurl, ClientCertificateRequired) {
  server_thread srv(echo_target, {}, requiring_client_certificates());
  const auto with = run_command({curl, "-s", "-S", "--cacert", files.ca, "--cert",
                                 files.client.cert, "--key", files.client.key, url(srv, "/mtls")});
  EXPECT_EQ(with.status, 0) << with.output;
  EXPECT_EQ(with.output, "hello /mtls");
  const auto without = run_command({curl, "-s", "-S", "--cacert", files.ca, url(srv, "/none")});
  EXPECT_NE(without.status, 0) << without.output;
  EXPECT_EQ(without.output.find("hello"), std::string::npos) << without.output;
}

class HttpsServerNode : public ::testing::Test {
 protected:
  void SetUp() override {
    node = tls_test::find_program("node");
    if (node.empty()) GTEST_SKIP() << "node not found on PATH: the Node interop tests need it";
  }
  // node/https_client.js's lines.
  tls_test::command_result run_client(const server_thread& srv, std::string min_version,
                                      std::string max_version, std::string alpn,
                                      std::vector<std::string> client_files = {}) const {
    std::vector<std::string> argv{node,
                                  std::string(HTTP_TEST_NODE_DIR) + "/https_client.js",
                                  std::to_string(srv.port()),
                                  files.ca,
                                  std::move(min_version),
                                  std::move(max_version),
                                  std::move(alpn)};
    argv.insert(argv.end(), client_files.begin(), client_files.end());
    return run_command(argv);
  }
  std::string node;
  interop_files files;
};

TEST_F(HttpsServerNode, Tls12WithAndWithoutAlpn) {
  server_thread srv(echo_target, {}, https_context());
  const auto alpn = run_client(srv, "TLSv1.2", "TLSv1.2", "alpn");
  EXPECT_EQ(alpn.status, 0) << alpn.output;
  EXPECT_EQ(alpn.output,
            "200 hello /first TLSv1.2 alpn=http/1.1 reused=false\n"
            "200 hello /second TLSv1.2 alpn=http/1.1 reused=true\n");
  const auto plain = run_client(srv, "TLSv1.2", "TLSv1.2", "noalpn");
  EXPECT_EQ(plain.status, 0) << plain.output;
  EXPECT_EQ(plain.output,
            "200 hello /first TLSv1.2 alpn=none reused=false\n"
            "200 hello /second TLSv1.2 alpn=none reused=true\n");
}

TEST_F(HttpsServerNode, Tls13WithAndWithoutAlpn) {
  server_thread srv(echo_target, {}, https_context());
  const auto alpn = run_client(srv, "TLSv1.3", "TLSv1.3", "alpn");
  EXPECT_EQ(alpn.status, 0) << alpn.output;
  EXPECT_EQ(alpn.output,
            "200 hello /first TLSv1.3 alpn=http/1.1 reused=false\n"
            "200 hello /second TLSv1.3 alpn=http/1.1 reused=true\n");
  const auto plain = run_client(srv, "TLSv1.3", "TLSv1.3", "noalpn");
  EXPECT_EQ(plain.status, 0) << plain.output;
  EXPECT_EQ(plain.output,
            "200 hello /first TLSv1.3 alpn=none reused=false\n"
            "200 hello /second TLSv1.3 alpn=none reused=true\n");
}

TEST_F(HttpsServerNode, ClientCertificateRequired) {
  server_thread srv(echo_target, {}, requiring_client_certificates());
  const auto with =
      run_client(srv, "TLSv1.2", "TLSv1.3", "alpn", {files.client.cert, files.client.key});
  EXPECT_EQ(with.status, 0) << with.output;
  EXPECT_EQ(with.output,
            "200 hello /first TLSv1.3 alpn=http/1.1 reused=false\n"
            "200 hello /second TLSv1.3 alpn=http/1.1 reused=true\n");
  const auto without = run_client(srv, "TLSv1.2", "TLSv1.3", "alpn");
  EXPECT_EQ(without.status, 1) << without.output;
  EXPECT_EQ(without.output.rfind("error: ", 0), 0u) << without.output;
}

}  // namespace
}  // namespace coronet::http_test
