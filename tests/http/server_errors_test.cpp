// Bad input and failing handlers: each malformed or smuggling-shaped request gets its status
// (400, 413, 431, 501) and its connection alone is closed; a throwing handler gets its client a
// 500 and the server goes on; header injection from a handler never reaches the wire.
#include <gtest/gtest.h>

#include <stdexcept>
#include <string>
#include <thread>

#include "http_test_support.hpp"

namespace coronet::http_test {
namespace {

using namespace std::string_literals;

// A request that must be rejected; every case ends with a request for /smuggled, which no
// handler may ever see: after bad bytes, nothing on the connection can be trusted.
struct bad_request {
  const char* name;
  std::string bytes;
  int status;
};

std::ostream& operator<<(std::ostream& os, const bad_request& b) {
  return os << b.name;
}

std::vector<bad_request> bad_requests() {
  const std::string post_head = "POST / HTTP/1.1\r\nHost: test\r\n";
  const std::string chunked_head = post_head + "Transfer-Encoding: chunked\r\n\r\n";
  return {
      {"NotHttp", "GARBAGE\r\n\r\n", 400},
      // RFC 9112 3.2: an HTTP/1.1 request needs exactly one Host line.
      {"MissingHost", "GET / HTTP/1.1\r\nX-A: 1\r\n\r\n", 400},
      {"TwoHosts", "GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", 400},
      // RFC 9112 6.1: Transfer-Encoding in HTTP/1.0 is faulty framing.
      {"Http10WithTransferEncoding",
       "POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\nConnection: keep-alive\r\n\r\n0\r\n\r\n",
       400},
      // Chunk extensions are bounded (16 KiB a message, as Node since CVE-2024-22019).
      {"ChunkExtensionsTooLong",
       "POST / HTTP/1.1\r\nHost: test\r\nTransfer-Encoding: chunked\r\n\r\n3;" +
           std::string(20000, 'e') + "\r\nabc\r\n0\r\n\r\n",
       413},
      // Trailers count against the head's size limit.
      {"TrailersTooLong",
       "POST / HTTP/1.1\r\nHost: test\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nX-T: " +
           std::string(20000, 't') + "\r\n\r\n",
       431},
      {"LowerCaseMethod", "get / HTTP/1.1\r\nHost: test\r\n\r\n", 400},
      {"SpaceInTarget", "GET /a b HTTP/1.1\r\nHost: test\r\n\r\n", 400},
      {"BareLfLineEnds", "GET / HTTP/1.1\nHost: test\n\n", 400},
      {"BareLfInHeaders", "GET / HTTP/1.1\r\nHost: test\nX-A: 1\r\n\r\n", 400},
      {"BareCrInValue", "GET / HTTP/1.1\r\nHost: test\r\nX-A: a\rb\r\n\r\n", 400},
      {"NulInValue", "GET / HTTP/1.1\r\nHost: test\r\nX-A: a\0b\r\n\r\n"s, 400},
      // RFC 9112 5.1: MUST reject with 400. llhttp 8.1 does so only when compiled with
      // LLHTTP_STRICT_MODE=1 (cmake/CoronetLlhttp.cmake sets it).
      {"SpaceBeforeColon", "GET / HTTP/1.1\r\nHost : test\r\n\r\n", 400},
      {"SpaceBeforeColonTransferEncoding",
       post_head + "Transfer-Encoding : chunked\r\nContent-Length: 5\r\n\r\n0\r\n\r\n", 400},
      {"BadHeaderName", "GET / HTTP/1.1\r\nHost: test\r\nX(A): 1\r\n\r\n", 400},
      {"ContentLengthAndChunked",
       post_head + "Content-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400},
      {"ChunkedAndContentLength",
       post_head + "Transfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n0\r\n\r\n", 400},
      {"ConflictingContentLengths", post_head + "Content-Length: 5\r\nContent-Length: 6\r\n\r\n",
       400},
      {"ContentLengthList", post_head + "Content-Length: 5, 6\r\n\r\nhello", 400},
      {"NegativeContentLength", post_head + "Content-Length: -1\r\n\r\n", 400},
      {"ContentLengthNotANumber", post_head + "Content-Length: 5a\r\n\r\nhello", 400},
      {"ChunkSizeNotHex", chunked_head + "zz\r\nhello\r\n0\r\n\r\n", 400},
      {"ChunkSizeOverflow", chunked_head + "fffffffffffffffff1\r\nhello\r\n0\r\n\r\n", 400},
      {"ChunkLongerThanItsSize", chunked_head + "3\r\nabcdef\r\n0\r\n\r\n", 400},
      {"ChunkSizeBareLf", chunked_head + "3\nabc\r\n0\r\n\r\n", 400},
      // RFC 9112 6.3: chunked must be the final coding of a request, or 400 (not 501).
      {"TransferCodingGzip", post_head + "Transfer-Encoding: gzip\r\n\r\n", 400},
      {"TransferCodingGzipThenChunked",
       post_head + "Transfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n", 501},
      {"HeadTooLarge", "GET / HTTP/1.1\r\nHost: test\r\nX-Big: " + text(20 * 1024) + "\r\n\r\n",
       431},
      {"TooManyHeaders",
       [] {
         std::string r = "GET / HTTP/1.1\r\nHost: test\r\n";
         for (int i = 0; i < 100; ++i) r += "X-" + std::to_string(i) + ": v\r\n";  // 101 lines
         return r + "\r\n";
       }(),
       431},
      {"DeclaredBodyTooLarge", post_head + "Content-Length: 1048577\r\n\r\n", 413},
      // llhttp reads a request line without a version as HTTP/0.9, and lets CONNECT through
      // with an empty target: only HTTP/1.x is served (found by tests/fuzz/http_server_fuzz).
      {"Http09ConnectWithoutTarget", "CONNECT \r\nHost: test\r\n\r\n", 505},
      {"ChunkedBodyTooLarge", chunked_head + chunked(text(1100 * 1024), 300 * 1024), 413},
  };
}

class ServerRejects : public ::testing::TestWithParam<bad_request> {};

TEST_P(ServerRejects, WithStatusAndClosesConnection) {
  expect_rejected(GetParam().bytes, GetParam().status);
}

INSTANTIATE_TEST_SUITE_P(Http, ServerRejects, ::testing::ValuesIn(bad_requests()),
                         [](const auto& info) { return std::string(info.param.name); });

TEST(ServerErrors, BadRequestAffectsOnlyItsConnection) {
  server_thread srv([](http::request& req) -> task<http::response> {
    co_return http::response(200, req.target);
  });
  raw_client good(srv.port());
  good.send(get("/before"));
  EXPECT_EQ(good.read_response().body, "/before");
  raw_client bad(srv.port());
  bad.send("NOT HTTP AT ALL\r\n\r\n");
  EXPECT_EQ(bad.read_response().status, 400);
  EXPECT_TRUE(bad.closed_within(io_timeout));
  good.send(get("/after"));
  const raw_response r = good.read_response();
  EXPECT_EQ(r.body, "/after");
  EXPECT_TRUE(r.says_keep_alive());
}

TEST(ServerErrors, ErrorResponseSurvivesClientStillSending) {
  // 413 comes after the head; the client goes on writing 512 KiB of body. Without a lingering
  // close the server's close would reset the connection and destroy the 413 unread.
  server_thread srv([](http::request&) -> task<http::response> { co_return http::response(200); });
  raw_client c(srv.port());
  c.send("POST / HTTP/1.1\r\nHost: test\r\nContent-Length: 3000000\r\n\r\n");
  std::thread writer([&c] { c.try_send(text(512 * 1024)); });
  raw_response r;
  try {
    r = c.read_response();
  } catch (...) {
    writer.join();
    throw;
  }
  writer.join();
  EXPECT_EQ(r.status, 413);
  EXPECT_TRUE(r.says_close());
}

// A server that closes after a response with bytes still unread in its socket (here: more
// after "Connection: close") must linger, or the kernel's reset can destroy the response before
// the client reads it.
TEST(ServerErrors, CloseWithUnreadInputStillDeliversTheResponse) {
  server_thread srv([](http::request& req) -> task<http::response> {
    co_return http::response(200, req.target);
  });
  raw_client c(srv.port());
  c.send("GET /a HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n" + text(200 * 1000));
  const raw_response r = c.read_response();
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "/a");
  EXPECT_TRUE(r.says_close());
}

struct ServerHandlerErrors : ::testing::Test {
  struct error_seen {
    std::string target, what;
  };
  recorder<error_seen> errors;
  http::server_options options() {
    http::server_options o;
    o.on_handler_error = [this](std::exception_ptr e, const http::request& req) {
      try {
        std::rethrow_exception(e);
      } catch (const std::exception& ex) {
        errors.add({req.target, ex.what()});
      }
    };
    return o;
  }
};

task<http::response> throw_on_boom(http::request& req) {
  if (req.target == "/boom") throw std::runtime_error("boom");
  co_return http::response(200, "fine " + req.target);
}

TEST_F(ServerHandlerErrors, ThrowingHandlerGets500AndServerGoesOn) {
  server_thread srv(throw_on_boom, options());
  raw_client c(srv.port());
  c.send(get("/boom") + get("/pipelined"));
  const raw_response r = c.read_response();
  EXPECT_EQ(r.status, 500);
  EXPECT_EQ(r.reason, "Internal Server Error");
  EXPECT_TRUE(r.says_close());
  EXPECT_EQ(r.body.find("boom"), std::string::npos) << "the exception leaked: " << r.body;
  EXPECT_EQ(c.read_to_eof(), "");  // the pipelined request is not answered
  const auto seen = srv.call([this] { return errors.all(); });
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].target, "/boom");
  EXPECT_EQ(seen[0].what, "boom");
  // The next connection is served.
  const raw_response next = fetch(srv.port(), get("/next"));
  EXPECT_EQ(next.status, 200);
  EXPECT_EQ(next.body, "fine /next");
}

