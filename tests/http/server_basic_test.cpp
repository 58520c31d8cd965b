// http::server basics over raw sockets: a GET, keep-alive, HTTP/1.0 rules, HEAD, bodiless
// statuses, the Date header, pipelining, Expect: 100-continue and the framing headers a handler
// cannot override.
#include <gtest/gtest.h>

#include <ctime>
#include <iomanip>
#include <locale>
#include <regex>
#include <sstream>
#include <string>

#include "http_test_support.hpp"

namespace coronet::http_test {
namespace {

// Answers every request with its target as a text/plain body.
task<http::response> echo_target(http::request& req) {
  co_return http::response(200, req.target, "text/plain");
}

TEST(ServerBasic, GetReturnsHandlerResponse) {
  server_thread srv(echo_target);
  const raw_response r = fetch(srv.port(), get("/hello?x=1"));
  EXPECT_EQ(r.version, "HTTP/1.1");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.reason, "OK");
  EXPECT_EQ(r.body, "/hello?x=1");
  EXPECT_EQ(r.header("Content-Type"), "text/plain");
  EXPECT_EQ(r.header("Content-Length"), "10");
  EXPECT_EQ(r.count("Content-Length"), 1u);
  EXPECT_FALSE(r.has("Transfer-Encoding"));
  EXPECT_TRUE(r.says_keep_alive()) << r.head;
  EXPECT_EQ(r.header("Keep-Alive"), "timeout=5");  // the default keep_alive_timeout, 5 s
}

struct seen_request {
  std::string method, target, path, query, custom, spaced, empty;
  int major = 0, minor = 0;
  bool keep_alive = false;
  std::size_t header_count = 0, repeated = 0;
};

TEST(ServerBasic, HandlerSeesRequestLineAndHeaders) {
  recorder<seen_request> seen;
  server_thread srv([&seen](http::request& req) -> task<http::response> {
    seen.add({req.method, req.target, std::string(req.path()), std::string(req.query()),
              std::string(req.headers.get("x-CUSTOM")), std::string(req.headers.get("X-Spaced")),
              std::string(req.headers.get("X-Empty", "absent")), req.version_major,
              req.version_minor, req.keep_alive(), req.headers.size(),
              req.headers.count("X-Repeated")});
    co_return http::response(204);
  });
  const raw_response r = fetch(srv.port(),
                               "DELETE /a/b?q=1&r=2 HTTP/1.1\r\nHost: test\r\nX-Custom: Value\r\n"
                               "X-Spaced: \t padded value \t\r\nX-Empty:\r\nX-Repeated: 1\r\n"
                               "x-repeated: 2\r\n\r\n");
  EXPECT_EQ(r.status, 204);
  ASSERT_EQ(seen.size(), 1u);
  const seen_request s = seen.all()[0];
  EXPECT_EQ(s.method, "DELETE");
  EXPECT_EQ(s.target, "/a/b?q=1&r=2");
  EXPECT_EQ(s.path, "/a/b");
  EXPECT_EQ(s.query, "q=1&r=2");
  EXPECT_EQ(s.custom, "Value");
  EXPECT_EQ(s.spaced, "padded value");  // optional whitespace around a value is not part of it
  EXPECT_EQ(s.empty, "");
  EXPECT_EQ(s.major, 1);
  EXPECT_EQ(s.minor, 1);
  EXPECT_TRUE(s.keep_alive);
  EXPECT_EQ(s.header_count, 6u);
  EXPECT_EQ(s.repeated, 2u);
}

TEST(ServerBasic, KeepAliveServesRequestsOnOneConnection) {
  server_thread srv(echo_target);
  raw_client c(srv.port());
  for (int i = 0; i < 3; ++i) {
    const std::string target = "/request-" + std::to_string(i);
    c.send(get(target));
    const raw_response r = c.read_response();
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.body, target);
    EXPECT_TRUE(r.says_keep_alive()) << r.head;
  }
  EXPECT_EQ(srv.connection_count(), 1u);
  EXPECT_FALSE(c.eof());
}

TEST(ServerBasic, ConnectionCloseFromClientClosesAfterResponse) {
  server_thread srv(echo_target);
  raw_client c(srv.port());
  c.send(get("/bye", "Connection: close\r\n"));
  const raw_response r = c.read_response();
  EXPECT_EQ(r.body, "/bye");
  EXPECT_TRUE(r.says_close()) << r.head;
  EXPECT_FALSE(r.has("Keep-Alive"));
  EXPECT_EQ(c.read_to_eof(), "");
}

TEST(ServerBasic, Http10ClosesByDefault) {
  server_thread srv(echo_target);
  raw_client c(srv.port());
  c.send("GET /old HTTP/1.0\r\n\r\n");
  const raw_response r = c.read_response();
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "/old");
  EXPECT_TRUE(r.says_close()) << r.head;
  EXPECT_EQ(c.read_to_eof(), "");
}

