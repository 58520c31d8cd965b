// The server's llhttp wrapper (http/src/parser.hpp, internal) fed directly: messages split at
// every byte boundary parse the same, feed() stops after each head and each message, body
// pieces are views of the caller's bytes, and each limit fails with its errc and status.
#include "parser.hpp"

#include <gtest/gtest.h>

#include <string>
#include <tuple>
#include <vector>

#include "coronet/http/error.hpp"
#include "http_test_support.hpp"

namespace coronet::http_test {
namespace {

using http::detail::parse_limits;
using http::detail::parser;

struct parsed {
  std::string method, target;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  bool operator==(const parsed&) const = default;
};

std::ostream& operator<<(std::ostream& os, const parsed& p) {
  os << p.method << " " << p.target << " [";
  for (const auto& [n, v] : p.headers) os << n << ": " << v << "; ";
  return os << "] body=" << p.body;
}

// Feeds `parts` one after another as a server would (resuming after each pause), collecting
// every complete message. Stops at a failure.
struct feeder {
  explicit feeder(parse_limits limits = {}) : p(req, limits) {}

  void feed(std::string_view part) {
    const char* d = part.data();
    std::size_t n = part.size();
    for (int guard = 0; guard < 100000; ++guard) {
      const std::size_t used = p.feed(d, n);
      d += used;
      n -= used;
      for (std::string_view piece : p.body_pieces()) body.append(piece);
      p.body_pieces().clear();
      if (p.current() == parser::state::failed) return;
      if (p.current() == parser::state::done) {
        parsed m{req.method, req.target, {}, body};
        for (auto [name, value] : req.headers) m.headers.emplace_back(name, value);
        messages.push_back(std::move(m));
        body.clear();
        p.next_message();
        continue;
      }
      if (n == 0 && !p.paused()) return;
    }
    ADD_FAILURE() << "the parser made no progress";
  }

