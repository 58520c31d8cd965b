// http::client with https:// URLs: against a coronet HTTPS server in the same loop (trusting the
// test CA through options.tls), the system's trust store refusing the test certificate, a
// certificate for another name, pooling over TLS (and never across schemes), close-delimited
// bodies with and without close_notify (raw TLS servers on tls::serve), the retry of an
// idempotent request on a pooled TLS connection the server closed, and Node's https server.
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "child_process.hpp"  // tests/samples: a program with its output on pipes
#include "client_test_support.hpp"
#include "coronet/tls/error.hpp"
#include "coronet/tls/serve.hpp"
#include "node_test.hpp"       // tests/samples: skipped without node
#include "sample_harness.hpp"  // listening_port()
#include "temp_dir.hpp"
#include "tls_test_support.hpp"  // tests/support: the test PKI

namespace coronet::http_client_test {
namespace {

tls::context server_context(const std::vector<std::string>& names = {"localhost", "127.0.0.1"}) {
  tls::context ctx = tls::context::server();
  ctx.use(tls_test::issue(tls_test::test_ca(), names));
  return ctx;
}

http::client_options trusting() {
  tls::context ctx = tls::context::client();
  ctx.add_certificate_authority(tls_test::test_ca().certificate_pem);
  http::client_options o;
  o.tls = ctx;
  return o;
}

std::string https_url(std::uint16_t port, std::string_view target) {
  return "https://127.0.0.1:" + std::to_string(port) + std::string(target);
}

task<http::response> echo_target(http::request& req) {
  co_return http::response(200, "secure " + req.target, "text/plain");
}

TEST(HttpsClient, GetTrustingTheTestCa) {
  with_https_server(echo_target, server_context(), [](served& s) -> task<> {
    http::client c(trusting());
    http::response r = co_await c.get(s.url("/hello"));
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.body, "secure /hello");
    http::response post = co_await c.request("POST", s.url("/p"), http::fields(), "body");
    EXPECT_EQ(post.body, "secure /p");
    // The one-shot http::get takes the same options.
    http::response once = co_await http::get(s.url("/once"), trusting());
    EXPECT_EQ(once.body, "secure /once");
  });
}

TEST(HttpsClient, SystemTrustStoreRefusesTheTestCertificate) {
  with_https_server(echo_target, server_context(), [](served& s) -> task<> {
    http::client c;  // options.tls empty: tls::context::client(), the system's store
    const std::string where = "127.0.0.1:" + std::to_string(s.port());
    failure f = co_await failure_of(c.get(s.url("/")));
    EXPECT_EQ(f.code, tls::errc::certificate_verify_failed);
    EXPECT_EQ(f.what, "GET https://" + where + "/: handshake " + where +
                          ": certificate verify failed: unable to get local issuer certificate");
    EXPECT_EQ(s.server.connection_count(), 0u);  // the client left during the handshake
  });
}

// The certificate names "localhost" only: a URL with the IP address does not match it (OpenSSL
// words it "IP address mismatch" for an IP), while the same server by its name is fine.
TEST(HttpsClient, CertificateForANameRefusesTheIpAddress) {
  with_https_server(echo_target, server_context({"localhost"}), [](served& s) -> task<> {
    http::client c(trusting());
    const std::string port = std::to_string(s.port());
    failure f = co_await failure_of(c.get(s.url("/")));
    EXPECT_EQ(f.code, tls::errc::certificate_verify_failed);
    EXPECT_EQ(f.what, "GET https://127.0.0.1:" + port + "/: handshake 127.0.0.1:" + port +
                          ": certificate verify failed: IP address mismatch");
    http::response fine = co_await c.get("https://localhost:" + port + "/by-name");
    EXPECT_EQ(fine.body, "secure /by-name");
  });
}

TEST(HttpsClient, CertificateForAnotherHostIsAHostnameMismatch) {
  with_https_server(echo_target, server_context({"other.example"}), [](served& s) -> task<> {
    http::client c(trusting());
    const std::string port = std::to_string(s.port());
    failure f = co_await failure_of(c.get("https://localhost:" + port + "/"));
    EXPECT_EQ(f.code, tls::errc::certificate_verify_failed);
    // The handshake names the address it reached.
    EXPECT_EQ(f.what, "GET https://localhost:" + port + "/: handshake 127.0.0.1:" + port +
                          ": certificate verify failed: hostname mismatch");
  });
}

TEST(HttpsClient, PoolReusesOneTlsConnection) {
  with_https_server(echo_target, server_context(), [](served& s) -> task<> {
    http::client c(trusting());
    http::response a = co_await c.get(s.url("/a"));
    http::response b = co_await c.get(s.url("/b"));
    EXPECT_EQ(a.body, "secure /a");
    EXPECT_EQ(b.body, "secure /b");
    EXPECT_EQ(s.accepted(), 1u);
    EXPECT_EQ(c.idle_connections(), 1u);
  });
}

// ---------------------------------------------------------------------------------------------
// Raw servers over TLS.

// The request head (up to the blank line) from `s`; bytes beyond it stay in `pending`. Empty
// when the client ended the stream first.
task<std::string> read_head(tls::stream& s, std::string& pending) {
  char buf[4096];
  for (;;) {
    const std::size_t end = pending.find("\r\n\r\n");
    if (end != std::string::npos) {
      std::string head = pending.substr(0, end + 4);
      pending.erase(0, end + 4);
      co_return head;
    }
    const std::size_t n = co_await s.read_some(std::span<char>(buf));
    if (n == 0) co_return std::string();
    pending.append(buf, n);
  }
}

std::string request_line(const std::string& head) {
  return head.substr(0, head.find("\r\n"));
}

// The client's side (`body`) while tls::serve runs `handler` on 127.0.0.1:PORT (certificate
// from the test CA); the server stops when `body` ends.
task<> body_then_stop(std::function<task<>(std::uint16_t)>& body, std::uint16_t port,
                      std::stop_source& stop) {
  std::exception_ptr error;
  try {
    co_await body(port);
  } catch (...) {
    error = std::current_exception();
  }
  stop.request_stop();
  if (error) std::rethrow_exception(error);
}

void with_tls_server(tls::tls_handler handler, std::function<task<>(std::uint16_t)> body) {
  in_loop([&]() -> task<> {
    tcp::listener l = tcp::listener::bind({"127.0.0.1", 0});
    std::stop_source stop;
    tls::serve_options o;
    o.serve.stop = stop.get_token();
    o.serve.drain_timeout = std::chrono::milliseconds(0);
    task<> serving = tls::serve(l, server_context(), std::move(handler), std::move(o));
    task<> client = body_then_stop(body, l.port(), stop);
    co_await when_all(std::move(serving), std::move(client));
  });
}

// A response delimited by the end of the connection (no Content-Length, not chunked), then
// `close_notify` or not.
tls::tls_handler close_delimited(bool close_notify) {
  return [close_notify](tls::stream& s) -> task<> {
    std::string pending;
    std::string head = co_await read_head(s, pending);
    if (head.empty()) co_return;
    co_await s.write_all("HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nthe whole body");
    if (close_notify) {
      co_await s.shutdown();
    } else {
      s.close();  // the TCP stream ends without close_notify: a cut, as an attacker could make
    }
  };
}

TEST(HttpsClient, CloseDelimitedBodyWithoutCloseNotifyIsTruncated) {
  with_tls_server(close_delimited(false), [](std::uint16_t port) -> task<> {
    http::client c(trusting());
    failure f = co_await failure_of(c.get(https_url(port, "/cut")));
    EXPECT_EQ(f.code, tls::errc::truncated) << f.what;
    EXPECT_NE(f.what.find("GET " + https_url(port, "/cut") + ": "), std::string::npos) << f.what;
    // Streaming, the body's pieces come, then the error: never a clean end.
    http::incoming in = co_await c.open("GET", https_url(port, "/cut"));
    failure rest = co_await failure_of(in.read_all());
    EXPECT_EQ(rest.code, tls::errc::truncated) << rest.what;
  });
}

TEST(HttpsClient, CloseDelimitedBodyWithCloseNotifyIsComplete) {
  with_tls_server(close_delimited(true), [](std::uint16_t port) -> task<> {
    http::client c(trusting());
    http::response r = co_await c.get(https_url(port, "/whole"));
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.body, "the whole body");
    EXPECT_EQ(c.idle_connections(), 0u);  // closed, not pooled
  });
}

