// http::client bodies: chunked uploads from a body_source, responses streamed with open() and
// read_some(), bodies of several MiB, and max_body_size.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "client_test_support.hpp"

namespace coronet::http_client_test {
namespace {

// Answers with what arrived: the body, and how it was framed.
task<http::response> describe_upload(http::request& req) {
  http::response r(200, req.body);
  r.headers.add("X-Transfer-Encoding", req.headers.get("Transfer-Encoding", "none"));
  r.headers.add("X-Content-Length", req.headers.get("Content-Length", "none"));
  co_return r;
}

// A body_source giving `pieces` one by one, then "" (each after a turn of the loop, as a
// producer that waits for its data would).
http::body_source pieces_of(std::vector<std::string> pieces) {
  auto next = std::make_shared<std::size_t>(0);
  return [pieces = std::move(pieces), next]() -> task<std::string> {
    co_await test::next_turn();
    if (*next == pieces.size()) co_return std::string();
    co_return pieces[(*next)++];
  };
}

TEST(ClientBody, ChunkedUploadFromBodySource) {
  with_server(describe_upload, [](served& s) -> task<> {
    http::client c;
    http::body_source source = pieces_of({"first,", "second,", std::string(10000, 'x'), "last"});
    http::response r = co_await c.request("POST", s.url("/upload"), http::fields(), source);
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.body, "first,second," + std::string(10000, 'x') + "last");
    EXPECT_EQ(r.headers.get("X-Transfer-Encoding"), "chunked");
    EXPECT_EQ(r.headers.get("X-Content-Length"), "none");
    // The connection stays usable after a chunked upload.
    http::response again = co_await c.request("PUT", s.url("/upload"), http::fields(), "plain");
    EXPECT_EQ(again.body, "plain");
    EXPECT_EQ(s.accepted(), 1u);
  });
}

TEST(ClientBody, EmptyBodySourceSendsTheLastChunkOnly) {
  with_server(describe_upload, [](served& s) -> task<> {
    http::client c;
    http::body_source source = pieces_of({});
    http::response r = co_await c.request("POST", s.url("/"), http::fields(), source);
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.body, "");
    EXPECT_EQ(r.headers.get("X-Transfer-Encoding"), "chunked");
  });
}

TEST(ClientBody, ChunkedUploadFramingOnTheWire) {
  in_loop([]() -> task<> {
    auto l = tcp::listener::bind(tcp::endpoint{"127.0.0.1", 0});
    raw_request seen;
    const std::string ok = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
    auto client_side = [&]() -> task<> {
      http::client c;
      http::fields headers;
      headers.add("Content-Length", "999");  // framing headers from the caller are not sent
      http::body_source source = pieces_of({"abc", "defgh"});
      http::response r =
          co_await c.request("POST", local_url(l.port(), "/up"), std::move(headers), source);
      EXPECT_EQ(r.body, "ok");
    };
    co_await when_all(answer_once(l, ok, &seen), client_side());
    EXPECT_EQ(seen.request_line(), "POST /up HTTP/1.1");
    EXPECT_EQ(seen.header("Transfer-Encoding"), "chunked");
    EXPECT_EQ(seen.header("Content-Length"), "") << seen.head;
    EXPECT_EQ(seen.body, "abcdefgh");
  });
}

TEST(ClientBody, ThrowingBodySourceFailsTheRequest) {
  with_server(describe_upload, [](served& s) -> task<> {
    http::client c;
    http::body_source source = []() -> task<std::string> {
      co_await test::next_turn();
      throw std::system_error(std::make_error_code(std::errc::io_error), "produce body");
    };
    failure f = co_await failure_of(c.request("POST", s.url("/x"), http::fields(), source));
    EXPECT_EQ(f.code, std::errc::io_error) << f.what;
    EXPECT_EQ(c.idle_connections(), 0u) << "a half-sent request's connection is not reusable";
    http::response r = co_await c.get(s.url("/after"));
    EXPECT_EQ(r.status, 200);
  });
}

