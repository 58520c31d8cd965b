// tls-echo-server and tls-echo-client (the seed's echo over Node's tls): the TCP echo's lines
// over TLS, against each other, Node's tls and `openssl s_client`; the certificate flags; a
// graceful stop that ends each connection with close_notify.
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

// The server with its self-signed certificate, written where a client's --ca finds it.
struct self_signed_server {
  temp_dir dir;
  std::string ca = dir.file("ca.pem");
  child_process process;
  started_server started;
  std::string port;
  explicit self_signed_server(std::string host = "127.0.0.1")
      : process(
            {sample_path("tls-echo-server"), "--host", host, "--port", "0", "--write-cert", ca}),
        started(start_self_signed(process, host)),
        port(std::to_string(started.port)) {}
};

TEST(TlsEcho, ServerAndClientPrintTheSeedLinesWithTheServersCertificateAsCa) {
  self_signed_server server;
  child_process client({sample_path("tls-echo-client"), "--port", server.port, "--ca", server.ca,
                        "--count", "3", "--interval-ms", exchange_interval_ms});

  EXPECT_EQ(client.read_lines(100), client_lines(3));
  EXPECT_EQ(client.wait(), 0);
  EXPECT_EQ(client.read_stderr(), "");
  EXPECT_EQ(server.process.read_lines(tcp_server_lines(3).size()), tcp_server_lines(3));

  server.process.signal(SIGTERM);
  EXPECT_EQ(server.process.read_line(), std::nullopt);
  EXPECT_EQ(server.process.wait(), 0);
  EXPECT_EQ(server.process.read_stderr(), "") << "the client ended with close_notify, not a cut";
}

TEST(TlsEcho, InsecureClientTakesAnyCertificate) {
  self_signed_server server;
  child_process client({sample_path("tls-echo-client"), "--port", server.port, "--insecure",
                        "--message", "hi there", "--count", "1", "--interval-ms", "1"});
  EXPECT_EQ(client.read_lines(100), client_lines(1, "hi there"));
  EXPECT_EQ(client.wait(), 0);
  EXPECT_EQ(server.process.read_lines(4), tcp_server_lines(1, "hi there"));
}

TEST(TlsEcho, ClientRefusesAServerItDoesNotTrust) {
  self_signed_server server;
  child_process client({sample_path("tls-echo-client"), "--port", server.port, "--count", "1",
                        "--interval-ms", "1"});
  EXPECT_EQ(client.wait(), 1);
  EXPECT_EQ(client.read_line(), std::nullopt) << "not even 'connected.'";
  EXPECT_EQ(client.read_stderr(), "handshake 127.0.0.1:" + server.port +
                                      ": certificate verify failed: self-signed certificate\n");
  // The server goes on serving, and says why the first client got nowhere.
  child_process next({sample_path("tls-echo-client"), "--port", server.port, "--ca", server.ca,
                      "--count", "1", "--interval-ms", "1", "--quiet"});
  EXPECT_EQ(next.wait(), 0);
  EXPECT_EQ(server.process.read_lines(4), tcp_server_lines(1));
  server.process.signal(SIGTERM);
  EXPECT_EQ(server.process.wait(), 0);
  EXPECT_THAT(server.process.read_stderr(), StartsWith("handshake 127.0.0.1:"));
}

TEST(TlsEcho, ClientChecksTheNameInTheCertificate) {
  // The self-signed certificate names localhost, 127.0.0.1 and ::1: trusted, but not for
  // another name of the same address.
  self_signed_server server("0.0.0.0");
  child_process client({sample_path("tls-echo-client"), "--host", "127.0.0.2", "--port",
                        server.port, "--ca", server.ca, "--count", "1", "--interval-ms", "1"});
  EXPECT_EQ(client.wait(), 1);
  EXPECT_THAT(client.read_stderr(), HasSubstr("certificate verify failed"));
}