// The first connection answers one request, then takes the next one the client sends on it (from
// the pool) and closes without answering, as a server does when its keep-alive timeout ends just
// then. A GET goes again on a new connection; a POST does not.
struct closing_after_first {
  int connections = 0;
  std::vector<std::string> seen;  // "<connection> <request line>"

  tls::tls_handler handler() {
    return [this](tls::stream& s) -> task<> {
      const int id = ++connections;
      std::string pending;
      for (;;) {
        std::string head = co_await read_head(s, pending);
        if (head.empty()) co_return;
        seen.push_back(std::to_string(id) + " " + request_line(head));
        if (id == 1 && seen.size() > 1) co_return;  // tls::serve sends close_notify, closes
        const std::string body = "answer " + std::to_string(seen.size());
        co_await s.write_all("HTTP/1.1 200 OK\r\nContent-Length: " + std::to_string(body.size()) +
                             "\r\n\r\n" + body);
      }
    };
  }
};

TEST(HttpsClient, IdempotentRequestIsRetriedWhenThePooledTlsConnectionWasClosed) {
  closing_after_first server;
  with_tls_server(server.handler(), [&](std::uint16_t port) -> task<> {
    http::client c(trusting());
    http::response first = co_await c.get(https_url(port, "/first"));
    EXPECT_EQ(first.body, "answer 1");
    EXPECT_EQ(c.idle_connections(), 1u);
    http::response second = co_await c.get(https_url(port, "/second"));
    EXPECT_EQ(second.body, "answer 3");
    EXPECT_EQ(server.seen,
              (std::vector<std::string>{"1 GET /first HTTP/1.1", "1 GET /second HTTP/1.1",
                                        "2 GET /second HTTP/1.1"}));
  });
}

