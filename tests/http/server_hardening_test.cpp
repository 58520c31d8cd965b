// Issue 16's hardening of the request head: bare LF line endings anywhere in a head, the chunk
// framing or the trailers (llhttp 8 accepts some: the request line's, the head's and the
// trailers' last one); absolute-form targets (routed by their path, their authority replacing
// Host); CONNECT (no tunnels: 405 and close); Host values that are no authority.
#include <gtest/gtest.h>

#include <string>

#include "coronet/http/router.hpp"
#include "http_test_support.hpp"

namespace coronet::http_test {
namespace {

const std::string post_head = "POST / HTTP/1.1\r\nHost: test\r\n";
const std::string chunked_head = post_head + "Transfer-Encoding: chunked\r\n\r\n";

// RFC 9112 2.2: every line ends in CRLF. Each of these was served by llhttp 8.1 (and the request
// pipelined behind it too); Node 20 refuses all of them, and so does coronet.
TEST(ServerBareLf, EndingTheRequestLine) {
  expect_rejected("GET / HTTP/1.1\nHost: test\r\n\r\n", 400);
}
TEST(ServerBareLf, EndingTheHead) {
  expect_rejected("GET / HTTP/1.1\r\nHost: test\r\n\n", 400);
}
TEST(ServerBareLf, EndingTheHeadOfAPost) {
  expect_rejected(post_head + "Content-Length: 3\r\n\nabc", 400);
}
TEST(ServerBareLf, BeforeTheRequestLine) {
  expect_rejected("\nGET / HTTP/1.1\r\nHost: test\r\n\r\n", 400);
}
TEST(ServerBareLf, AfterAChunkSize) {
  expect_rejected(chunked_head + "3\nabc\r\n0\r\n\r\n", 400);
}
TEST(ServerBareLf, AfterChunkData) {
  expect_rejected(chunked_head + "3\r\nabc\n0\r\n\r\n", 400);
}
TEST(ServerBareLf, AfterTheLastChunk) {
  expect_rejected(chunked_head + "3\r\nabc\r\n0\n\r\n", 400);
}
TEST(ServerBareLf, EndingTheTrailers) {
  expect_rejected(chunked_head + "3\r\nabc\r\n0\r\n\n", 400);
}
TEST(ServerBareLf, EndingTheTrailersAfterATrailerLine) {
  expect_rejected(chunked_head + "3\r\nabc\r\n0\r\nX-T: 1\r\n\n", 400);
}
TEST(ServerBareLf, EndingATrailerLine) {
  expect_rejected(chunked_head + "3\r\nabc\r\n0\r\nX-T: 1\n\r\n", 400);
}

// The same, the bytes arriving one write at a time: the check spans reads (a CR at the end of
// one read, its LF at the start of the next, is no bare LF).
TEST(ServerBareLf, SplitAcrossReadsStillRefusedAndCrLfSplitStillServed) {
  recorder<std::string> targets;
  server_thread srv([&targets](http::request& req) -> task<http::response> {
    targets.add(req.target);
    co_return http::response(200, req.body);
  });
  {
    raw_client c(srv.port());
    c.send("GET /ok HTTP/1.1\r");
    c.send("\nHost: test\r");
    c.send("\n\r");
    c.send("\n");
    EXPECT_EQ(c.read_response().status, 200);
    c.send(chunked_head);
    c.send("3\r\nabc\r\n0\r\n");
    c.send("\n");
    c.send("GET /smuggled HTTP/1.1\r\nHost: test\r\n\r\n");
    const raw_response r = c.read_response();
    EXPECT_EQ(r.status, 400) << r.head;
    EXPECT_TRUE(r.says_close()) << r.head;
    EXPECT_EQ(c.read_to_eof(), "");
  }
  EXPECT_EQ(targets.all(), std::vector<std::string>{"/ok"});
}

// A well-formed chunked request with trailers is still served, and the next one after it.
TEST(ServerBareLf, CrLfTrailersStillServed) {
  server_thread srv(
      [](http::request& req) -> task<http::response> { co_return http::response(200, req.body); });
  raw_client c(srv.port());
  c.send(chunked_head + "3\r\nabc\r\n0\r\nX-T: 1\r\n\r\n" + get("/next"));
  EXPECT_EQ(c.read_response().body, "abc");
  EXPECT_EQ(c.read_response().status, 200);
}

// RFC 9112 3.2.2: an absolute-form target is routed by its path, and its authority replaces
// Host; the target stays as sent (Node's req.url).
TEST(ServerAbsoluteForm, PathAndAuthorityComeFromTheTarget) {
  recorder<std::string> seen;
  server_thread srv([&seen](http::request& req) -> task<http::response> {
    seen.add(req.target + " " + std::string(req.path()) + " " + std::string(req.query()) + " " +
             std::string(req.authority()));
    co_return http::response(200);
  });
  raw_client c(srv.port());
  c.send("GET http://example.com:8080/admin/x?y=1 HTTP/1.1\r\nHost: other\r\n\r\n");
  EXPECT_EQ(c.read_response().status, 200);
  c.send("GET http://example.com HTTP/1.1\r\nHost: example.com\r\n\r\n");
  EXPECT_EQ(c.read_response().status, 200);
  c.send(get("/plain"));
  EXPECT_EQ(c.read_response().status, 200);
  EXPECT_EQ(seen.all(),
            (std::vector<std::string>{
                "http://example.com:8080/admin/x?y=1 /admin/x y=1 example.com:8080",
                "http://example.com / " + std::string(" example.com"), "/plain /plain  test"}));
}

// A prefix guard is not bypassed by sending the target in absolute form.
TEST(ServerAbsoluteForm, RouterPrefixGuardsMatchIt) {
  http::router r;
  r.prefix("", "/admin/", [](http::request&) -> task<http::response> {
     co_return http::response(403, "no");
   }).fallback([](http::request&) -> task<http::response> { co_return http::response(200); });
  server_thread srv(r);
  EXPECT_EQ(fetch(srv.port(), "GET http://example.com/admin/x HTTP/1.1\r\nHost: e\r\n\r\n").status,
            403);
  EXPECT_EQ(
      fetch(srv.port(), "GET http://example.com/%61dmin/x HTTP/1.1\r\nHost: e\r\n\r\n").status,
      403);
  EXPECT_EQ(fetch(srv.port(), get("/admin/x")).status, 403);
  EXPECT_EQ(fetch(srv.port(), get("/public")).status, 200);
}

TEST(ServerAbsoluteForm, MalformedOnesAndOtherFormsAreRefused) {
  expect_rejected("GET http:///x HTTP/1.1\r\nHost: test\r\n\r\n", 400);       // no authority
  expect_rejected("GET http://u@a/x HTTP/1.1\r\nHost: test\r\n\r\n", 400);    // userinfo
  expect_rejected("GET http://a:b/x HTTP/1.1\r\nHost: test\r\n\r\n", 400);    // bad port
  expect_rejected("GET example.com:80 HTTP/1.1\r\nHost: test\r\n\r\n", 400);  // authority-form
  expect_rejected("GET * HTTP/1.1\r\nHost: test\r\n\r\n", 400);               // asterisk: OPTIONS
}

TEST(ServerAbsoluteForm, AsteriskFormServedForOptions) {
  server_thread srv([](http::request& req) -> task<http::response> {
    co_return http::response(200, req.target + " " + std::string(req.path()));
  });
  EXPECT_EQ(fetch(srv.port(), "OPTIONS * HTTP/1.1\r\nHost: test\r\n\r\n").body, "* *");
}

// coronet offers no tunnels: CONNECT never reaches a handler (whose 2xx would tell the client a
// tunnel is open), gets 405 with an empty Allow, and the connection closes.
TEST(ServerConnect, RefusedWith405AndClosedWithoutReachingTheHandler) {
  expect_rejected("CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n", 405);
  recorder<std::string> methods;
  server_thread srv([&methods](http::request& req) -> task<http::response> {
    methods.add(req.method);
    co_return http::response(200, "tunnel?");
  });
  raw_client c(srv.port());
  c.send("CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\nTUNNEL BYTES");
  const raw_response r = c.read_response();
  EXPECT_EQ(r.status, 405) << r.head;
  EXPECT_EQ(r.header("Allow"), "") << r.head;
  EXPECT_TRUE(r.says_close()) << r.head;
  EXPECT_EQ(c.read_to_eof(), "");
  EXPECT_EQ(methods.size(), 0u);
}

// RFC 9112 3.2 with RFC 3986 3.2.2: Host is an authority, host[:port].
TEST(ServerHost, ValuesThatAreNoAuthorityAre400) {
  for (const char* host : {"a b", "a/b", "a, b", "::1", "a:b", "[::1", "[::1]x", "a:80:80", "a@b",
                           ":80", "[]", "a%zz", "a\\b"}) {
    SCOPED_TRACE(host);
    expect_rejected("GET / HTTP/1.1\r\nHost: " + std::string(host) + "\r\n\r\n", 400);
  }
}

TEST(ServerHost, ValidValuesAreServed) {
  server_thread srv([](http::request& req) -> task<http::response> {
    co_return http::response(200, std::string(req.authority()));
  });
  for (const char* host : {"example.com", "example.com:8080", "[::1]:80", "[::1]", "127.0.0.1",
                           "127.0.0.1:1", "a-b.c_d~e", "xn--bcher-kva.example", "a%41b", ""}) {
    SCOPED_TRACE(host);
    const raw_response r =
        fetch(srv.port(), "GET / HTTP/1.1\r\nHost: " + std::string(host) + "\r\n\r\n");
    EXPECT_EQ(r.status, 200) << r.head;
    EXPECT_EQ(r.body, host);
  }
}

// Already refused before issue 16; kept here beside the other Host cases.
TEST(ServerHost, MissingOrRepeatedIs400) {
  expect_rejected("GET / HTTP/1.1\r\nX-A: 1\r\n\r\n", 400);
  expect_rejected("GET / HTTP/1.1\r\nHost: a\r\nHost: a\r\n\r\n", 400);
}

// llhttp knows a fixed set of methods and refuses others while parsing: a well-formed unknown
// method gets 400 (as in Node), not RFC 9110's suggested 501 (docs/http.md says why).
TEST(ServerUnknownMethod, WellFormedButUnknownIs400) {
  expect_rejected("FROBNICATE / HTTP/1.1\r\nHost: test\r\n\r\n", 400);
}

}  // namespace
}  // namespace coronet::http_test