// RFC 9110 9.3.2: no response to HEAD has a body, not even the error one; its text would be
// read as the start of the next response (found by tests/fuzz/http_server_fuzz).
TEST_F(ServerHandlerErrors, ThrowingHandlerAnswersHeadWithoutBody) {
  server_thread srv(throw_on_boom, options());
  raw_client c(srv.port());
  c.send("HEAD /boom HTTP/1.1\r\nHost: test\r\n\r\n");
  const raw_response r = c.read_response(true);
  EXPECT_EQ(r.status, 500);
  EXPECT_TRUE(r.says_close());
  EXPECT_EQ(r.header("Content-Length"), "22");  // what a GET would get: "Internal Server Error\n"
  EXPECT_EQ(r.body, "");
  EXPECT_EQ(c.read_to_eof(), "");  // and nothing after the head
}

TEST(ServerErrors, HandlerErrorReportedAsUnhandledByDefault) {
  test::unhandled_reports reports;
  server_thread srv(throw_on_boom);
  EXPECT_EQ(fetch(srv.port(), get("/boom")).status, 500);
  const auto all = srv.call([&reports] { return reports.all(); });
  ASSERT_EQ(all.size(), 1u);
  EXPECT_EQ(all[0].what, "boom");
  EXPECT_NE(all[0].where.find("GET /boom"), std::string::npos) << all[0].where;
}