// The handler writes a piece only once the client has read the one before: a client that
// waited for the whole body would never see the first.
TEST(ClientBody, OpenStreamsAChunkedResponsePieceByPiece) {
  test::event got_first, got_second;
  with_server(http::server::stream_handler([&](http::exchange& ex) -> task<> {
                ex.start(200);
                co_await ex.write("one;");
                co_await got_first.wait();
                co_await ex.write("two;");
                co_await got_second.wait();
                co_await ex.write("three");
                co_await ex.finish();
              }),
              [&](served& s) -> task<> {
                http::client c;
                http::incoming in = co_await c.open("GET", s.url("/stream"));
                EXPECT_EQ(in.status(), 200);
                EXPECT_EQ(in.headers().get("Transfer-Encoding"), "chunked");
                std::string body;
                while (body != "one;") {
                  std::string_view piece = co_await in.read_some();
                  if (piece.empty()) break;
                  body.append(piece);
                }
                EXPECT_EQ(body, "one;");
                got_first.set();
                while (body != "one;two;") {
                  std::string_view piece = co_await in.read_some();
                  if (piece.empty()) break;
                  body.append(piece);
                }
                EXPECT_EQ(body, "one;two;");
                got_second.set();
                std::string rest = co_await in.read_all();
                EXPECT_EQ(body + rest, "one;two;three");
                std::string_view after = co_await in.read_some();
                EXPECT_TRUE(after.empty());
                EXPECT_EQ(c.idle_connections(), 1u)
                    << "a body read to its end returns the connection";
                co_await c.get(s.url("/again"));
                EXPECT_EQ(s.accepted(), 1u);
              });
}

TEST(ClientBody, LargeBodiesWholeAndStreamed) {
  const std::string big = pattern(5 * 1024 * 1024 + 17);
  with_server(http::server::stream_handler([&](http::exchange& ex) -> task<> {
                if (ex.req().target == "/chunked") {
                  ex.start(200);
                } else {
                  http::fields none;
                  ex.start(200, std::move(none), big.size());
                }
                // Pieces of uneven sizes, so that chunk and read boundaries never line up.
                std::size_t at = 0, step = 1000;
                while (at < big.size()) {
                  const std::size_t n = std::min(step, big.size() - at);
                  co_await ex.write(std::string_view(big).substr(at, n));
                  at += n;
                  step = step * 3 % 300007 + 1;
                }
                co_await ex.finish();
              }),
              [&](served& s) -> task<> {
                http::client c;
                const std::vector<std::string> targets{"/length", "/chunked"};
                for (const std::string& target : targets) {
                  http::response whole = co_await c.get(s.url(target));
                  EXPECT_EQ(whole.body.size(), big.size()) << target;
                  EXPECT_TRUE(whole.body == big) << target;

                  http::incoming in = co_await c.open("GET", s.url(target));
                  std::string streamed;
                  std::size_t pieces = 0;
                  for (;;) {
                    std::string_view piece = co_await in.read_some();
                    if (piece.empty()) break;
                    EXPECT_LE(piece.size(), c.options().read_buffer_size);
                    streamed.append(piece);
                    ++pieces;
                  }
                  EXPECT_TRUE(streamed == big) << target;
                  EXPECT_GT(pieces, 10u) << "a body of MiBs comes in pieces, not all at once";
                }
                EXPECT_EQ(s.accepted(), 1u);
              });
}

TEST(ClientBody, LargeUploadWithContentLength) {
  http::server_options o;
  o.max_body_size = 8 * 1024 * 1024;
  const std::string big = pattern(3 * 1024 * 1024 + 5);
  with_server(
      [](http::request& req) -> task<http::response> {
        co_return http::response(
            200, std::to_string(req.body.size()) + " " + req.body.substr(req.body.size() - 10));
      },
      [&](served& s) -> task<> {
        http::client c;
        http::response r = co_await c.request("POST", s.url("/big"), http::fields(), big);
        EXPECT_EQ(r.body, std::to_string(big.size()) + " " + big.substr(big.size() - 10));
      },
      o);
}

