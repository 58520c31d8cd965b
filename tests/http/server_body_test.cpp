// Request and response bodies: Content-Length and chunked requests (extensions, trailers, split
// at every byte), streaming handlers reading piece by piece and writing chunked or with a
// length, and request bodies left unread by their handler.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <string>

#include "http_test_support.hpp"

namespace coronet::http_test {
namespace {

std::uint64_t fnv1a(std::string_view s, std::uint64_t h = 14695981039346656037ull) {
  for (unsigned char c : s) h = (h ^ c) * 1099511628211ull;
  return h;
}

// Answers with the body's size and hash: big bodies compare without printing them.
task<http::response> digest_body(http::request& req) {
  co_return http::response(200,
                           std::to_string(req.body.size()) + " " + std::to_string(fnv1a(req.body)));
}

std::string digest_of(std::string_view body) {
  return std::to_string(body.size()) + " " + std::to_string(fnv1a(body));
}

TEST(ServerBody, ContentLengthBodyReachesHandler) {
  server_thread srv([](http::request& req) -> task<http::response> {
    co_return http::response(200, req.method + ":" + req.body);
  });
  raw_client c(srv.port());
  const std::string body = text(10'000, 3);
  c.send(post("/", body) + post("/empty", ""));
  EXPECT_EQ(c.read_response().body, "POST:" + body);
  EXPECT_EQ(c.read_response().body, "POST:");
}

TEST(ServerBody, ChunkedBodyDecodedWithExtensionsAndTrailers) {
  recorder<std::string> trailers_seen;
  server_thread srv([&](http::request& req) -> task<http::response> {
    trailers_seen.add(std::string(req.headers.get("X-Trailer", "none")));
    co_return http::response(200, "[" + req.body + "]");
  });
  raw_client c(srv.port());
  c.send(
      "POST /chunked HTTP/1.1\r\nHost: test\r\nTransfer-Encoding: chunked\r\n\r\n"
      "5;name=value\r\nhello\r\n"
      "6;a;b=\"quoted\"\r\n world\r\n"
      "A\r\n0123456789\r\n"  // upper-case hex
      "0\r\nX-Trailer: t\r\nOther: o\r\n\r\n" +
      get("/next"));
  const raw_response r = c.read_response();
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "[hello world0123456789]");
  EXPECT_TRUE(r.says_keep_alive());
  // The trailer section ended the first message exactly: the next request parses.
  EXPECT_EQ(c.read_response().body, "[]");
  // Trailers are not merged into the headers (server.hpp: they are dropped).
  EXPECT_EQ(trailers_seen.all(), (std::vector<std::string>{"none", "none"}));
}

TEST(ServerBody, ChunkedBodySplitAtEveryByte) {
  server_thread srv(digest_body);
  raw_client c(srv.port());
  const std::string body = text(300, 5);
  const std::string request =
      "POST / HTTP/1.1\r\nHost: test\r\nTransfer-Encoding: chunked\r\n\r\n" + chunked(body, 37);
  for (char ch : request) c.send(std::string_view(&ch, 1));
  const raw_response r = c.read_response();
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, digest_of(body));
}

TEST(ServerBody, StreamingHandlerReadsLargeBodyPieceByPiece) {
  struct stats {
    std::size_t pieces = 0, largest = 0, total = 0;
    std::uint64_t hash = 14695981039346656037ull;
  };
  recorder<stats> seen;
  http::server_options o;
  o.max_body_size = 8 * 1024 * 1024;
  server_thread srv(
      [&seen](http::exchange& ex) -> task<> {
        stats s;
        for (;;) {
          const std::string_view piece = co_await ex.read_some();
          if (piece.empty()) break;
          ++s.pieces;
          s.largest = std::max(s.largest, piece.size());
          s.total += piece.size();
          s.hash = fnv1a(piece, s.hash);
        }
        seen.add(s);
        co_await ex.respond(
            http::response(200, std::to_string(s.total) + " " + std::to_string(s.hash)));
      },
      o);
  const std::string body = text(4 * 1024 * 1024, 9);
  raw_client c(srv.port());
  c.send(post("/big", body));  // the server reads while this writes
  const raw_response r = c.read_response();
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, digest_of(body));
  ASSERT_EQ(seen.size(), 1u);
  const stats s = seen.all()[0];
  // Streamed: never more than one read buffer (16 KiB by default) at a time.
  EXPECT_GT(s.pieces, 1u);
  EXPECT_LE(s.largest, 16u * 1024);
}