TEST(TlsEcho, ServerTakesCertAndKeyFilesAndPrintsTheirFingerprint) {
  temp_dir dir;
  const key_files files = write_self_signed(dir);
  child_process server({sample_path("tls-echo-server"), "--port", "0", "--cert", files.cert,
                        "--key", files.key, "--quiet"});
  const auto port = std::to_string(listening_port(server));
  EXPECT_EQ(server.read_line(), "certificate: " + files.cert + ", SHA-256 " + files.fingerprint);
  child_process client({sample_path("tls-echo-client"), "--host", "localhost", "--port", port,
                        "--ca", files.cert, "--count", "2", "--interval-ms", "1", "--quiet"});
  EXPECT_EQ(client.read_lines(100), std::vector<std::string>{"connected."});
  EXPECT_EQ(client.wait(), 0);
  EXPECT_EQ(server.read_lines(2),
            (std::vector<std::string>{"socket connected", "socket disconnected"}));
}

TEST(TlsEcho, ServerSaysWhichCertificateFileIsMissing) {
  temp_dir dir;
  const key_files files = write_self_signed(dir);
  const std::string missing = dir.file("missing.pem");
  child_process server(
      {sample_path("tls-echo-server"), "--port", "0", "--cert", missing, "--key", files.key});
  EXPECT_EQ(server.wait(), 1);
  EXPECT_EQ(server.read_line(), std::nullopt);
  EXPECT_EQ(server.read_stderr(), "certificate chain " + missing +
                                      ": No such file or directory: bad certificate or key\n");
  child_process no_key(
      {sample_path("tls-echo-server"), "--port", "0", "--cert", files.cert, "--key", missing});
  EXPECT_EQ(no_key.wait(), 1);
  EXPECT_EQ(no_key.read_stderr(),
            "private key " + missing + ": No such file or directory: bad certificate or key\n");
}

TEST(TlsEcho, CertificateFlagsThatDoNotGoTogetherExitTwo) {
  struct bad_flags {
    std::string program;
    std::vector<std::string> args;
    std::string message;
  };
  const std::vector<bad_flags> cases{
      {"tls-echo-server", {"--cert", "c.pem"}, "--cert and --key go together"},
      {"tls-echo-server", {"--key", "k.pem"}, "--cert and --key go together"},
      {"tls-echo-server",
       {"--cert", "c.pem", "--key", "k.pem", "--write-cert", "w.pem"},
       "--write-cert is for the self-signed certificate"},
      {"tls-echo-client",
       {"--ca", "c.pem", "--insecure"},
       "--ca and --insecure exclude each other"},
      {"tls-echo-client", {"--insecure=yes"}, "--insecure takes no value"},
      {"tls-echo-client", {"--port", "0"}, "--port must be a number from 1 to 65535"},
  };
  for (const bad_flags& b : cases) {
    std::vector<std::string> argv{sample_path(b.program)};
    argv.insert(argv.end(), b.args.begin(), b.args.end());
    SCOPED_TRACE(b.program + " " + b.args[0]);
    child_process p(argv);
    EXPECT_EQ(p.wait(), 2);
    EXPECT_EQ(p.read_line(), std::nullopt) << "nothing on stdout";
    const std::string err = p.read_stderr();
    EXPECT_THAT(err, StartsWith(b.program + ": " + b.message));
    EXPECT_THAT(err, HasSubstr("\nusage: " + b.program + " [--help]"));
  }
}

TEST(TlsEcho, ClientReportsConnectionRefused) {
  refusing_port nobody;
  const std::string port = std::to_string(nobody.port());
  child_process client({sample_path("tls-echo-client"), "--port", port, "--insecure"});
  EXPECT_EQ(client.wait(), 1);
  EXPECT_EQ(client.read_stderr(), "connect 127.0.0.1:" + port + ": Connection refused\n");
}

// SIGTERM ends each connection with close_notify: the client reads a clean end and prints
// "disconnected.", as over TCP (a cut would be "truncated", exit 1).
TEST(TlsEcho, ClientPrintsDisconnectedWhenTheServerIsStopped) {
  self_signed_server server;
  child_process client({sample_path("tls-echo-client"), "--port", server.port, "--ca", server.ca,
                        "--interval-ms", idle_interval_ms, "--quiet"});
  EXPECT_EQ(client.read_line(), "connected.");
  EXPECT_EQ(server.process.read_line(), "socket connected");

  server.process.signal(SIGTERM);
  EXPECT_EQ(server.process.read_lines(100), std::vector<std::string>{"socket disconnected"});
  EXPECT_EQ(server.process.wait(), 0);
  EXPECT_EQ(client.read_lines(100), std::vector<std::string>{"disconnected."});
  EXPECT_EQ(client.wait(), 0);
  EXPECT_EQ(client.read_stderr(), "");
}

