// http::client failures, each naming the request: refused connections, timeouts, unsupported
// URLs, and raw servers that misbehave on purpose (bad status line, a close in mid-response, a
// body delimited by the close, interim 1xx responses, connections closed while pooled).
#include <gtest/gtest.h>

#include <algorithm>
#include <cerrno>
#include <string>
#include <vector>

#include "client_test_support.hpp"
#include "sample_harness.hpp"

namespace coronet::http_client_test {
namespace {

const std::string ok_response = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";

// `what` is "GET URL: ..." and names the request only there.
void expect_names_request(const failure& f, const std::string& method, const std::string& url) {
  const std::string prefix = method + " " + url + ": ";
  EXPECT_EQ(f.what.substr(0, prefix.size()), prefix) << f.what;
  EXPECT_EQ(f.what.find(url, prefix.size()), std::string::npos)
      << "the URL appears once: " << f.what;
}

TEST(ClientErrors, ConnectionRefusedNamesTheUrl) {
  sample_test::refusing_port nobody;
  const std::string port = std::to_string(nobody.port());
  in_loop([&]() -> task<> {
    http::client c;
    const std::string url = "http://127.0.0.1:" + port + "/x";
    failure f = co_await failure_of(c.get(url));
    EXPECT_EQ(f.code, std::errc::connection_refused) << f.what;
    EXPECT_EQ(f.what, "GET " + url + ": connect 127.0.0.1:" + port + ": Connection refused");
    failure free = co_await failure_of(http::get(url));
    EXPECT_EQ(free.what, f.what);
    failure post = co_await failure_of(c.request("POST", url, http::fields(), "body"));
    EXPECT_EQ(post.what, "POST " + url + ": connect 127.0.0.1:" + port + ": Connection refused");
  });
}

TEST(ClientErrors, UnknownHostFailsNamingTheUrl) {
  in_loop([]() -> task<> {
    http::client c;
    const std::string url = "http://no-such-host.invalid/";
    failure f = co_await failure_of(c.get(url));
    EXPECT_TRUE(f.failed());
    expect_names_request(f, "GET", url);
  });
}

TEST(ClientErrors, UnsupportedUrls) {
  in_loop([]() -> task<> {
    http::client c;
    // The last three, found by tests/fuzz/endpoint_fuzz: decoded hosts the resolver would read
    // as another name (it stops at a NUL), a "path" Boost.URL reads after an IPv6 literal.
    const std::vector<std::string> urls{"ftp://127.0.0.1/",
                                        "ws://127.0.0.1/",
                                        "not a url",
                                        "",
                                        "/relative/path",
                                        "http:///no-host",
                                        "http://127.0.0.1:99999/",
                                        "http://127.0.0.1:0/",
                                        "http://127.0.0.1:port/",
                                        "http://127.0.0.1%00.example.org/",
                                        "http://a%0D%0Ab/",
                                        "http://[::1]009:0/"};
    for (const std::string& url : urls) {
      failure f = co_await failure_of(c.get(url));
      EXPECT_EQ(f.code, http::errc::unsupported_url) << "'" << url << "': " << f.what;
      EXPECT_EQ(f.what.substr(0, 5 + url.size()), "GET " + url + ":") << f.what;
    }
    failure ftp = co_await failure_of(c.get("ftp://example.org/"));
#ifdef CORONET_HAS_TLS
    EXPECT_EQ(ftp.what,
              "GET ftp://example.org/: only http:// and https:// URLs are supported: "
              "unsupported URL");
#else
    EXPECT_EQ(ftp.what,
              "GET ftp://example.org/: only http:// URLs are supported (TLS is not built in): "
              "unsupported URL");
    // Without TLS, https:// is one more unsupported scheme.
    failure https = co_await failure_of(c.get("https://example.org/"));
    EXPECT_EQ(https.code, http::errc::unsupported_url) << https.what;
#endif
  });
}

// A raw server that reads the request and then says nothing until the test is done.
task<> accept_and_stall(tcp::listener& l, test::event& done) {
  stream s = co_await l.accept();
  std::string pending;
  co_await read_request(s, pending);
  co_await done.wait();
}

task<> stall_after(tcp::listener& l, std::string partial, test::event& done) {
  stream s = co_await l.accept();
  std::string pending;
  co_await read_request(s, pending);
  co_await s.write_all(partial);
  co_await done.wait();
}

TEST(ClientErrors, TimeoutWithoutResponseNamesTheUrl) {
  in_loop([]() -> task<> {
    auto l = tcp::listener::bind(tcp::endpoint{"127.0.0.1", 0});
    test::event done;
    const std::string url = local_url(l.port(), "/slow");
    auto client_side = [&]() -> task<> {
      http::client_options o;
      o.timeout = 200ms;
      http::client c(o);
      test::stopwatch clock;
      failure f = co_await failure_of(c.get(url));
      EXPECT_EQ(f.code, std::errc::timed_out) << f.what;
      // The message coronet gives ETIMEDOUT (errno_category: the C runtime's strerror on
      // Windows has no text for it).
      EXPECT_EQ(f.what, "GET " + url + ": no response within 200 ms: " +
                            std::error_code(ETIMEDOUT, coronet::errno_category()).message());
      EXPECT_GE(clock.elapsed(), 200ms);
      EXPECT_LT(clock.elapsed(), test::prompt);
      done.set();
    };
    co_await when_all(accept_and_stall(l, done), client_side());
  });
}

TEST(ClientErrors, TimeoutCoversTheBody) {
  in_loop([]() -> task<> {
    auto l = tcp::listener::bind(tcp::endpoint{"127.0.0.1", 0});
    test::event done;
    const std::string url = local_url(l.port(), "/half");
    auto client_side = [&]() -> task<> {
      http::client_options o;
      o.timeout = 200ms;
      http::client c(o);
      failure f = co_await failure_of(c.get(url));
      EXPECT_EQ(f.code, std::errc::timed_out) << f.what;
      expect_names_request(f, "GET", url);
      done.set();
    };
    co_await when_all(stall_after(l, "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nhalf", done),
                      client_side());
  });
}

// Each case: the bytes a raw server answers with (then closes), and the error expected.
struct bad_reply {
  const char* name;
  std::string bytes;
  http::errc expected;
};

TEST(ClientErrors, MisbehavingServersGiveTheRightError) {
  const std::vector<bad_reply> cases{
      {"not HTTP", "HELLO THERE\r\n\r\n", http::errc::malformed_message},
      {"bad status code", "HTTP/1.1 2x0 OK\r\nContent-Length: 0\r\n\r\n",
       http::errc::malformed_message},
      // Not a status (RFC 9110 15): taken for an interim response, it hung the client in a
      // loop waiting for the end of its body (found by tests/fuzz/http_client_fuzz).
      {"status below 100",
       "HTTP/1.1 050 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n",
       http::errc::malformed_message},
      {"bad header line", "HTTP/1.1 200 OK\r\nNo colon here\r\n\r\n",
       http::errc::malformed_message},
      // RFC 9112 2.2: lines end in CRLF; llhttp 8 took a bare LF ending the status line, the
      // head or the trailers. The client refuses them as the server does (docs/http.md).
      {"bare LF ending the status line", "HTTP/1.1 200 OK\nContent-Length: 0\r\n\r\n",
       http::errc::malformed_message},
      {"bare LF ending the head", "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\nok",
       http::errc::malformed_message},
      {"bare LF ending the trailers",
       "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n\n",
       http::errc::malformed_message},
      {"bare LF after a trailer line",
       "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\nX: 1\r\n\n",
       http::errc::malformed_message},
      {"bad chunk size", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nhi\r\n",
       http::errc::malformed_message},
      {"two lengths", "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\nok",
       http::errc::malformed_message},
      {"close before anything", "", http::errc::incomplete_message},
      {"close in the status line", "HTTP/1.1 20", http::errc::incomplete_message},
      {"close in the headers", "HTTP/1.1 200 OK\r\nContent-Le", http::errc::incomplete_message},
      {"close in a length body", "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly this",
       http::errc::incomplete_message},
      {"close in a chunked body",
       "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n",
       http::errc::incomplete_message},
  };
  for (const bad_reply& b : cases) {
    SCOPED_TRACE(b.name);
    in_loop([&]() -> task<> {
      auto l = tcp::listener::bind(tcp::endpoint{"127.0.0.1", 0});
      const std::string url = local_url(l.port(), "/bad");
      auto client_side = [&]() -> task<> {
        http::client c;
        failure f = co_await failure_of(c.get(url));
        EXPECT_EQ(f.code, b.expected) << f.what;
        expect_names_request(f, "GET", url);
        EXPECT_EQ(c.idle_connections(), 0u);
      };
      co_await when_all(answer_once(l, b.bytes), client_side());
    });
  }
}

// Interim (1xx), 204 and 304 responses have no body whatever their Content-Length says
// (RFC 9110 6.4.1, 8.6): waiting for the declared bytes would hang the client.
TEST(ClientErrors, BodilessStatusesIgnoreTheirContentLength) {
  in_loop([]() -> task<> {
    auto l = tcp::listener::bind(tcp::endpoint{"127.0.0.1", 0});
    const std::string url = local_url(l.port(), "/cached");
    auto client_side = [&]() -> task<> {
      http::client c;
      http::response r = co_await c.get(url);
      EXPECT_EQ(r.status, 304);
      EXPECT_EQ(r.body, "");
    };
    co_await when_all(answer_once(l,
                                  "HTTP/1.1 103 Early Hints\r\nContent-Length: 5\r\n\r\n"
                                  "HTTP/1.1 304 Not Modified\r\nContent-Length: 5\r\n\r\n"),
                      client_side());
  });
}

// The method goes on the request line as it is: one that is not a token could split it.
TEST(ClientErrors, MethodThatIsNotATokenIsRefused) {
  in_loop([]() -> task<> {
    http::client c;
    bool refused = false;
    try {
      co_await c.request("GET / HTTP/1.1\r\nHost: a\r\n\r\nGET", "http://127.0.0.1:1/");
    } catch (const std::invalid_argument&) {
      refused = true;
    }
    EXPECT_TRUE(refused);
  });
}

// fields::add refuses a CR or LF; fields filled line by line (as parsers do) are not checked
// until the request is written: the client checks them then.
http::fields unchecked(std::string_view name, std::string_view value) {
  http::fields f;
  f.begin_line();
  f.append_name(name);
  f.append_value(value);
  return f;
}

// A header from the caller with CR, LF or NUL could inject headers or a whole request: it is
// refused with invalid_argument naming it, before the client even connects. The first
// connection the server sees carries the good request that follows.
TEST(ClientErrors, HeaderWithCrLfFromTheCallerIsRefusedBeforeAnythingIsSent) {
  in_loop([]() -> task<> {
    auto l = tcp::listener::bind(tcp::endpoint{"127.0.0.1", 0});
    const std::string url = local_url(l.port(), "/");
    http::client c;
    {
      http::fields f;
      EXPECT_THROW(f.add("X-Bad", "a\r\nInjected: yes"), std::invalid_argument);
    }
    const std::pair<std::string, std::string> bad[] = {
        {"X-Bad", "a\r\nInjected: yes"}, {"X-Bad", "a\nInjected: yes"},
        {"X-Bad", "a\rInjected: yes"},   {"X-Nul", std::string("a\0b", 3)},
        {"Injected: yes\r\nX", "v"},     {"X Space", "v"},
        {"Host", "a\r\nInjected: yes"},
    };
    for (const auto& [name, value] : bad) {
      std::string what;
      try {
        co_await c.get(url, unchecked(name, value));
        ADD_FAILURE() << "sent a request with header " << testing::PrintToString(name);
      } catch (const std::invalid_argument& e) {
        what = e.what();
      }
      EXPECT_TRUE(what.starts_with("http: ")) << what;
    }
    raw_request seen;
    auto good = [&]() -> task<> {
      http::fields f;
      f.add("X-Good", "yes");
      http::response r = co_await c.get(url, std::move(f));
      EXPECT_EQ(r.status, 200);
    };
    co_await when_all(answer_once(l, ok_response, &seen), good());
    EXPECT_EQ(seen.request_line(), "GET / HTTP/1.1");
    EXPECT_EQ(seen.header("X-Good"), "yes");
    EXPECT_EQ(seen.head.find("Injected"), std::string::npos) << seen.head;
  });
}

// A request target with a space, CR, LF or another control character would split the request
// line: such a URL is refused (unsupported_url) without connecting.
TEST(ClientErrors, UrlWithSpaceOrControlCharactersIsRefused) {
  in_loop([]() -> task<> {
    auto l = tcp::listener::bind(tcp::endpoint{"127.0.0.1", 0});
    http::client c;
    for (const char* target : {"/a b", "/a\r\nInjected: yes", "/a\nb", "/a\rb", "/a\tb", "/?q=a b",
                               "/?q=\r\n", "/\x7f"}) {
      const std::string url = local_url(l.port(), target);
      failure f = co_await failure_of(c.get(url));
      EXPECT_EQ(f.code, http::errc::unsupported_url) << testing::PrintToString(url) << f.what;
    }
    // Percent-encoded, the same characters are just data.
    raw_request seen;
    auto good = [&]() -> task<> {
      http::response r = co_await c.get(local_url(l.port(), "/a%20b?q=%0D%0A"));
      EXPECT_EQ(r.status, 200);
    };
    co_await when_all(answer_once(l, ok_response, &seen), good());
    EXPECT_EQ(seen.request_line(), "GET /a%20b?q=%0D%0A HTTP/1.1");
  });
}

TEST(ClientErrors, IncompleteBodyMessageSaysWhatHappened) {
  in_loop([]() -> task<> {
    auto l = tcp::listener::bind(tcp::endpoint{"127.0.0.1", 0});
    const std::string url = local_url(l.port(), "/cut");
    auto client_side = [&]() -> task<> {
      http::client c;
      failure f = co_await failure_of(c.get(url));
      EXPECT_EQ(f.code, http::errc::incomplete_message);
      EXPECT_EQ(f.what, "GET " + url + ": read response body: " +
                            make_error_code(http::errc::incomplete_message).message());
    };
    co_await when_all(answer_once(l, "HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\ncut"),
                      client_side());
  });
}

TEST(ClientErrors, IncompleteStreamedBodyFailsReadSome) {
  in_loop([]() -> task<> {
    auto l = tcp::listener::bind(tcp::endpoint{"127.0.0.1", 0});
    const std::string url = local_url(l.port(), "/cut");
    auto client_side = [&]() -> task<> {
      http::client c;
      http::incoming in = co_await c.open("GET", url);
      EXPECT_EQ(in.status(), 200);
      failure f = co_await failure_of(in.read_all());
      EXPECT_EQ(f.code, http::errc::incomplete_message) << f.what;
      expect_names_request(f, "GET", url);
    };
    co_await when_all(answer_once(l, "HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\ncut"),
                      client_side());
  });
}

TEST(ClientErrors, ResponseHeadOverTheLimit) {
  in_loop([]() -> task<> {
    auto l = tcp::listener::bind(tcp::endpoint{"127.0.0.1", 0});
    const std::string url = local_url(l.port(), "/");
    auto client_side = [&]() -> task<> {
      http::client_options o;
      o.max_header_size = 1024;
      http::client c(o);
      failure f = co_await failure_of(c.get(url));
      EXPECT_EQ(f.code, http::errc::header_too_large) << f.what;
      expect_names_request(f, "GET", url);
    };
    co_await when_all(answer_once(l, "HTTP/1.1 200 OK\r\nX-Big: " + std::string(2000, 'b') +
                                         "\r\nContent-Length: 2\r\n\r\nok"),
                      client_side());
  });
}

task<> read_into(http::client& c, std::string url, http::response& into) {
  into = co_await c.get(url);
}

TEST(ClientErrors, BodyDelimitedByCloseIsReadWhole) {
  const std::vector<std::string> replies{
      "HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\n",
      "HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n",
  };
  const std::string body = pattern(100000);
  for (const std::string& head : replies) {
    SCOPED_TRACE(head);
    in_loop([&]() -> task<> {
      auto l = tcp::listener::bind(tcp::endpoint{"127.0.0.1", 0});
      auto client_side = [&]() -> task<> {
        http::client c;
        http::response r;
        failure f = co_await failure_of(read_into(c, local_url(l.port(), "/old"), r));
        EXPECT_FALSE(f.failed()) << f.what;
        EXPECT_EQ(r.status, 200);
        EXPECT_TRUE(r.body == body) << r.body.size() << " bytes";
        EXPECT_EQ(c.idle_connections(), 0u) << "the close ended it: nothing to pool";
      };
      co_await when_all(answer_once(l, head + body), client_side());
    });
  }
}

TEST(ClientErrors, Http10KeepAliveResponseIsPooled) {
  in_loop([]() -> task<> {
    auto l = tcp::listener::bind(tcp::endpoint{"127.0.0.1", 0});
    auto server_side = [&]() -> task<> {
      stream s = co_await answer_once(
          l, "HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 3\r\n\r\none", nullptr,
          /*keep_open=*/true);
      std::string pending;
      std::optional<raw_request> second = co_await read_request(s, pending);
      EXPECT_TRUE(second.has_value()) << "the second request came on the same connection";
      co_await s.write_all("HTTP/1.0 200 OK\r\nContent-Length: 3\r\n\r\ntwo");
    };
    auto client_side = [&]() -> task<> {
      http::client c;
      http::response one = co_await c.get(local_url(l.port(), "/1"));
      EXPECT_EQ(one.body, "one");
      EXPECT_EQ(c.idle_connections(), 1u);
      http::response two = co_await c.get(local_url(l.port(), "/2"));
      EXPECT_EQ(two.body, "two");
      EXPECT_EQ(c.idle_connections(), 0u) << "HTTP/1.0 without keep-alive: the last one";
    };
    co_await when_all(server_side(), client_side());
  });
}

TEST(ClientErrors, InterimResponsesAreSkipped) {
  const std::vector<std::string> interims{
      "HTTP/1.1 100 Continue\r\n\r\n",
      "HTTP/1.1 103 Early Hints\r\nLink: </style.css>; rel=preload\r\n\r\n",
      "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 102 Processing\r\n\r\n",
  };
  for (const std::string& interim : interims) {
    for (const bool separate_write : {false, true}) {
      SCOPED_TRACE(interim + (separate_write ? "(then a separate write)" : "(one write)"));
      in_loop([&]() -> task<> {
        auto l = tcp::listener::bind(tcp::endpoint{"127.0.0.1", 0});
        auto server_side = [&]() -> task<> {
          stream s = co_await l.accept();
          std::string pending;
          co_await read_request(s, pending);
          if (separate_write) {
            co_await s.write_all(interim);
            // Not synchronisation: the client must cope whether the final response arrives
            // with the interim one or after it; this makes the second case likely.
            co_await sleep_for(30ms);
            co_await s.write_all(ok_response);
          } else {
            co_await s.write_all(interim + ok_response);
          }
          co_await read_request(s, pending);  // until the client closes
        };
        auto client_side = [&]() -> task<> {
          http::client c;
          http::fields expect;
          expect.add("Expect", "100-continue");
          http::response r =
              co_await c.request("POST", local_url(l.port(), "/"), std::move(expect), "data");
          EXPECT_EQ(r.status, 200);
          EXPECT_EQ(r.body, "ok");
          EXPECT_FALSE(r.headers.contains("Link")) << "the interim response's headers are not kept";
          c.close_idle();
        };
        co_await when_all(server_side(), client_side());
      });
    }
  }
}

TEST(ClientErrors, BytesAfterTheResponseKeepItsConnectionOutOfThePool) {
  in_loop([]() -> task<> {
    auto l = tcp::listener::bind(tcp::endpoint{"127.0.0.1", 0});
    test::event done;
    auto server_side = [&]() -> task<> {
      // The first connection sends a stray byte after its response, then stays open, silent.
      stream first = co_await answer_once(l, ok_response + "X", nullptr, /*keep_open=*/true);
      co_await answer_once(l, "HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nok2");
      co_await done.wait();
    };
    auto client_side = [&]() -> task<> {
      http::client c;
      http::response one = co_await c.get(local_url(l.port(), "/1"));
      EXPECT_EQ(one.body, "ok");
      http::response two = co_await c.get(local_url(l.port(), "/2"));
      EXPECT_EQ(two.body, "ok2");
      done.set();
    };
    co_await when_all(server_side(), client_side());
  });
}

// The coronet server closes the connection after its keep-alive timeout; the client, pooling
// for longer, must notice and use a new connection.
TEST(ClientErrors, ConnectionClosedByServerWhileIdleIsNotReused) {
  http::server_options so;
  so.keep_alive_timeout = 100ms;
  with_server(
      [](http::request& req) -> task<http::response> { co_return http::response(200, req.target); },
      [](served& s) -> task<> {
        http::client c;  // idle_timeout 4 s: longer than the server's
        http::response one = co_await c.get(s.url("/1"));
        EXPECT_EQ(one.body, "/1");
        co_await sleep_for(400ms);  // past the server's keep-alive timeout
        http::response two = co_await c.get(s.url("/2"));
        EXPECT_EQ(two.body, "/2");
        co_await sleep_for(400ms);
        http::response post = co_await c.request("POST", s.url("/3"), http::fields(), "x");
        EXPECT_EQ(post.body, "/3");
        EXPECT_EQ(s.accepted(), 3u);
      },
      so);
}

// The race the retry exists for: the server closes a pooled connection just as the next
// request goes out on it (here: it reads the request, then closes without a word). A GET is
// sent again on a new connection; a POST is not, as it may have been acted on.
struct raced_request {
  std::string method;
  bool retried;
};

class ClientStaleConnection : public ::testing::TestWithParam<raced_request> {};

TEST_P(ClientStaleConnection, ServerClosingUnderTheNextRequest) {
  const raced_request param = GetParam();
  in_loop([&]() -> task<> {
    auto l = tcp::listener::bind(tcp::endpoint{"127.0.0.1", 0});
    std::vector<std::string> on_second_connection;
    test::event client_done;
    auto server_side = [&]() -> task<> {
      stream first = co_await answer_once(l, ok_response, nullptr, /*keep_open=*/true);
      std::string pending;
      std::optional<raw_request> raced = co_await read_request(first, pending);
      EXPECT_TRUE(raced.has_value());
      if (raced) {
        EXPECT_EQ(raced->request_line(), param.method + " /raced HTTP/1.1");
      }
      first.close();  // without answering
      // Whatever comes next on a new connection: the retry (GET) or the test's check (POST).
      stream second = co_await l.accept();
      std::string pending2;
      std::optional<raw_request> next = co_await read_request(second, pending2);
      if (next) on_second_connection.push_back(next->request_line());
      co_await second.write_all(ok_response);
      co_await client_done.wait();
    };
    auto client_side = [&]() -> task<> {
      http::client c;
      co_await c.get(local_url(l.port(), "/first"));
      EXPECT_EQ(c.idle_connections(), 1u);
      failure f = co_await failure_of(
          c.request(param.method, local_url(l.port(), "/raced"), http::fields(), "body"));
      if (param.retried) {
        EXPECT_FALSE(f.failed()) << f.what;
      } else {
        EXPECT_EQ(f.code, http::errc::incomplete_message) << f.what;
        expect_names_request(f, param.method, local_url(l.port(), "/raced"));
        // The next request is the first one the server sees on a new connection.
        http::client fresh;
        http::response r = co_await fresh.get(local_url(l.port(), "/check"));
        EXPECT_EQ(r.body, "ok");
      }
      client_done.set();
    };
    co_await when_all(server_side(), client_side());
    const std::string expected =
        param.retried ? param.method + " /raced HTTP/1.1" : "GET /check HTTP/1.1";
    EXPECT_EQ(on_second_connection, std::vector<std::string>{expected});
  });
}

INSTANTIATE_TEST_SUITE_P(Methods, ClientStaleConnection,
                         ::testing::Values(raced_request{"GET", true}, raced_request{"PUT", true},
                                           raced_request{"DELETE", true},
                                           raced_request{"POST", false},
                                           raced_request{"PATCH", false}),
                         [](const ::testing::TestParamInfo<raced_request>& info) {
                           return info.param.method;
                         });

// A server that closes right after answering: the pooled connection is dead before the next
// request. Whether the client sees that before sending or only after, the next GET succeeds,
// and a POST is never carried out twice.
TEST(ClientErrors, ServerClosingRightAfterAnsweringDoesNotBreakTheNextRequests) {
  in_loop([]() -> task<> {
    auto l = tcp::listener::bind(tcp::endpoint{"127.0.0.1", 0});
    std::vector<std::string> seen;
    test::event done;
    failure post;
    auto server_side = [&]() -> task<> {
      for (;;) {
        stream s = co_await l.accept();
        std::string pending;
        std::optional<raw_request> r = co_await read_request(s, pending);
        if (!r) continue;
        seen.push_back(r->request_line());
        // Says keep-alive, then closes anyway.
        co_await s.write_all(ok_response);
        s.close();
        if (r->request_line().starts_with("GET /end")) break;
      }
      co_await done.wait();
    };
    auto client_side = [&]() -> task<> {
      http::client c;
      co_await c.get(local_url(l.port(), "/1"));
      http::response two = co_await c.get(local_url(l.port(), "/2"));
      EXPECT_EQ(two.body, "ok");
      post =
          co_await failure_of(c.request("POST", local_url(l.port(), "/3"), http::fields(), "once"));
      if (post.failed()) {
        // Sent on the dead connection: an error, not a silent second try.
        EXPECT_TRUE(post.code == http::errc::incomplete_message ||
                    post.code == std::errc::connection_reset)
            << post.what;
      }
      co_await c.get(local_url(l.port(), "/end"));
      done.set();
    };
    co_await when_all(server_side(), client_side());
    // Sent on a new connection it is carried out once; sent on the dead one, never.
    EXPECT_EQ(std::count(seen.begin(), seen.end(), "POST /3 HTTP/1.1"), post.failed() ? 0 : 1)
        << post.what;
    EXPECT_EQ(std::count(seen.begin(), seen.end(), "GET /2 HTTP/1.1"), 1);
  });
}

}  // namespace
}  // namespace coronet::http_client_test