TEST_F(ServerHandlerErrors, ThrowAfterResponseStartedClosesWithoutSecondHead) {
  server_thread srv(
      [](http::exchange& ex) -> task<> {
        co_await ex.read_body();
        ex.start(200);
        co_await ex.write("partial");
        throw std::runtime_error("midway");
      },
      options());
  raw_client c(srv.port());
  c.send(get("/"));
  const std::string got = c.read_to_eof();
  // The chunked body is cut short (no last chunk) and no 500 follows the 200.
  EXPECT_TRUE(got.starts_with("HTTP/1.1 200 OK\r\n")) << got;
  EXPECT_TRUE(got.ends_with("\r\n7\r\npartial\r\n")) << got;
  EXPECT_EQ(got.find("500"), std::string::npos) << got;
  EXPECT_EQ(srv.call([this] { return errors.size(); }), 1u);
}

TEST_F(ServerHandlerErrors, StreamingHandlerWithoutResponseGets500) {
  server_thread srv([](http::exchange&) -> task<> { co_return; }, options());
  const raw_response r = fetch(srv.port(), get("/"));
  EXPECT_EQ(r.status, 500);
  EXPECT_EQ(srv.call([this] { return errors.size(); }), 1u);
}

TEST_F(ServerHandlerErrors, HeaderValueWithCrLfFailsTheHandler) {
  server_thread srv(
      [](http::request&) -> task<http::response> {
        http::response r(200, "x");
        r.headers.add("X-Bad", "a\r\nInjected: yes");  // throws std::invalid_argument
        co_return r;
      },
      options());
  const raw_response r = fetch(srv.port(), get("/"));
  EXPECT_EQ(r.status, 500);
  EXPECT_FALSE(r.has("Injected")) << r.head;
  const auto seen = srv.call([this] { return errors.all(); });
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_NE(seen[0].what.find("X-Bad"), std::string::npos) << seen[0].what;
}