TEST(ServerBody, LargeChunkedBodyWholeWithRaisedLimit) {
  http::server_options o;
  o.max_body_size = 8 * 1024 * 1024;
  server_thread srv(digest_body, o);
  const std::string body = text(4 * 1024 * 1024, 11);
  raw_client c(srv.port());
  c.send("POST / HTTP/1.1\r\nHost: test\r\nTransfer-Encoding: chunked\r\n\r\n" +
         chunked(body, 100'000));
  const raw_response r = c.read_response();
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, digest_of(body));
}

TEST(ServerBody, ReadBodyAppendsTheRest) {
  server_thread srv([](http::exchange& ex) -> task<> {
    const std::string_view piece = co_await ex.read_some();
    const std::string first(piece);
    co_await ex.read_body();
    co_await ex.respond(http::response(200, first + "|" + ex.req().body));
  });
  raw_client c(srv.port());
  c.send("POST / HTTP/1.1\r\nHost: test\r\nTransfer-Encoding: chunked\r\n\r\n");
  c.send("3\r\nabc\r\n");
  // Whatever the first read got, the two parts make the whole body without overlap.
  c.send("3\r\ndef\r\n0\r\n\r\n");
  const raw_response r = c.read_response();
  ASSERT_EQ(r.status, 200);
  const auto bar = r.body.find('|');
  ASSERT_NE(bar, std::string::npos) << r.body;
  EXPECT_FALSE(r.body.substr(0, bar).empty());
  EXPECT_EQ(r.body.substr(0, bar) + r.body.substr(bar + 1), "abcdef");
}

TEST(ServerBody, StreamedResponseWithoutLengthIsChunked) {
  const std::string big = text(100 * 1024, 13);  // above the 64 KiB coalescing limit
  server_thread srv([&big](http::exchange& ex) -> task<> {
    co_await ex.read_body();  // see StreamingHandlerIgnoringEmptyBodyKeepsConnection
    ex.start(200, {{"Content-Type", "text/plain"}});
    co_await ex.write("Hello, ");
    co_await ex.write("");  // nothing: must not end the chunked body early
    co_await ex.write("world");
    co_await ex.write(big);
    co_await ex.finish();
  });
  raw_client c(srv.port());
  c.send(get("/") + get("/again"));
  for (int i = 0; i < 2; ++i) {
    const raw_response r = c.read_response();
    EXPECT_EQ(r.status, 200);
    EXPECT_TRUE(r.chunked) << r.head;
    EXPECT_FALSE(r.has("Content-Length")) << r.head;
    EXPECT_EQ(r.header("Content-Type"), "text/plain");
    EXPECT_TRUE(r.body == "Hello, world" + big) << r.body.size();
    EXPECT_EQ(r.chunk_sizes, (std::vector<std::size_t>{7, 5, big.size()}));
    EXPECT_TRUE(r.says_keep_alive());
  }
}

TEST(ServerBody, StreamedResponseWithLength) {
  server_thread srv([](http::exchange& ex) -> task<> {
    co_await ex.read_body();
    ex.start(200, {}, 10);
    co_await ex.write("01234");
    co_await ex.write("56789");
    co_await ex.finish();
  });
  raw_client c(srv.port());
  c.send(get("/") + get("/"));
  for (int i = 0; i < 2; ++i) {
    const raw_response r = c.read_response();
    EXPECT_EQ(r.header("Content-Length"), "10");
    EXPECT_FALSE(r.chunked);
    EXPECT_EQ(r.body, "0123456789");
  }
}

TEST(ServerBody, StreamedResponseToHttp10RunsUntilClose) {
  server_thread srv([](http::exchange& ex) -> task<> {
    ex.start(200);
    co_await ex.write("no ");
    co_await ex.write("length");
    co_await ex.finish();
  });
  raw_client c(srv.port());
  c.send("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
  const raw_response r = c.read_response();  // complete only at the close
  EXPECT_TRUE(r.until_close) << r.head;
  EXPECT_FALSE(r.has("Transfer-Encoding")) << r.head;  // HTTP/1.0 has no chunked coding
  EXPECT_TRUE(r.says_close()) << r.head;
  EXPECT_EQ(r.body, "no length");
}

TEST(ServerBody, StreamingHandlerReturningWithoutFinishIsFinished) {
  server_thread srv([](http::exchange& ex) -> task<> {
    co_await ex.read_body();
    ex.start(200);
    co_await ex.write("partial but complete");
  });
  raw_client c(srv.port());
  c.send(get("/") + get("/"));
  EXPECT_EQ(c.read_response().body, "partial but complete");
  EXPECT_EQ(c.read_response().body, "partial but complete");
}

TEST(ServerBody, StreamedHeadResponseHasNoBody) {
  server_thread srv([](http::exchange& ex) -> task<> {
    co_await ex.read_body();
    ex.start(200, {}, 5);
    co_await ex.write("hello");
    co_await ex.finish();
  });
  raw_client c(srv.port());
  c.send("HEAD / HTTP/1.1\r\nHost: test\r\n\r\n" + get("/"));
  const raw_response head = c.read_response(/*head_request=*/true);
  EXPECT_EQ(head.header("Content-Length"), "5");
  EXPECT_EQ(c.read_response().body, "hello");
}

// A streaming handler that breaks its own Content-Length: the client must not take the bytes
// for a complete response, and the handler's error is reported.
struct ServerLengthMismatch : ::testing::Test {
  recorder<std::string> errors;
  http::server_options options() {
    http::server_options o;
    o.on_handler_error = [this](std::exception_ptr e, const http::request&) {
      try {
        std::rethrow_exception(e);
      } catch (const std::exception& ex) {
        errors.add(ex.what());
      }
    };
    return o;
  }
};

TEST_F(ServerLengthMismatch, LongerBodyThanDeclaredFailsTheResponse) {
  server_thread srv(
      [](http::exchange& ex) -> task<> {
        ex.start(200, {}, 5);
        co_await ex.write("abc");
        co_await ex.write("defgh");  // 8 > 5
        co_await ex.finish();
      },
      options());
  raw_client c(srv.port());
  c.send(get("/"));
  const std::string got = c.read_to_eof();
  EXPECT_TRUE(got.starts_with("HTTP/1.1 200 OK\r\n")) << got;
  EXPECT_NE(got.find("Content-Length: 5\r\n"), std::string::npos) << got;
  EXPECT_TRUE(got.ends_with("\r\n\r\nabc")) << got;  // never more than declared
  EXPECT_EQ(srv.call([this] { return errors.size(); }), 1u);
}

TEST_F(ServerLengthMismatch, ShorterBodyThanDeclaredClosesTheConnection) {
  server_thread srv(
      [](http::exchange& ex) -> task<> {
        ex.start(200, {}, 10);
        co_await ex.write("abc");
        co_await ex.finish();
      },
      options());
  raw_client c(srv.port());
  c.send(get("/") + get("/"));
  const std::string got = c.read_to_eof();  // closed, not waiting for 7 more bytes
  EXPECT_TRUE(got.starts_with("HTTP/1.1 200 OK\r\n")) << got;
  EXPECT_TRUE(got.ends_with("\r\n\r\nabc")) << got;
  EXPECT_EQ(srv.call([this] { return errors.size(); }), 1u);
}

// Answers without reading the request body.
task<> answer_without_reading(http::exchange& ex) {
  co_await ex.respond(http::response(200, "answered " + ex.req().target));
}

// A request without Content-Length or Transfer-Encoding has an empty body (RFC 9112 6.3): a
// streaming handler that never reads it must not cost the connection its keep-alive.
TEST(ServerBody, StreamingHandlerIgnoringEmptyBodyKeepsConnection) {
  server_thread srv(answer_without_reading);
  raw_client c(srv.port());
  c.send(get("/first") + get("/second"));
  const raw_response first = c.read_response();
  EXPECT_EQ(first.body, "answered /first");
  EXPECT_TRUE(first.says_keep_alive()) << first.head;
  const raw_response second = c.read_response();
  EXPECT_EQ(second.body, "answered /second");
}

TEST(ServerBody, UnreadBodyIsDrainedAndNextRequestServed) {
  server_thread srv(answer_without_reading);
  raw_client c(srv.port());
  c.send(post("/first", text(10'000)) + get("/second"));
  const raw_response first = c.read_response();
  EXPECT_EQ(first.body, "answered /first");
  EXPECT_TRUE(first.says_keep_alive()) << first.head;
  // The body was skipped, not read as the next request.
  const raw_response second = c.read_response();
  EXPECT_EQ(second.status, 200);
  EXPECT_EQ(second.body, "answered /second");
}

TEST(ServerBody, LargeUnreadBodyClosesConnection) {
  http::server_options o;
  o.max_body_size = 4 * 1024 * 1024;
  server_thread srv(answer_without_reading, o);
  raw_client c(srv.port());
  // The head alone: the handler answers before any body byte arrives.
  c.send("POST /big HTTP/1.1\r\nHost: test\r\nContent-Length: 2000000\r\n\r\n");
  const raw_response r = c.read_response();
  EXPECT_EQ(r.body, "answered /big");
  EXPECT_TRUE(r.says_close()) << r.head;  // too much to drain
  EXPECT_TRUE(c.closed_within(io_timeout));
}

TEST(ServerBody, UnreadChunkedBodyClosesConnection) {
  server_thread srv(answer_without_reading);
  raw_client c(srv.port());
  c.send("POST /chunked HTTP/1.1\r\nHost: test\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n");
  const raw_response r = c.read_response();
  EXPECT_EQ(r.body, "answered /chunked");
  EXPECT_TRUE(r.says_close()) << r.head;
  EXPECT_TRUE(c.closed_within(io_timeout));
}

}  // namespace
}  // namespace coronet::http_test