TEST(ServerBasic, Http10KeepAliveWhenAsked) {
  server_thread srv(echo_target);
  raw_client c(srv.port());
  c.send("GET /one HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
  const raw_response first = c.read_response();
  EXPECT_EQ(first.body, "/one");
  EXPECT_TRUE(first.says_keep_alive()) << first.head;
  c.send("GET /two HTTP/1.0\r\n\r\n");  // this one does not ask: the last on the connection
  const raw_response second = c.read_response();
  EXPECT_EQ(second.body, "/two");
  EXPECT_TRUE(second.says_close()) << second.head;
  EXPECT_EQ(c.read_to_eof(), "");
}

TEST(ServerBasic, HeadGetsLengthButNoBody) {
  server_thread srv([](http::request& req) -> task<http::response> {
    co_return http::response(200, "hello world, from " + req.method, "text/plain");
  });
  raw_client c(srv.port());
  // A GET right behind the HEAD: a stray body byte after the HEAD's head would corrupt it.
  c.send("HEAD / HTTP/1.1\r\nHost: test\r\n\r\n" + get("/"));
  const raw_response head = c.read_response(/*head_request=*/true);
  EXPECT_EQ(head.status, 200);
  // The length of the body a GET would get: "hello world, from HEAD".
  EXPECT_EQ(head.header("Content-Length"), "22");
  EXPECT_TRUE(head.says_keep_alive());
  const raw_response get_r = c.read_response();
  EXPECT_EQ(get_r.body, "hello world, from GET");
}

TEST(ServerBasic, NoContentAndNotModifiedHaveNoBody) {
  server_thread srv([](http::request& req) -> task<http::response> {
    // A body given by mistake must not reach the wire.
    co_return http::response(req.target == "/204" ? 204 : 304, "should not be sent");
  });
  raw_client c(srv.port());
  c.send(get("/204") + get("/304") + get("/204"));
  for (int status : {204, 304, 204}) {
    const raw_response r = c.read_response();
    EXPECT_EQ(r.status, status);
    EXPECT_FALSE(r.has("Transfer-Encoding")) << r.head;
    if (status == 204) {
      EXPECT_FALSE(r.has("Content-Length")) << r.head;  // RFC 9110 8.6
    }
    EXPECT_TRUE(r.says_keep_alive()) << r.head;
  }
  // Nothing after the three heads: a body would be read here as the start of a response.
  EXPECT_FALSE(c.readable_within(100ms)) << c.pending();
}

TEST(ServerBasic, DateHeaderIsImfFixdateNow) {
  server_thread srv(echo_target);
  const std::time_t before = std::time(nullptr);
  const raw_response r = fetch(srv.port(), get("/"));
  const std::time_t after = std::time(nullptr);
  ASSERT_EQ(r.count("Date"), 1u) << r.head;
  const std::string date = *r.header("Date");
  // IMF-fixdate (RFC 9110 5.6.7): "Sun, 06 Nov 1994 08:49:37 GMT", English names always.
  static const std::regex imf(
      "(Mon|Tue|Wed|Thu|Fri|Sat|Sun), [0-3][0-9] "
      "(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) [0-9]{4} [0-2][0-9]:[0-5][0-9]:[0-6][0-9] "
      "GMT");
  ASSERT_TRUE(std::regex_match(date, imf)) << date;
  std::tm tm{};
  std::istringstream in(date);
  in.imbue(std::locale::classic());
  in >> std::get_time(&tm, "%a, %d %b %Y %H:%M:%S GMT");
  ASSERT_FALSE(in.fail()) << date;
#ifdef _WIN32
  const std::time_t sent = ::_mkgmtime(&tm);
#else
  const std::time_t sent = ::timegm(&tm);
#endif
  EXPECT_GE(sent, before - 1) << date;
  EXPECT_LE(sent, after + 1) << date;
}

TEST(ServerBasic, HandlerDateIsKept) {
  server_thread srv([](http::request&) -> task<http::response> {
    http::response r(200, "x");
    r.headers.add("Date", "Sun, 06 Nov 1994 08:49:37 GMT");
    co_return r;
  });
  const raw_response r = fetch(srv.port(), get("/"));
  EXPECT_EQ(r.count("Date"), 1u) << r.head;
  EXPECT_EQ(r.header("Date"), "Sun, 06 Nov 1994 08:49:37 GMT");
}

TEST(ServerBasic, PipelinedRequestsAnsweredInOrder) {
  server_thread srv([](http::request& req) -> task<http::response> {
    // The first answer takes longest: answers in order of completion would come out reversed.
    if (req.target == "/slow") co_await sleep_for(100ms);
    co_return http::response(200, req.method + " " + req.target + " " + req.body);
  });
  raw_client c(srv.port());
  c.send(get("/slow") + post("/post", "payload") + get("/third") +
         "DELETE /fourth HTTP/1.1\r\nHost: test\r\n\r\n");
  EXPECT_EQ(c.read_response().body, "GET /slow ");
  EXPECT_EQ(c.read_response().body, "POST /post payload");
  EXPECT_EQ(c.read_response().body, "GET /third ");
  const raw_response last = c.read_response();
  EXPECT_EQ(last.body, "DELETE /fourth ");
  EXPECT_TRUE(last.says_keep_alive());
}

TEST(ServerBasic, PipelinedRequestsSplitAtEveryByteStillInOrder) {
  server_thread srv(echo_target);
  raw_client c(srv.port());
  const std::string both = get("/first", "X-A: 1\r\n") + get("/second");
  // One byte per write: requests boundaries fall inside reads.
  for (char ch : both) c.send(std::string_view(&ch, 1));
  EXPECT_EQ(c.read_response().body, "/first");
  EXPECT_EQ(c.read_response().body, "/second");
}

TEST(ServerBasic, ExpectContinueSentBeforeTheBody) {
  server_thread srv([](http::request& req) -> task<http::response> {
    co_return http::response(200, "got " + req.body);
  });
  raw_client c(srv.port());
  c.send("PUT /upload HTTP/1.1\r\nHost: test\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\n");
  // Like curl, the client waits for the interim response before sending the body.
  const raw_response interim = c.read_response();
  EXPECT_EQ(interim.status, 100);
  EXPECT_EQ(interim.head, "HTTP/1.1 100 Continue\r\n\r\n");
  c.send("hello");
  const raw_response r = c.read_response();
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "got hello");
  EXPECT_TRUE(r.says_keep_alive());
  // The next request on the connection gets no second 100.
  c.send(post("/again", "abc"));
  const raw_response again = c.read_response();
  EXPECT_EQ(again.status, 200);
  EXPECT_EQ(again.body, "got abc");
}