// fields::add checks; begin_line/append_* (meant for parsers) do not. The server checks again
// when it writes the head.
http::fields unchecked(std::string_view name, std::string_view value) {
  http::fields f;
  f.begin_line();
  f.append_name(name);
  f.append_value(value);
  return f;
}

TEST_F(ServerHandlerErrors, UncheckedHeaderWithCrLfRejectedAtSerialisation) {
  server_thread srv(
      [](http::request& req) -> task<http::response> {
        http::response r(200, "x");
        if (req.target == "/value") r.headers = unchecked("X-Bad", "a\r\nInjected: yes");
        if (req.target == "/name") r.headers = unchecked("Injected: yes\r\nX", "v");
        if (req.target == "/nul") r.headers = unchecked("X-Nul", std::string_view("a\0b", 3));
        co_return r;
      },
      options());
  for (const char* target : {"/value", "/name", "/nul"}) {
    const raw_response r = fetch(srv.port(), get(target));
    EXPECT_EQ(r.status, 500) << target;
    EXPECT_FALSE(r.has("Injected")) << r.head;
  }
  EXPECT_EQ(srv.call([this] { return errors.size(); }), 3u);
}

// response::reason goes into the status line: a CR or LF from user data there would inject
// headers, or a whole second response.
TEST_F(ServerHandlerErrors, ReasonPhraseWithCrLfIsNotSentRaw) {
  server_thread srv(
      [](http::request&) -> task<http::response> {
        http::response r(200, "x");
        r.reason = "OK\r\nInjected: yes";
        co_return r;
      },
      options());
  const raw_response r = fetch(srv.port(), get("/"));
  EXPECT_FALSE(r.has("Injected")) << r.head;
  EXPECT_EQ(r.status, 500) << r.head;
  EXPECT_EQ(r.reason, "Internal Server Error");
  const auto seen = srv.call([this] { return errors.all(); });
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_NE(seen[0].what.find("reason phrase"), std::string::npos) << seen[0].what;
}

// The same through the streaming API: a start() whose header carries CR or LF that the handler
// does not catch is the handler's error (500, the hook), and nothing of the head goes out.
TEST_F(ServerHandlerErrors, StreamingStartWithCrLfIsA500WithNothingInjected) {
  server_thread srv(
      [](http::exchange& ex) -> task<> {
        ex.start(200, unchecked("X-Bad", "a\r\nInjected: yes"));
        co_await ex.write("never");
      },
      options());
  const raw_response r = fetch(srv.port(), get("/"));
  EXPECT_EQ(r.status, 500) << r.head;
  EXPECT_FALSE(r.has("Injected")) << r.head;
  EXPECT_FALSE(r.has("X-Bad")) << r.head;
  EXPECT_EQ(r.body.find("never"), std::string::npos) << r.body;
  EXPECT_EQ(srv.call([this] { return errors.size(); }), 1u);
}

// A start() refused for a bad field must leave nothing of its head behind for the response the
// handler sends next.
TEST_F(ServerHandlerErrors, FailedStartLeavesNoPartialHead) {
  server_thread srv(
      [](http::exchange& ex) -> task<> {
        co_await ex.read_body();
        try {
          ex.start(200, unchecked("X-Bad", "a\r\nb"));
        } catch (const std::invalid_argument&) {
          // The handler recovers with another response.
        }
        co_await ex.respond(http::response(503, "recovered"));
      },
      options());
  const raw_response r = fetch(srv.port(), get("/"));
  EXPECT_EQ(r.status, 503) << r.head;
  EXPECT_EQ(r.body, "recovered");
}

// The refusal quotes the bad name, but escaped and cut short: the message goes to logs, where a
// raw CR/LF from a peer or a caller would forge lines.
TEST(FieldChecks, ErrorsQuoteBadInputEscapedAndCutShort) {
  try {
    http::check_field("X-Bad\r\nSet-Cookie: a=\"b\"", "v");
    ADD_FAILURE() << "a name with CR LF was accepted";
  } catch (const std::invalid_argument& e) {
    EXPECT_STREQ(e.what(),
                 "http: invalid header name \"X-Bad\\x0d\\x0aSet-Cookie: a=\\x22b\\x22\"");
  }
  try {
    http::check_field(std::string(100, '('), "v");
    ADD_FAILURE() << "a name of separators was accepted";
  } catch (const std::invalid_argument& e) {
    EXPECT_EQ(std::string(e.what()),
              "http: invalid header name \"" + std::string(64, '(') + "...\"");
  }
}

}  // namespace
}  // namespace coronet::http_test
