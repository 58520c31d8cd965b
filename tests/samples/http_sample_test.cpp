// http-server and http-client against each other and against the Node seed programs
// (node/http_server.js, node/http_client.js): the same output, byte for byte, whichever side is
// written in which language; usage errors; failures; stopping on a signal.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <csignal>
#include <memory>
#include <string>
#include <vector>

#include "child_process.hpp"
#include "node_test.hpp"
#include "sample_harness.hpp"
#include "test_support.hpp"

namespace sample_test {
namespace {

using ::testing::StartsWith;

// What the seed's client prints for a 200 with the body "/hello": the status line, then the
// body exactly as it came (no newline after it).
const std::string seed_client_output = "statusCode: 200\n/hello";

std::string url(std::uint16_t port, std::string_view target) {
  return "http://127.0.0.1:" + std::to_string(port) + std::string(target);
}

// A blocking connection from the test thread to 127.0.0.1:port.
class raw_connection {
 public:
  explicit raw_connection(std::uint16_t port) : fd_(::socket(AF_INET, SOCK_STREAM, 0)) {
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (fd_ < 0 || ::connect(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0)
      throw std::system_error(errno, std::generic_category(), "connect");
    timeval tv{5, 0};  // every read below is bounded
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  }
  ~raw_connection() { ::close(fd_); }
  void send(std::string_view s) {
    ASSERT_EQ(::send(fd_, s.data(), s.size(), MSG_NOSIGNAL), ssize_t(s.size()));
  }
  // Reads until `what` has arrived or the connection ends; returns what arrived.
  std::string read_until(std::string_view what) {
    std::string got;
    char buf[4096];
    while (got.find(what) == std::string::npos) {
      const ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
      if (n <= 0) break;
      got.append(buf, std::size_t(n));
    }
    return got;
  }
  // 0: the peer closed; -1: an error (errno), e.g. EAGAIN after the 5 s bound.
  ssize_t read_some(std::string& into) {
    char buf[4096];
    const ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
    if (n > 0) into.append(buf, std::size_t(n));
    return n;
  }

 private:
  int fd_;
};

TEST(HttpSample, ClientPrintsStatusThenBodyFromServer) {
  child_process server({sample_path("http-server"), "--port", "0"});
  const std::uint16_t port = listening_port(server);
  const run_result client = run_to_file({sample_path("http-client"), "--url", url(port, "/hello")});
  EXPECT_EQ(client.status, 0);
  EXPECT_EQ(client.out, seed_client_output);
  EXPECT_EQ(client.err, "");
  EXPECT_EQ(server.read_line(), "url /hello");

  server.signal(SIGTERM);
  EXPECT_EQ(server.read_line(), std::nullopt);
  EXPECT_EQ(server.wait(), 0);
  EXPECT_EQ(server.read_stderr(), "");
}

TEST(HttpSample, ClientDefaultsToTheSeedsUrl) {
  // The seed fetches /hello from port 8888: with no flags the client asks exactly that. Only
  // checked when nothing listens there, from what the client reports.
  const run_result client = run_to_file({sample_path("http-client")});
  if (client.status == 0) GTEST_SKIP() << "something answers on port 8888 here";
  EXPECT_EQ(client.status, 1);
  EXPECT_EQ(client.out, "");
  EXPECT_EQ(client.err,
            "GET http://127.0.0.1:8888/hello: connect 127.0.0.1:8888: Connection refused\n");
}

TEST(HttpSample, ServerPrintsAUrlLinePerRequestInOrder) {
  child_process server({sample_path("http-server"), "--host", "127.0.0.1", "--port", "0"});
  const std::uint16_t port = listening_port(server, "127.0.0.1");
  const std::vector<std::string> targets{"/hello", "/a/b?x=1&y=2", "/", "/%20space"};
  for (const std::string& target : targets) {
    const run_result client = run_to_file({sample_path("http-client"), "--url", url(port, target)});
    EXPECT_EQ(client.status, 0);
    EXPECT_EQ(client.out, "statusCode: 200\n" + target);
  }
  std::vector<std::string> expected;
  for (const std::string& target : targets) expected.push_back("url " + target);
  EXPECT_EQ(server.read_lines(targets.size()), expected);
}

TEST(HttpSample, QuietServerPrintsOnlyWhereItListens) {
  child_process server({sample_path("http-server"), "--port", "0", "--quiet"});
  const std::uint16_t port = listening_port(server);
  const run_result client = run_to_file({sample_path("http-client"), "--url", url(port, "/q")});
  EXPECT_EQ(client.out, "statusCode: 200\n/q");
  server.signal(SIGTERM);
  EXPECT_EQ(server.read_lines(100), std::vector<std::string>{});
  EXPECT_EQ(server.wait(), 0);
}

TEST(HttpSample, ServerKeepsConnectionsAliveAndAnswersPipelinedRequests) {
  child_process server({sample_path("http-server"), "--port", "0", "--quiet"});
  raw_connection c(listening_port(server));
  c.send("GET /one HTTP/1.1\r\nHost: x\r\n\r\nGET /two HTTP/1.1\r\nHost: x\r\n\r\n");
  const std::string got = c.read_until("\r\n\r\n/two");
  EXPECT_THAT(got, StartsWith("HTTP/1.1 200 OK\r\n"));
  EXPECT_NE(got.find("Content-Length: 4\r\n\r\n/one"), std::string::npos) << got;
  EXPECT_NE(got.find("Content-Length: 4\r\n\r\n/two"), std::string::npos) << got;
}

TEST(HttpSample, ClientReportsConnectionRefused) {
  refusing_port nobody;
  const std::string u = url(nobody.port(), "/hello");
  const run_result client = run_to_file({sample_path("http-client"), "--url", u});
  EXPECT_EQ(client.status, 1);
  EXPECT_EQ(client.out, "") << "nothing on stdout, not even a status";
  EXPECT_EQ(client.err, "GET " + u + ": connect 127.0.0.1:" + std::to_string(nobody.port()) +
                            ": Connection refused\n");
}

// ftp://: unsupported whether TLS is built in (https:// is then fetched; https-client is the
// sample for it) or not.
TEST(HttpSample, ClientReportsAnUnsupportedUrl) {
  const run_result client =
      run_to_file({sample_path("http-client"), "--url", "ftp://127.0.0.1/hello"});
  EXPECT_EQ(client.status, 1);
  EXPECT_EQ(client.out, "");
  EXPECT_THAT(client.err, StartsWith("GET ftp://127.0.0.1/hello: only http:// "));
  EXPECT_THAT(client.err, ::testing::EndsWith(" supported: unsupported URL\n"));
}

TEST(HttpSample, BadFlagsExitTwoWithUsage) {
  struct bad_flags {
    std::string program;
    std::vector<std::string> args;
    std::string message;
  };
  const std::vector<bad_flags> cases{
      {"http-server", {"--bogus"}, "http-server: unknown option '--bogus'\n"},
      {"http-server", {"--port", "70000"}, "http-server: "},
      {"http-server", {"--port", "eighty"}, "http-server: "},
      {"http-server", {"--quiet=yes"}, "http-server: --quiet takes no value\n"},
      {"http-server", {"8888"}, "http-server: unexpected argument '8888'\n"},
      {"http-client", {"--bogus"}, "http-client: unknown option '--bogus'\n"},
      {"http-client", {"--url"}, "http-client: "},
      {"http-client", {"http://127.0.0.1:8888/"}, "http-client: unexpected argument"},
  };
  for (const bad_flags& b : cases) {
    std::vector<std::string> argv{sample_path(b.program)};
    argv.insert(argv.end(), b.args.begin(), b.args.end());
    child_process p(argv);
    SCOPED_TRACE(b.program + " " + b.args[0]);
    EXPECT_EQ(p.wait(), 2);
    EXPECT_EQ(p.read_line(), std::nullopt) << "nothing on stdout";
    const std::string err = p.read_stderr();
    EXPECT_THAT(err, StartsWith(b.message));
    EXPECT_THAT(err, ::testing::HasSubstr("\nusage: " + b.program + " [--help]"));
  }
}

TEST(HttpSample, HelpListsTheFlags) {
  child_process server({sample_path("http-server"), "--help"});
  EXPECT_EQ(server.read_line(),
            "usage: http-server [--help] [--host HOST] [--port PORT] [--quiet]");
  EXPECT_EQ(server.wait(), 0);
  child_process client({sample_path("http-client"), "--help"});
  EXPECT_EQ(client.read_line(), "usage: http-client [--help] [--url URL]");
  EXPECT_EQ(client.wait(), 0);
}

TEST(HttpSample, ServerSaysWhenThePortIsTaken) {
  child_process first({sample_path("http-server"), "--host", "127.0.0.1", "--port", "0"});
  const auto port = std::to_string(listening_port(first, "127.0.0.1"));
  child_process second({sample_path("http-server"), "--host", "127.0.0.1", "--port", port});
  EXPECT_EQ(second.wait(), 1);
  EXPECT_EQ(second.read_stderr(), "bind 127.0.0.1:" + port + ": Address already in use\n");
}

TEST(HttpSample, ServerStopsPromptlyOnSigtermAndSigint) {
  for (int sig : {SIGTERM, SIGINT}) {
    child_process server({sample_path("http-server"), "--port", "0"});
    listening_port(server);
    coronet::test::stopwatch clock;
    server.signal(sig);
    EXPECT_EQ(server.wait(), 0) << "128 + n: killed by signal n";
    EXPECT_LT(clock.elapsed(), coronet::test::prompt);
    EXPECT_EQ(server.read_stderr(), "");
  }
}

// An idle keep-alive connection does not hold the server up: SIGTERM closes it and the server
// exits at once, not after the 5 s keep-alive timeout.
TEST(HttpSample, ServerStopsPromptlyWithAnIdleKeepAliveConnection) {
  child_process server({sample_path("http-server"), "--port", "0", "--quiet"});
  raw_connection c(listening_port(server));
  c.send("GET /idle HTTP/1.1\r\nHost: x\r\n\r\n");
  std::string got = c.read_until("\r\n\r\n/idle");
  EXPECT_NE(got.find("Connection: keep-alive"), std::string::npos) << got;
  coronet::test::stopwatch clock;
  server.signal(SIGTERM);
  EXPECT_EQ(server.wait(), 0);
  EXPECT_LT(clock.elapsed(), std::chrono::seconds(3)) << "under the 5 s keep-alive timeout";
  std::string rest;
  EXPECT_EQ(c.read_some(rest), 0) << "the connection was closed: " << rest;
}

// SIGINT with requests in flight closes the server gracefully, as docs/http.md's example does:
// each of 50 requests whose body is still coming gets its response (with "Connection: close")
// once the body arrives, then the close; before, every one of them got EOF and no response.
// In flight, for sure: each client waits for "100 Continue", which the server sends only once
// it has parsed the head and waits for the body. An idle keep-alive connection shows when the
// server has taken the signal (it is closed at once), and only then do the bodies go out.
TEST(HttpSample, SigintAnswersEveryRequestInFlightThenExits) {
  child_process server({sample_path("http-server"), "--port", "0", "--quiet"});
  const std::uint16_t port = listening_port(server);
  raw_connection idle(port);
  idle.send("GET /idle HTTP/1.1\r\nHost: x\r\n\r\n");
  const std::string first = idle.read_until("\r\n\r\n/idle");
  ASSERT_NE(first.find("HTTP/1.1 200 OK"), std::string::npos) << first;
  constexpr int in_flight = 50;
  std::vector<std::unique_ptr<raw_connection>> clients;
  for (int i = 0; i < in_flight; ++i) {
    clients.push_back(std::make_unique<raw_connection>(port));
    clients.back()->send("POST /req-" + std::to_string(i) +
                         " HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n"
                         "Expect: 100-continue\r\n\r\n");
    const std::string cont = clients.back()->read_until("\r\n\r\n");
    ASSERT_EQ(cont, "HTTP/1.1 100 Continue\r\n\r\n") << i;
  }
  server.signal(SIGINT);
  std::string rest;
  ASSERT_EQ(idle.read_some(rest), 0) << "the idle connection closes on the signal: " << rest;
  for (int i = 0; i < in_flight; ++i) {
    SCOPED_TRACE(i);
    raw_connection& c = *clients[std::size_t(i)];
    c.send("hello");
    std::string got;
    while (c.read_some(got) > 0) {
    }
    const std::string body = "/req-" + std::to_string(i);
    EXPECT_TRUE(got.starts_with("HTTP/1.1 200 OK\r\n")) << got;
    EXPECT_NE(got.find("Connection: close\r\n"), std::string::npos) << got;
    EXPECT_TRUE(got.ends_with("\r\n\r\n" + body)) << got;
  }
  EXPECT_EQ(server.wait(), 0);
  EXPECT_EQ(server.read_stderr(), "");
}

using HttpSampleNode = sample_test::node_test;

TEST_F(HttpSampleNode, NodeSeedClientAgainstCoronetServer) {
  child_process server({sample_path("http-server"), "--port", "0"});
  const auto port = std::to_string(listening_port(server));
  const run_result client = run_to_file({node, node_script("http_client.js"), "--port", port});
  EXPECT_EQ(client.status, 0);
  EXPECT_EQ(client.err, "");
  EXPECT_EQ(client.out, seed_client_output);
  EXPECT_EQ(server.read_line(), "url /hello");
  server.signal(SIGTERM);
  EXPECT_EQ(server.wait(), 0);
}

TEST_F(HttpSampleNode, CoronetClientAgainstNodeSeedServer) {
  child_process server({node, node_script("http_server.js"), "0"});
  const auto port = listening_port(server, "[::]");
  const run_result client = run_to_file({sample_path("http-client"), "--url", url(port, "/hello")});
  EXPECT_EQ(client.status, 0);
  EXPECT_EQ(client.err, "");
  EXPECT_EQ(client.out, seed_client_output);
  EXPECT_EQ(server.read_line(), "url /hello");
}

// Both clients against both servers, several targets: every client prints the same bytes and
// every server the same lines.
TEST_F(HttpSampleNode, SameOutputWhicheverSideIsNode) {
  child_process coronet_server({sample_path("http-server"), "--port", "0"});
  const std::uint16_t coronet_port = listening_port(coronet_server);
  child_process node_server({node, node_script("http_server.js"), "0"});
  const std::uint16_t node_port = listening_port(node_server, "[::]");

  const std::vector<std::string> targets{"/hello", "/a/b?x=1&y=%20z", "/"};
  for (std::uint16_t port : {coronet_port, node_port}) {
    for (const std::string& target : targets) {
      SCOPED_TRACE((port == coronet_port ? "coronet server, " : "node server, ") + target);
      const run_result ours = run_to_file({sample_path("http-client"), "--url", url(port, target)});
      const run_result seed = run_to_file(
          {node, node_script("http_client.js"), "--port", std::to_string(port), "--path", target});
      EXPECT_EQ(ours.out, "statusCode: 200\n" + target);
      EXPECT_EQ(ours.out, seed.out);
      EXPECT_EQ(ours.status, seed.status);
    }
  }
  std::vector<std::string> expected;
  for (const std::string& target : targets) {
    expected.push_back("url " + target);
    expected.push_back("url " + target);
  }
  EXPECT_EQ(coronet_server.read_lines(expected.size()), expected);
  EXPECT_EQ(node_server.read_lines(expected.size()), expected);
}

// The client prints any status and passes the body through unchanged as it arrives in pieces
// (here a Node server answering 404 with a chunked body that has newlines of its own).
TEST_F(HttpSampleNode, ClientPrintsOtherStatusesAndChunkedBodiesUnchanged) {
  child_process server(
      {node, "-e",
       "const s = require('http').createServer((req, res) => {"
       "  res.statusCode = 404; res.write('not\\nhere'); setImmediate(() => res.end('\\n!'))"
       "}); s.listen(0, '127.0.0.1', () => console.log('listening on 127.0.0.1:' + "
       "s.address().port))"});
  const std::uint16_t port = listening_port(server, "127.0.0.1");
  const run_result ours = run_to_file({sample_path("http-client"), "--url", url(port, "/x")});
  const run_result seed = run_to_file(
      {node, node_script("http_client.js"), "--port", std::to_string(port), "--path", "/x"});
  EXPECT_EQ(ours.status, 0) << "a response, whatever its status, is not a failure";
  EXPECT_EQ(ours.out, "statusCode: 404\nnot\nhere\n!");
  EXPECT_EQ(ours.out, seed.out);
}

}  // namespace
}  // namespace sample_test