  http::request req;
  parser p;
  std::string body;
  std::vector<parsed> messages;
};

const std::string two_requests =
    "POST /upload?x=1 HTTP/1.1\r\nHost: example\r\nX-Long-Header-Name: some value\r\n"
    "Transfer-Encoding: chunked\r\n\r\n"
    "5;ext=1\r\nhello\r\n1\r\n \r\n5\r\nworld\r\n0\r\nTrailer: t\r\n\r\n"
    "GET /second HTTP/1.1\r\nHost: example\r\nContent-Length: 3\r\n\r\nabc";

const std::vector<parsed> two_expected = {
    {"POST",
     "/upload?x=1",
     {{"Host", "example"}, {"X-Long-Header-Name", "some value"}, {"Transfer-Encoding", "chunked"}},
     "hello world"},
    {"GET", "/second", {{"Host", "example"}, {"Content-Length", "3"}}, "abc"},
};

TEST(HttpParser, WholeInputParsesTwoRequests) {
  feeder f;
  f.feed(two_requests);
  EXPECT_EQ(f.messages, two_expected);
}

TEST(HttpParser, SplitAtEveryBoundaryParsesTheSame) {
  for (std::size_t at = 0; at <= two_requests.size(); ++at) {
    feeder f;
    // Separate buffers, as successive socket reads would be.
    const std::string first = two_requests.substr(0, at), second = two_requests.substr(at);
    f.feed(first);
    f.feed(second);
    EXPECT_EQ(f.messages, two_expected) << "split at " << at;
  }
}

TEST(HttpParser, ByteByByteParsesTheSame) {
  feeder f;
  for (char c : two_requests) {
    const std::string one(1, c);
    f.feed(one);
  }
  EXPECT_EQ(f.messages, two_expected);
}

TEST(HttpParser, FeedStopsAfterHeadAndAfterMessage) {
  http::request req;
  parser p(req, {});
  const std::string head = "GET /a HTTP/1.1\r\nHost: h\r\n\r\n";
  const std::string data = head + "GET /b HTTP/1.1\r\nHost: h\r\n\r\n";
  std::size_t used = p.feed(data.data(), data.size());
  EXPECT_EQ(used, head.size());
  EXPECT_EQ(p.current(), parser::state::body);
  EXPECT_TRUE(p.take_head_ready());
  EXPECT_FALSE(p.take_head_ready());  // once
  EXPECT_EQ(req.target, "/a");
  // Resuming completes the bodiless message without taking a byte of the next one.
  used = p.feed(data.data() + head.size(), data.size() - head.size());
  EXPECT_EQ(used, 0u);
  EXPECT_EQ(p.current(), parser::state::done);
  EXPECT_EQ(p.feed(data.data() + head.size(), 1), 0u);  // done until next_message()
  p.next_message();
  EXPECT_EQ(p.current(), parser::state::idle);
  used = p.feed(data.data() + head.size(), data.size() - head.size());
  EXPECT_EQ(used, data.size() - head.size());
  EXPECT_EQ(req.target, "/b");
}

TEST(HttpParser, BodyPiecesAreViewsOfTheFedBytes) {
  http::request req;
  parser p(req, {});
  const std::string data = "POST / HTTP/1.1\r\nContent-Length: 5\r\n\r\nhello";
  std::size_t at = p.feed(data.data(), data.size());
  at += p.feed(data.data() + at, data.size() - at);
  EXPECT_EQ(p.current(), parser::state::done);
  ASSERT_EQ(p.body_pieces().size(), 1u);
  EXPECT_EQ(p.body_pieces()[0], "hello");
  EXPECT_EQ(p.body_pieces()[0].data(), data.data() + data.size() - 5);
  EXPECT_EQ(p.body_bytes(), 5u);
  EXPECT_TRUE(p.has_content_length());
  EXPECT_EQ(p.content_length(), 5u);
  EXPECT_FALSE(p.chunked());
}

TEST(HttpParser, KeepAliveFollowsVersionAndConnection) {
  const auto keep_alive = [](const std::string& data) {
    http::request req;
    parser p(req, {});
    p.feed(data.data(), data.size());
    EXPECT_EQ(p.current(), parser::state::body) << data;
    return p.keep_alive();
  };
  EXPECT_TRUE(keep_alive("GET / HTTP/1.1\r\n\r\n"));
  EXPECT_FALSE(keep_alive("GET / HTTP/1.1\r\nConnection: close\r\n\r\n"));
  EXPECT_FALSE(keep_alive("GET / HTTP/1.0\r\n\r\n"));
  EXPECT_TRUE(keep_alive("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n"));
}

// Head of exactly `size` bytes.
std::string head_of_size(std::size_t size) {
  const std::string base = "GET / HTTP/1.1\r\nX: \r\n\r\n";
  return "GET / HTTP/1.1\r\nX: " + std::string(size - base.size(), 'x') + "\r\n\r\n";
}

TEST(HttpParser, HeaderSizeLimitIsExactWholeOrByteByByte) {
  parse_limits limits;
  limits.max_header_size = 200;
  for (bool bytewise : {false, true}) {
    for (std::size_t size : {199u, 200u, 201u}) {
      feeder f(limits);
      const std::string head = head_of_size(size);
      if (bytewise) {
        for (char c : head) f.feed(std::string(1, c));
      } else {
        f.feed(head);
      }
      if (size <= 200) {
        EXPECT_EQ(f.messages.size(), 1u) << size << (bytewise ? " bytewise" : "");
      } else {
        EXPECT_EQ(f.p.current(), parser::state::failed) << size;
        EXPECT_EQ(f.p.error(), http::errc::header_too_large);
        EXPECT_EQ(f.p.error_status(), 431);
      }
    }
  }
}

// The request line alone over the head's limit is 414, wherever the feeds split it; a head
// over the limit after a request line that fits is 431.
TEST(HttpParser, RequestLineOverTheLimitIs414WholeOrByteByByte) {
  parse_limits limits;
  limits.max_header_size = 200;
  const std::string long_line = "GET /" + std::string(300, 'a') + " HTTP/1.1\r\n\r\n";
  const std::string long_head = "GET /a HTTP/1.1\r\nX: " + std::string(300, 'a') + "\r\n\r\n";
  for (bool bytewise : {false, true}) {
    for (const auto& [input, error, status] :
         {std::tuple{long_line, http::errc::uri_too_long, 414},
          std::tuple{long_head, http::errc::header_too_large, 431}}) {
      feeder f(limits);
      if (bytewise) {
        for (char c : input) f.feed(std::string(1, c));
      } else {
        f.feed(input);
      }
      EXPECT_EQ(f.p.current(), parser::state::failed) << status << (bytewise ? " bytewise" : "");
      EXPECT_EQ(f.p.error(), error) << status;
      EXPECT_EQ(f.p.error_status(), status);
    }
  }
}

// obs-fold is refused however the bytes arrive: the LF and the SP in separate feeds too.
TEST(HttpParser, ObsFoldRefusedWholeOrByteByByte) {
  const std::string input = "GET / HTTP/1.1\r\nHost: a\r\nX: a\r\n\tb\r\n\r\n";
  for (bool bytewise : {false, true}) {
    feeder f(parse_limits{});
    if (bytewise) {
      for (char c : input) f.feed(std::string(1, c));
    } else {
      f.feed(input);
    }
    EXPECT_EQ(f.p.current(), parser::state::failed) << (bytewise ? "bytewise" : "whole");
    EXPECT_EQ(f.p.error_status(), 400);
    EXPECT_TRUE(f.messages.empty());
  }
}

TEST(HttpParser, LimitsFailWithTheirStatus) {
  struct limit_case {
    const char* input;
    http::errc error;
    int status;
  };
  parse_limits limits;
  limits.max_headers = 2;
  limits.max_body_size = 4;
  const limit_case cases[] = {
      {"GET / HTTP/1.1\r\nA: 1\r\nB: 2\r\nC: 3\r\n\r\n", http::errc::too_many_headers, 431},
      {"POST / HTTP/1.1\r\nContent-Length: 5\r\n\r\nhello", http::errc::body_too_large, 413},
      {"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n",
       http::errc::body_too_large, 413},
      {"POST / HTTP/1.1\r\nTransfer-Encoding: gzip, chunked\r\n\r\n",
       http::errc::unsupported_transfer_encoding, 501},
      {"POST / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n",
       http::errc::malformed_message, 400},
      {"POST / HTTP/1.1\r\nTransfer-Encoding: chunked, chunked\r\n\r\n",
       http::errc::malformed_message, 400},
      {"POST / HTTP/1.1\r\nTransfer-Encoding: chunked, gzip\r\n\r\n", http::errc::malformed_message,
       400},
  };
  for (const auto& c : cases) {
    feeder f(limits);
    f.feed(c.input);
    EXPECT_EQ(f.p.current(), parser::state::failed) << c.input;
    EXPECT_EQ(f.p.error(), c.error) << c.input;
    EXPECT_EQ(f.p.error_status(), c.status) << c.input;
    EXPECT_TRUE(f.messages.empty()) << c.input;
  }
  // At the limits exactly: fine.
  feeder f(limits);
  f.feed("POST / HTTP/1.1\r\nA: 1\r\nContent-Length: 4\r\n\r\nabcd");
  ASSERT_EQ(f.messages.size(), 1u);
  EXPECT_EQ(f.messages[0].body, "abcd");
}

TEST(HttpParser, MalformedInputHasAReason) {
  feeder f;
  f.feed("GET / HTTP/1.1\r\nX(Y): x\r\n\r\n");
  EXPECT_EQ(f.p.current(), parser::state::failed);
  EXPECT_EQ(f.p.error(), http::errc::malformed_message);
  EXPECT_EQ(f.p.error_status(), 400);
  EXPECT_FALSE(f.p.error_reason().empty());
}

TEST(HttpParser, FinishFailsOnlyAMessageCutShort) {
  {
    feeder f;
    f.p.finish();  // idle: nothing happens
    EXPECT_EQ(f.p.current(), parser::state::idle);
  }
  {
    feeder f;
    f.feed("POST / HTTP/1.1\r\nContent-Length: 10\r\n\r\nabc");
    f.p.finish();
    EXPECT_EQ(f.p.current(), parser::state::failed);
    EXPECT_EQ(f.p.error(), http::errc::incomplete_message);
  }
  {
    feeder f;
    f.feed("GET / HTTP/1.1\r\nHo");
    f.p.finish();
    EXPECT_EQ(f.p.current(), parser::state::failed);
  }
}

TEST(HttpParser, HeaderViewsSurviveTrailers) {
  // Trailers are dropped so that the head a handler holds views into never moves under it.
  feeder f;
  f.feed(
      "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"
      "1\r\na\r\n");
  const std::string_view te = f.req.headers.get("Transfer-Encoding");
  f.feed("0\r\nX-Trailer: " + std::string(1000, 't') + "\r\n\r\n");
  ASSERT_EQ(f.messages.size(), 1u);
  EXPECT_EQ(f.messages[0].headers.size(), 1u);
  EXPECT_EQ(te, "chunked");
}

}  // namespace
}  // namespace coronet::http_test