TEST(TlsEcho, ServerStopsOnSigint) {
  self_signed_server server;
  server.process.signal(SIGINT);
  EXPECT_EQ(server.process.wait(), 0);
  EXPECT_EQ(server.process.read_stderr(), "");
}

// `openssl s_client` as the client, checking the certificate against --write-cert's file: what
// it sends comes back, and the server's close_notify on SIGTERM ends it cleanly.
TEST(TlsEcho, OpensslClientGetsItsBytesBack) {
  const auto openssl = find_program("openssl");
  if (!openssl) GTEST_SKIP() << "openssl not found on PATH: this test runs openssl s_client";
  self_signed_server server;
  child_process client(
      {"/bin/sh", "-c",
       "printf hello | exec \"$0\" s_client -quiet -connect 127.0.0.1:" + server.port +
           " -CAfile \"$1\" -verify_return_error -verify_ip 127.0.0.1",
       *openssl, server.ca});
  EXPECT_EQ(server.process.read_lines(3),
            (std::vector<std::string>{"socket connected", "receive: hello", "send: hello"}));
  server.process.signal(SIGTERM);
  EXPECT_EQ(server.process.read_lines(100), std::vector<std::string>{"socket disconnected"});
  EXPECT_EQ(server.process.wait(), 0);
  EXPECT_EQ(client.read_lines(100), std::vector<std::string>{"hello"});
  EXPECT_EQ(client.wait(), 0);
}

using TlsEchoNode = node_test;

TEST_F(TlsEchoNode, NodeTlsClientAgainstCoronetServer) {
  self_signed_server server;
  child_process client({node, node_script("echo_client.js"), "--tls", "--ca", server.ca, "--port",
                        server.port, "--count", "3", "--interval-ms", exchange_interval_ms});
  EXPECT_EQ(client.read_lines(100), client_lines(3));
  EXPECT_EQ(client.wait(), 0);
  EXPECT_EQ(client.read_stderr(), "");
  EXPECT_EQ(server.process.read_lines(tcp_server_lines(3).size()), tcp_server_lines(3));
  server.process.signal(SIGTERM);
  EXPECT_EQ(server.process.wait(), 0);
  EXPECT_EQ(server.process.read_stderr(), "") << "Node ended with close_notify";
}

TEST_F(TlsEchoNode, CoronetClientAgainstNodeTlsServer) {
  temp_dir dir;
  const key_files files = write_self_signed(dir);
  child_process server({node, node_script("tls_echo_server.js"), "0", files.cert, files.key});
  const auto port = std::to_string(listening_port(server, "[::]"));
  child_process client({sample_path("tls-echo-client"), "--port", port, "--ca", files.cert,
                        "--count", "3", "--interval-ms", exchange_interval_ms});
  EXPECT_EQ(client.read_lines(100), client_lines(3));
  EXPECT_EQ(client.wait(), 0);
  EXPECT_EQ(client.read_stderr(), "");
  EXPECT_EQ(server.read_lines(tcp_server_lines(3).size()), tcp_server_lines(3));
}

TEST_F(TlsEchoNode, CoronetClientPrintsDisconnectedWhenNodeServerEnds) {
  temp_dir dir;
  const key_files files = write_self_signed(dir);
  child_process server({node, node_script("tls_echo_server.js"), "0", files.cert, files.key});
  const auto port = std::to_string(listening_port(server, "[::]"));
  child_process client({sample_path("tls-echo-client"), "--port", port, "--ca", files.cert,
                        "--interval-ms", idle_interval_ms, "--quiet"});
  EXPECT_EQ(client.read_line(), "connected.");
  EXPECT_EQ(server.read_line(), "socket connected");
  server.signal(SIGTERM);  // Node exits at once, without close_notify: the client sees a cut
  EXPECT_EQ(client.wait(), 1);
  EXPECT_THAT(client.read_stderr(), HasSubstr("truncated"));
}

}  // namespace
}  // namespace sample_test