TEST(ClientBody, BodyAtTheLimitIsRead) {
  with_server(
      [](http::request&) -> task<http::response> { co_return http::response(200, pattern(1000)); },
      [](served& s) -> task<> {
        http::client_options o;
        o.max_body_size = 1000;
        http::client c(o);
        http::response r = co_await c.get(s.url("/"));
        EXPECT_EQ(r.body, pattern(1000));
      });
}

TEST(ClientBody, BodyOverTheLimitIsBodyTooLarge) {
  with_server(http::server::stream_handler([](http::exchange& ex) -> task<> {
                if (ex.req().target == "/chunked") {
                  ex.start(200);
                  co_await ex.write(pattern(600));
                  co_await ex.write(pattern(401));
                  co_await ex.finish();
                } else {
                  co_await ex.respond(http::response(200, pattern(1001)));
                }
              }),
              [](served& s) -> task<> {
                http::client_options o;
                o.max_body_size = 1000;
                http::client c(o);
                const std::vector<std::string> targets{"/length", "/chunked"};
                for (const std::string& target : targets) {
                  const std::string url = s.url(target);
                  failure f = co_await failure_of(c.get(url));
                  EXPECT_EQ(f.code, http::errc::body_too_large) << f.what;
                  EXPECT_EQ(f.what.find("GET " + url + ": "), 0u) << f.what;
                  EXPECT_EQ(f.what.find("GET " + url, 1), std::string::npos)
                      << "the request is named once: " << f.what;
                  EXPECT_EQ(c.idle_connections(), 0u);
                }
                // open() streams without the limit; read_all() applies it.
                http::incoming in = co_await c.open("GET", s.url("/length"));
                std::size_t streamed = 0;
                for (;;) {
                  std::string_view piece = co_await in.read_some();
                  if (piece.empty()) break;
                  streamed += piece.size();
                }
                EXPECT_EQ(streamed, 1001u);
                http::incoming again = co_await c.open("GET", s.url("/chunked"));
                failure f = co_await failure_of(again.read_all());
                EXPECT_EQ(f.code, http::errc::body_too_large) << f.what;
              });
}

TEST(ClientBody, AbandonedBodyClosesItsConnection) {
  with_server(
      [](http::request& req) -> task<http::response> {
        co_return http::response(200, req.target + pattern(100000));
      },
      [](served& s) -> task<> {
        http::client c;
        {
          http::incoming in = co_await c.open("GET", s.url("/first"));
          std::string_view piece = co_await in.read_some();
          EXPECT_EQ(piece.substr(0, 6), "/first");
        }  // destroyed with most of the body unread
        EXPECT_EQ(c.idle_connections(), 0u);
        http::response r = co_await c.get(s.url("/second"));
        EXPECT_EQ(r.body, "/second" + pattern(100000));
        EXPECT_EQ(s.accepted(), 2u);
      });
}

TEST(ClientBody, OpenHeadAndNoContentHaveNothingToRead) {
  with_server(
      [](http::request& req) -> task<http::response> {
        co_return http::response(req.target == "/204" ? 204 : 200, "twelve bytes");
      },
      [](served& s) -> task<> {
        http::client c;
        http::incoming head = co_await c.open("HEAD", s.url("/"));
        EXPECT_EQ(head.headers().get("Content-Length"), "12");
        std::string_view piece = co_await head.read_some();
        EXPECT_TRUE(piece.empty());
        http::incoming none = co_await c.open("GET", s.url("/204"));
        EXPECT_EQ(none.status(), 204);
        std::string rest = co_await none.read_all();
        EXPECT_EQ(rest, "");
        http::response r = co_await c.get(s.url("/"));
        EXPECT_EQ(r.body, "twelve bytes");
        EXPECT_EQ(s.accepted(), 1u);
      });
}

}  // namespace
}  // namespace coronet::http_client_test