TEST(HttpsClient, PostIsNotRetriedWhenThePooledTlsConnectionWasClosed) {
  closing_after_first server;
  with_tls_server(server.handler(), [&](std::uint16_t port) -> task<> {
    http::client c(trusting());
    http::response first = co_await c.get(https_url(port, "/first"));
    EXPECT_EQ(first.body, "answer 1");
    failure f =
        co_await failure_of(c.request("POST", https_url(port, "/post"), http::fields(), "x"));
    EXPECT_TRUE(f.failed());
    EXPECT_EQ(server.connections, 1);
  });
}

// One port, two schemes: the raw server takes a plain connection first, then a TLS one. An
// https:// request must not go out on the pooled plain connection (nor the reverse).
TEST(HttpsClient, HttpAndHttpsToOneHostAndPortNeverShareAConnection) {
  in_loop([]() -> task<> {
    tcp::listener l = tcp::listener::bind({"127.0.0.1", 0});
    const std::string host = "127.0.0.1:" + std::to_string(l.port());
    std::vector<std::string> seen;
    auto server = [&]() -> task<> {
      stream plain = co_await l.accept();
      std::string plain_pending;
      std::optional<raw_request> a = co_await read_request(plain, plain_pending);
      seen.push_back("plain " + a->request_line());
      co_await plain.write_all("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nplain");
      stream next = co_await l.accept();
      tls::stream secure = tls::stream::server(std::move(next), server_context());
      co_await secure.handshake();
      std::string secure_pending;
      std::string b = co_await read_head(secure, secure_pending);
      seen.push_back("secure " + request_line(b));
      co_await secure.write_all("HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\nsecure");
      std::optional<raw_request> c = co_await read_request(plain, plain_pending);
      seen.push_back("plain " + c->request_line());
      co_await plain.write_all("HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\nplain2");
      std::string d = co_await read_head(secure, secure_pending);
      seen.push_back("secure " + request_line(d));
      co_await secure.write_all("HTTP/1.1 200 OK\r\nContent-Length: 7\r\n\r\nsecure2");
    };
    auto client = [&]() -> task<> {
      http::client c(trusting());
      http::response a = co_await c.get("http://" + host + "/a");
      http::response b = co_await c.get("https://" + host + "/b");
      http::response cc = co_await c.get("http://" + host + "/c");
      http::response d = co_await c.get("https://" + host + "/d");
      EXPECT_EQ(a.body + " " + b.body + " " + cc.body + " " + d.body,
                "plain secure plain2 secure2");
      EXPECT_EQ(c.idle_connections(), 2u);
    };
    task<> serving = server();
    task<> asking = client();
    co_await when_all(std::move(serving), std::move(asking));
    EXPECT_EQ(seen, (std::vector<std::string>{"plain GET /a HTTP/1.1", "secure GET /b HTTP/1.1",
                                              "plain GET /c HTTP/1.1", "secure GET /d HTTP/1.1"}));
  });
}

// ---------------------------------------------------------------------------------------------
// Node's https server (node/https_server.js).

class HttpsClientNode : public sample_test::node_test {};

TEST_F(HttpsClientNode, GetsFromNodesHttpsServerAndReusesTheConnection) {
  test::temp_dir dir;
  const tls_test::pem_files files =
      tls_test::write_pem(dir, "server", tls_test::issue(tls_test::test_ca(), {"127.0.0.1"}));
  sample_test::child_process server(
      {node, std::string(HTTP_CLIENT_NODE_DIR) + "/https_server.js", files.cert, files.key});
  const std::uint16_t port = sample_test::listening_port(server, "127.0.0.1");
  in_loop([&]() -> task<> {
    http::client c(trusting());
    http::response a = co_await c.get(https_url(port, "/a"));
    http::response b = co_await c.get(https_url(port, "/b?x=1"));
    EXPECT_EQ(a.status, 200);
    EXPECT_EQ(a.body, "/a TLSv1.3 http/1.1 1");
    EXPECT_EQ(b.body, "/b?x=1 TLSv1.3 http/1.1 1");
    // TLS 1.2 only: Node's server follows.
    http::client_options o = trusting();
    o.tls->set_max_version(tls::version::tls1_2);
    http::client old(o);
    http::response v12 = co_await old.get(https_url(port, "/old"));
    EXPECT_EQ(v12.body, "/old TLSv1.2 http/1.1 2");
  });
}

}  // namespace
}  // namespace coronet::http_client_test
