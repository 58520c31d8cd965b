// https-server and https-client (the seed's HTTP programs over Node's https): the HTTP samples'
// output over TLS, against each other and against Node's https both ways; the certificate
// flags; the interface the benchmarks use.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <csignal>
#include <string>
#include <vector>

#include "child_process.hpp"
#include "node_test.hpp"
#include "sample_harness.hpp"
#include "tls_sample_harness.hpp"

namespace sample_test {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

// What the seed's client prints for a 200 with the body "/hello".
const std::string seed_client_output = "statusCode: 200\n/hello";

std::string url(std::uint16_t port, std::string_view target) {
  return "https://127.0.0.1:" + std::to_string(port) + std::string(target);
}

// The server with its self-signed certificate, written where a client's --ca finds it.
struct self_signed_server {
  temp_dir dir;
  std::string ca = dir.file("ca.pem");
  child_process process;
  started_server started;
  explicit self_signed_server(std::vector<std::string> extra = {})
      : process(argv(std::move(extra))), started(start_self_signed(process)) {}
  std::vector<std::string> argv(std::vector<std::string> extra) const {
    std::vector<std::string> a{
        sample_path("https-server"), "--host", "127.0.0.1", "--port", "0", "--write-cert", ca};
    a.insert(a.end(), extra.begin(), extra.end());
    return a;
  }
};

TEST(HttpsSample, ClientWithTheServersCertificateAsCaPrintsStatusThenBody) {
  self_signed_server server;
  const run_result client = run_to_file({sample_path("https-client"), "--url",
                                         url(server.started.port, "/hello"), "--ca", server.ca});
  EXPECT_EQ(client.status, 0);
  EXPECT_EQ(client.out, seed_client_output);
  EXPECT_EQ(client.err, "");
  EXPECT_EQ(server.process.read_line(), "url /hello");

  server.process.signal(SIGTERM);
  EXPECT_EQ(server.process.read_line(), std::nullopt);
  EXPECT_EQ(server.process.wait(), 0);
  EXPECT_EQ(server.process.read_stderr(), "");
}

TEST(HttpsSample, InsecureClientTakesAnyCertificate) {
  self_signed_server server;
  for (const std::string target : {"/a/b?x=1&y=2", "/"}) {
    const run_result client = run_to_file(
        {sample_path("https-client"), "--url", url(server.started.port, target), "--insecure"});
    EXPECT_EQ(client.status, 0);
    EXPECT_EQ(client.out, "statusCode: 200\n" + target);
    EXPECT_EQ(server.process.read_line(), "url " + target);
  }
}

TEST(HttpsSample, ClientRefusesAServerItDoesNotTrust) {
  self_signed_server server;
  const std::string u = url(server.started.port, "/hello");
  const run_result client = run_to_file({sample_path("https-client"), "--url", u});
  EXPECT_EQ(client.status, 1);
  EXPECT_EQ(client.out, "") << "nothing on stdout, not even a status";
  EXPECT_EQ(client.err, "GET " + u +
                            ": handshake 127.0.0.1:" + std::to_string(server.started.port) +
                            ": certificate verify failed: self-signed certificate\n");
}

// The benchmarks' interface: --host --port --cert --key --quiet, every request answered with
// its URL, nothing printed but where it listens and its certificate.
TEST(HttpsSample, QuietServerWithCertAndKeyFilesAnswersEveryRequestWithItsUrl) {
  temp_dir dir;
  const key_files files = write_self_signed(dir);
  child_process server({sample_path("https-server"), "--host", "127.0.0.1", "--port", "0", "--cert",
                        files.cert, "--key", files.key, "--quiet"});
  const std::uint16_t port = listening_port(server, "127.0.0.1");
  EXPECT_EQ(server.read_line(), "certificate: " + files.cert + ", SHA-256 " + files.fingerprint);
  const run_result client =
      run_to_file({sample_path("https-client"), "--url",
                   "https://localhost:" + std::to_string(port) + "/q", "--ca", files.cert});
  EXPECT_EQ(client.status, 0);
  EXPECT_EQ(client.out, "statusCode: 200\n/q");
  server.signal(SIGTERM);
  EXPECT_EQ(server.read_lines(100), std::vector<std::string>{});
  EXPECT_EQ(server.wait(), 0);
}

TEST(HttpsSample, ServerSaysWhichKeyFileIsMissing) {
  temp_dir dir;
  const key_files files = write_self_signed(dir);
  const std::string missing = dir.file("missing.key");
  child_process server(
      {sample_path("https-server"), "--port", "0", "--cert", files.cert, "--key", missing});
  EXPECT_EQ(server.wait(), 1);
  EXPECT_EQ(server.read_line(), std::nullopt);
  EXPECT_EQ(server.read_stderr(),
            "private key " + missing + ": No such file or directory: bad certificate or key\n");
}

TEST(HttpsSample, ClientSaysWhichCaFileIsMissing) {
  temp_dir dir;
  const std::string missing = dir.file("missing.pem");
  const run_result client = run_to_file({sample_path("https-client"), "--ca", missing});
  EXPECT_EQ(client.status, 1);
  EXPECT_EQ(client.out, "");
  EXPECT_EQ(client.err,
            "CA file " + missing + ": No such file or directory: bad certificate or key\n");
}

TEST(HttpsSample, BadFlagsExitTwoWithUsage) {
  struct bad_flags {
    std::string program;
    std::vector<std::string> args;
    std::string message;
  };
  const std::vector<bad_flags> cases{
      {"https-server", {"--port", "70000"}, "https-server: --port must be a number"},
      {"https-server", {"--cert", "c.pem"}, "https-server: --cert and --key go together\n"},
      {"https-server", {"8443"}, "https-server: unexpected argument '8443'\n"},
      {"https-client", {"--bogus"}, "https-client: unknown option '--bogus'\n"},
      {"https-client",
       {"--insecure", "--ca", "c.pem"},
       "https-client: --ca and --insecure exclude each other\n"},
      {"https-client", {"--url"}, "https-client: --url needs a value\n"},
  };
  for (const bad_flags& b : cases) {
    std::vector<std::string> argv{sample_path(b.program)};
    argv.insert(argv.end(), b.args.begin(), b.args.end());
    SCOPED_TRACE(b.program + " " + b.args[0]);
    child_process p(argv);
    EXPECT_EQ(p.wait(), 2);
    EXPECT_EQ(p.read_line(), std::nullopt) << "nothing on stdout";
    const std::string err = p.read_stderr();
    EXPECT_THAT(err, StartsWith(b.message));
    EXPECT_THAT(err, HasSubstr("\nusage: " + b.program + " [--help]"));
  }
}

TEST(HttpsSample, HelpListsTheFlags) {
  child_process server({sample_path("https-server"), "--help"});
  EXPECT_EQ(server.read_line(),
            "usage: https-server [--help] [--host HOST] [--port PORT] [--cert FILE] [--key FILE] "
            "[--write-cert FILE] [--quiet]");
  EXPECT_EQ(server.wait(), 0);
  child_process client({sample_path("https-client"), "--help"});
  EXPECT_EQ(client.read_line(),
            "usage: https-client [--help] [--url URL] [--ca FILE] [--insecure]");
  EXPECT_EQ(client.wait(), 0);
}

TEST(HttpsSample, PlainHttpRequestToTheServerGets400) {
  self_signed_server server;
  const run_result client =
      run_to_file({sample_path("http-client"), "--url",
                   "http://127.0.0.1:" + std::to_string(server.started.port) + "/plain"});
  EXPECT_EQ(client.status, 0);
  EXPECT_EQ(client.out.substr(0, 16), "statusCode: 400\n");
}

TEST(HttpsSample, ServerStopsOnSigtermAndSigint) {
  for (int sig : {SIGTERM, SIGINT}) {
    self_signed_server server;
    server.process.signal(sig);
    EXPECT_EQ(server.process.wait(), 0);
    EXPECT_EQ(server.process.read_stderr(), "");
  }
}

// README's one-line `openssl req` makes a key pair both samples take as they are.
TEST(HttpsSample, ReadmesOpensslKeyPairServesAndVerifies) {
  const auto openssl = find_program("openssl");
  if (!openssl) GTEST_SKIP() << "openssl not found on PATH: this test runs openssl req";
  temp_dir dir;
  const std::string key = dir.file("key.pem"), cert = dir.file("cert.pem");
  child_process req({*openssl, "req", "-x509", "-newkey", "ec", "-pkeyopt",
                     "ec_paramgen_curve:P-256", "-nodes", "-keyout", key, "-out", cert, "-days",
                     "365", "-subj", "/CN=localhost", "-addext",
                     "subjectAltName=DNS:localhost,IP:127.0.0.1"});
  ASSERT_EQ(req.wait(), 0) << req.read_stderr();
  child_process server({sample_path("https-server"), "--host", "127.0.0.1", "--port", "0", "--cert",
                        cert, "--key", key});
  const std::uint16_t port = listening_port(server, "127.0.0.1");
  EXPECT_THAT(server.read_line(),
              ::testing::Optional(StartsWith("certificate: " + cert + ", SHA-256 ")));
  for (const std::string host : {"127.0.0.1", "localhost"}) {
    SCOPED_TRACE(host);
    const run_result client =
        run_to_file({sample_path("https-client"), "--url",
                     "https://" + host + ":" + std::to_string(port) + "/hello", "--ca", cert});
    EXPECT_EQ(client.status, 0) << client.err;
    EXPECT_EQ(client.out, seed_client_output);
    EXPECT_EQ(server.read_line(), "url /hello");
  }
}

using HttpsSampleNode = node_test;

TEST_F(HttpsSampleNode, NodeHttpsClientWithCaAgainstCoronetServer) {
  self_signed_server server;
  const run_result client = run_to_file({node, node_script("https_client.js"), "--port",
                                         std::to_string(server.started.port), "--ca", server.ca});
  EXPECT_EQ(client.status, 0);
  EXPECT_EQ(client.err, "");
  EXPECT_EQ(client.out, seed_client_output);
  EXPECT_EQ(server.process.read_line(), "url /hello");
  server.process.signal(SIGTERM);
  EXPECT_EQ(server.process.wait(), 0);
}

TEST_F(HttpsSampleNode, NodeHttpsClientRefusesTheSelfSignedServerWithoutCa) {
  self_signed_server server;
  const run_result client = run_to_file(
      {node, node_script("https_client.js"), "--port", std::to_string(server.started.port)});
  EXPECT_EQ(client.status, 1);
  EXPECT_EQ(client.out, "");
  // Node 17 and later, on OpenSSL 3: "self-signed certificate" (before: "self signed ...").
  EXPECT_THAT(client.err, HasSubstr("signed certificate"));
}

TEST_F(HttpsSampleNode, CoronetClientAgainstNodeHttpsServer) {
  temp_dir dir;
  const key_files files = write_self_signed(dir);
  child_process server({node, node_script("https_server.js"), "0", files.cert, files.key});
  const std::uint16_t port = listening_port(server, "[::]");
  for (const std::string host : {"127.0.0.1", "localhost"}) {
    SCOPED_TRACE(host);
    const run_result client = run_to_file(
        {sample_path("https-client"), "--url",
         "https://" + host + ":" + std::to_string(port) + "/hello", "--ca", files.cert});
    EXPECT_EQ(client.status, 0);
    EXPECT_EQ(client.err, "");
    EXPECT_EQ(client.out, seed_client_output);
    EXPECT_EQ(server.read_line(), "url /hello");
  }
}

// Both clients against both servers: every client prints the same bytes.
TEST_F(HttpsSampleNode, SameOutputWhicheverSideIsNode) {
  temp_dir dir;
  const key_files files = write_self_signed(dir);
  child_process coronet_server({sample_path("https-server"), "--host", "127.0.0.1", "--port", "0",
                                "--cert", files.cert, "--key", files.key});
  const std::uint16_t coronet_port = listening_port(coronet_server, "127.0.0.1");
  child_process node_server({node, node_script("https_server.js"), "0", files.cert, files.key});
  const std::uint16_t node_port = listening_port(node_server, "[::]");
  for (std::uint16_t port : {coronet_port, node_port}) {
    for (const std::string target : {"/hello", "/a/b?x=1&y=%20z"}) {
      SCOPED_TRACE((port == coronet_port ? "coronet server, " : "node server, ") + target);
      const run_result ours = run_to_file(
          {sample_path("https-client"), "--url", url(port, target), "--ca", files.cert});
      const run_result seed =
          run_to_file({node, node_script("https_client.js"), "--port", std::to_string(port),
                       "--path", target, "--ca", files.cert});
      EXPECT_EQ(ours.out, "statusCode: 200\n" + target);
      EXPECT_EQ(ours.out, seed.out);
      EXPECT_EQ(ours.status, seed.status);
    }
  }
}

}  // namespace
}  // namespace sample_test