TEST(ServerBasic, ExpectContinueNotSentWhenHandlerAnswersWithoutBody) {
  server_thread srv([](http::exchange& ex) -> task<> {
    co_await ex.respond(http::response(401, "no"));  // rejects without reading the body
  });
  raw_client c(srv.port());
  c.send("PUT /upload HTTP/1.1\r\nHost: test\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\n");
  const raw_response r = c.read_response();
  EXPECT_EQ(r.status, 401);
  // The body may never come: the connection cannot be reused.
  EXPECT_TRUE(r.says_close()) << r.head;
  EXPECT_EQ(c.read_to_eof(), "");
}

TEST(ServerBasic, UnknownExpectationGets417) {
  int calls = 0;
  server_thread srv([&calls](http::request&) -> task<http::response> {
    ++calls;
    co_return http::response(200);
  });
  raw_client c(srv.port());
  c.send(post("/", "abc", "Expect: something-else\r\n"));
  const raw_response r = c.read_response();
  EXPECT_EQ(r.status, 417);
  EXPECT_EQ(r.reason, "Expectation Failed");
  EXPECT_TRUE(r.says_close());
  EXPECT_EQ(c.read_to_eof(), "");
  EXPECT_EQ(srv.call([&calls] { return calls; }), 0);
}

TEST(ServerBasic, FramingHeadersFromHandlerAreReplaced) {
  server_thread srv([](http::request&) -> task<http::response> {
    http::response r(200, "four");
    r.headers.add("Content-Length", "999");
    r.headers.add("Transfer-Encoding", "chunked");
    r.headers.add("Keep-Alive", "timeout=999");
    r.headers.add("X-Kept", "yes");
    co_return r;
  });
  raw_client c(srv.port());
  c.send(get("/") + get("/"));
  for (int i = 0; i < 2; ++i) {
    const raw_response r = c.read_response();
    EXPECT_EQ(r.body, "four");
    EXPECT_EQ(r.count("Content-Length"), 1u) << r.head;
    EXPECT_EQ(r.header("Content-Length"), "4");
    EXPECT_FALSE(r.has("Transfer-Encoding")) << r.head;
    EXPECT_EQ(r.count("Keep-Alive"), 1u) << r.head;
    EXPECT_EQ(r.header("X-Kept"), "yes");
  }
}

TEST(ServerBasic, HandlerConnectionCloseEndsConnection) {
  server_thread srv([](http::request&) -> task<http::response> {
    http::response r(200, "last");
    r.headers.add("Connection", "close");
    co_return r;
  });
  raw_client c(srv.port());
  c.send(get("/"));
  const raw_response r = c.read_response();
  EXPECT_EQ(r.body, "last");
  EXPECT_EQ(r.count("Connection"), 1u) << r.head;
  EXPECT_TRUE(r.says_close());
  EXPECT_EQ(c.read_to_eof(), "");
}

TEST(ServerBasic, RepeatedResponseHeadersKeptInOrder) {
  server_thread srv([](http::request&) -> task<http::response> {
    http::response r(201, "", "text/plain");
    r.reason = "Made It";
    r.headers.add("Set-Cookie", "a=1");
    r.headers.add("Set-Cookie", "b=2");
    co_return r;
  });
  const raw_response r = fetch(srv.port(), get("/"));
  EXPECT_EQ(r.status, 201);
  EXPECT_EQ(r.reason, "Made It");
  EXPECT_EQ(r.header("Content-Length"), "0");
  std::vector<std::string> cookies;
  for (const auto& [name, value] : r.headers)
    if (name == "Set-Cookie") cookies.push_back(value);
  EXPECT_EQ(cookies, (std::vector<std::string>{"a=1", "b=2"}));
}

}  // namespace
}  // namespace coronet::http_test
