// http::client against a coronet http::server in the same loop: bodies and headers both ways,
// HEAD and the bodiless statuses, query strings, IPv6 literals, and keep-alive pooling (proved
// by the connections the server accepted).
#include <gtest/gtest.h>

#include <set>
#include <string>
#include <vector>

#include "client_test_support.hpp"

namespace coronet::http_client_test {
namespace {

// Answers with "METHOD TARGET BODY" and the request's X-Echo header back as X-Echoed.
task<http::response> echo_request(http::request& req) {
  http::response r(200, req.method + " " + req.target + " " + req.body, "text/plain");
  if (auto v = req.headers.find("X-Echo")) r.headers.add("X-Echoed", *v);
  r.headers.add("X-Host", req.headers.get("Host"));
  r.headers.add("X-Content-Length", req.headers.get("Content-Length", "none"));
  co_return r;
}

TEST(ClientBasic, GetReturnsStatusHeadersAndBody) {
  with_server(echo_request, [](served& s) -> task<> {
    http::client c;
    http::fields headers;
    headers.add("X-Echo", "from the client");
    http::response r = co_await c.get(s.url("/hello"), std::move(headers));
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.reason, "OK");
    EXPECT_EQ(r.version_major, 1);
    EXPECT_EQ(r.version_minor, 1);
    EXPECT_EQ(r.body, "GET /hello ");
    EXPECT_EQ(r.headers.get("content-type"), "text/plain");
    EXPECT_EQ(r.headers.get("X-Echoed"), "from the client");
    EXPECT_EQ(r.headers.get("Content-Length"), "11");
    EXPECT_EQ(r.headers.get("X-Content-Length"), "none") << "a GET has no body to announce";
    // The Host header is the URL's host and port, as written.
    EXPECT_EQ(r.headers.get("X-Host"), "127.0.0.1:" + std::to_string(s.port()));
  });
}

TEST(ClientBasic, PostSendsBodyWithContentLength) {
  with_server(echo_request, [](served& s) -> task<> {
    http::client c;
    const std::string body = "name=coronet&lang=c%2B%2B";
    http::response r = co_await c.request("POST", s.url("/items"), http::fields(), body);
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.body, "POST /items " + body);
    EXPECT_EQ(r.headers.get("X-Content-Length"), std::to_string(body.size()));
  });
}

TEST(ClientBasic, EmptyPostAnnouncesZeroLength) {
  with_server(echo_request, [](served& s) -> task<> {
    http::client c;
    http::response r = co_await c.request("POST", s.url("/empty"));
    EXPECT_EQ(r.body, "POST /empty ");
    EXPECT_EQ(r.headers.get("X-Content-Length"), "0");
  });
}

TEST(ClientBasic, OtherMethodsAndABinaryBodyArriveIntact) {
  with_server(
      [](http::request& req) -> task<http::response> {
        co_return http::response(
            200, req.method + ":" + std::to_string(req.body.size()) + ":" +
                     (req.body == std::string("a\0b\r\n\xff", 6) ? "same" : "changed"));
      },
      [](served& s) -> task<> {
        http::client c;
        const std::string binary("a\0b\r\n\xff", 6);
        const std::vector<std::string> methods{"PUT", "PATCH", "DELETE", "OPTIONS"};
        for (const std::string& method : methods) {
          http::response r = co_await c.request(method, s.url("/x"), http::fields(), binary);
          EXPECT_EQ(r.body, method + ":6:same");
        }
      });
}

TEST(ClientBasic, CustomHostHeaderIsSentInsteadOfTheUrls) {
  with_server(echo_request, [](served& s) -> task<> {
    http::client c;
    http::fields headers;
    headers.add("Host", "example.test");
    http::response r = co_await c.get(s.url("/"), std::move(headers));
    EXPECT_EQ(r.headers.get("X-Host"), "example.test");
  });
}

TEST(ClientBasic, ServerHeadersComeBackInOrderWithRepeats) {
  with_server(
      [](http::request&) -> task<http::response> {
        http::response r(201, "made");
        r.reason = "Made It";
        r.headers.add("Set-Cookie", "a=1");
        r.headers.add("X-Between", "yes");
        r.headers.add("Set-Cookie", "b=2");
        co_return r;
      },
      [](served& s) -> task<> {
        http::client c;
        http::response r = co_await c.get(s.url("/"));
        EXPECT_EQ(r.status, 201);
        EXPECT_EQ(r.reason, "Made It");
        EXPECT_EQ(r.headers.count("set-cookie"), 2u);
        std::vector<std::string> cookies;
        for (auto [name, value] : r.headers)
          if (http::iequals(name, "Set-Cookie")) cookies.emplace_back(value);
        EXPECT_EQ(cookies, (std::vector<std::string>{"a=1", "b=2"}));
        EXPECT_EQ(r.body, "made");
      });
}

TEST(ClientBasic, QueryStringIsSentAsWritten) {
  with_server(echo_request, [](served& s) -> task<> {
    http::client c;
    http::response r = co_await c.get(s.url("/search?q=a%20b&x=1&x=2"));
    EXPECT_EQ(r.body, "GET /search?q=a%20b&x=1&x=2 ");
    // No path at all: "/" is requested.
    http::response root = co_await c.get(s.url("?k=v"));
    EXPECT_EQ(root.body, "GET /?k=v ");
    http::response bare = co_await c.get(s.url(""));
    EXPECT_EQ(bare.body, "GET / ");
  });
}

TEST(ClientBasic, HeadHasNoBodyAndLeavesTheConnectionReusable) {
  with_server(
      [](http::request& req) -> task<http::response> {
        co_return http::response(200, "a body of 21 bytes..." + req.target.substr(1));
      },
      [](served& s) -> task<> {
        http::client c;
        http::response head = co_await c.request("HEAD", s.url("/"));
        EXPECT_EQ(head.status, 200);
        EXPECT_EQ(head.headers.get("Content-Length"), "21");
        EXPECT_EQ(head.body, "");
        EXPECT_EQ(c.idle_connections(), 1u);
        // A body byte left behind by the HEAD would corrupt this response.
        http::response get = co_await c.get(s.url("/x"));
        EXPECT_EQ(get.body, "a body of 21 bytes...x");
        EXPECT_EQ(s.accepted(), 1u);
      });
}

TEST(ClientBasic, NoContentAndNotModifiedEndWithoutBody) {
  with_server(
      [](http::request& req) -> task<http::response> {
        http::response r(req.target == "/204" ? 204 : 304);
        r.headers.add("ETag", "\"v1\"");
        co_return r;
      },
      [](served& s) -> task<> {
        http::client c;
        http::response a = co_await c.get(s.url("/204"));
        EXPECT_EQ(a.status, 204);
        EXPECT_EQ(a.body, "");
        http::fields conditional;
        conditional.add("If-None-Match", "\"v1\"");
        http::response b = co_await c.get(s.url("/304"), std::move(conditional));
        EXPECT_EQ(b.status, 304);
        EXPECT_EQ(b.headers.get("ETag"), "\"v1\"");
        EXPECT_EQ(b.body, "");
        http::response d = co_await c.get(s.url("/204"));
        EXPECT_EQ(d.status, 204);
        EXPECT_EQ(s.accepted(), 1u) << "bodiless responses end cleanly: the connection is reused";
      });
}

TEST(ClientBasic, ErrorStatusesAreResponsesNotExceptions) {
  with_server(
      [](http::request& req) -> task<http::response> {
        co_return http::response(std::stoi(req.target.substr(1)), "status " + req.target);
      },
      [](served& s) -> task<> {
        http::client c;
        const std::vector<int> statuses{400, 404, 500, 503};
        for (int status : statuses) {
          http::response r = co_await c.get(s.url("/" + std::to_string(status)));
          EXPECT_EQ(r.status, status);
          EXPECT_EQ(r.body, "status /" + std::to_string(status));
        }
      });
}

TEST(ClientBasic, SequentialRequestsReuseOneConnection) {
  with_server(echo_request, [](served& s) -> task<> {
    http::client c;
    for (int i = 0; i < 5; ++i) {
      http::response r = co_await c.get(s.url("/n" + std::to_string(i)));
      EXPECT_EQ(r.body, "GET /n" + std::to_string(i) + " ");
      EXPECT_EQ(c.idle_connections(), 1u);
    }
    // POSTs share the same connection too.
    http::response p = co_await c.request("POST", s.url("/p"), http::fields(), "x");
    EXPECT_EQ(p.body, "POST /p x");
    EXPECT_EQ(s.accepted(), 1u);
    EXPECT_EQ(s.server.connection_count(), 1u);
  });
}

TEST(ClientBasic, ConcurrentRequestsOpenSeparateConnectionsThenPoolThem) {
  with_server(
      [](http::request& req) -> task<http::response> {
        co_await sleep_for(20ms);  // keeps the three exchanges overlapping
        co_return http::response(200, req.target);
      },
      [](served& s) -> task<> {
        http::client c;
        auto [a, b, d] =
            co_await when_all(c.get(s.url("/a")), c.get(s.url("/b")), c.get(s.url("/c")));
        EXPECT_EQ(a.body, "/a");
        EXPECT_EQ(b.body, "/b");
        EXPECT_EQ(d.body, "/c");
        EXPECT_EQ(s.accepted(), 3u);
        EXPECT_EQ(c.idle_connections(), 3u);
        // Three more, one after another: all on pooled connections.
        for (int i = 0; i < 3; ++i) co_await c.get(s.url("/again"));
        EXPECT_EQ(s.accepted(), 3u);
      });
}

TEST(ClientBasic, MaxIdlePerHostBoundsThePool) {
  with_server(
      [](http::request& req) -> task<http::response> {
        co_await sleep_for(20ms);
        co_return http::response(200, req.target);
      },
      [](served& s) -> task<> {
        http::client_options o;
        o.max_idle_per_host = 2;
        http::client c(o);
        co_await when_all(c.get(s.url("/1")), c.get(s.url("/2")), c.get(s.url("/3")));
        EXPECT_EQ(s.accepted(), 3u);
        EXPECT_EQ(c.idle_connections(), 2u);
      });
}

TEST(ClientBasic, ZeroMaxIdleMeansNoReuse) {
  with_server(echo_request, [](served& s) -> task<> {
    http::client_options o;
    o.max_idle_per_host = 0;
    http::client c(o);
    co_await c.get(s.url("/1"));
    co_await c.get(s.url("/2"));
    EXPECT_EQ(c.idle_connections(), 0u);
    EXPECT_EQ(s.accepted(), 2u);
  });
}

TEST(ClientBasic, CloseIdleDropsPooledConnections) {
  with_server(echo_request, [](served& s) -> task<> {
    http::client c;
    co_await c.get(s.url("/1"));
    EXPECT_EQ(c.idle_connections(), 1u);
    c.close_idle();
    EXPECT_EQ(c.idle_connections(), 0u);
    co_await c.get(s.url("/2"));
    EXPECT_EQ(s.accepted(), 2u);
  });
}

TEST(ClientBasic, ConnectionCloseResponseIsNotPooled) {
  with_server(
      [](http::request& req) -> task<http::response> {
        http::response r(200, req.target);
        if (req.target == "/close") r.headers.add("Connection", "close");
        co_return r;
      },
      [](served& s) -> task<> {
        http::client c;
        http::response r = co_await c.get(s.url("/close"));
        EXPECT_EQ(r.body, "/close");
        EXPECT_TRUE(r.headers.has_token("Connection", "close"));
        EXPECT_EQ(c.idle_connections(), 0u);
        http::response next = co_await c.get(s.url("/next"));
        EXPECT_EQ(next.body, "/next");
        EXPECT_EQ(s.accepted(), 2u);
        EXPECT_EQ(c.idle_connections(), 1u);
      });
}

TEST(ClientBasic, ClientConnectionCloseHeaderIsHonoured) {
  with_server(echo_request, [](served& s) -> task<> {
    http::client c;
    http::fields headers;
    headers.add("Connection", "close");
    http::response r = co_await c.get(s.url("/"), std::move(headers));
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(c.idle_connections(), 0u);
    co_await c.get(s.url("/"));
    EXPECT_EQ(s.accepted(), 2u);
  });
}

TEST(ClientBasic, ServerRequestLimitEndsPooling) {
  http::server_options o;
  o.max_requests_per_connection = 2;
  with_server(
      echo_request,
      [](served& s) -> task<> {
        http::client c;
        for (int i = 0; i < 5; ++i) {
          http::response r = co_await c.get(s.url("/" + std::to_string(i)));
          EXPECT_EQ(r.status, 200);
        }
        EXPECT_EQ(s.accepted(), 3u) << "two requests per connection: 2 + 2 + 1";
      },
      o);
}

TEST(ClientBasic, PoolIsPerHostAndPort) {
  with_server(echo_request, [](served& first) -> task<> {
    http::server second_srv(echo_request);
    recording_listener second_l;
    served second(second_srv, second_l, "127.0.0.1");
    http::client c;
    auto run_requests = [&]() -> task<> {
      co_await c.get(first.url("/a"));
      co_await c.get(second.url("/b"));
      co_await c.get(first.url("/c"));
      co_await c.get(second.url("/d"));
      EXPECT_EQ(c.idle_connections(), 2u);
      second_srv.close();
    };
    co_await when_all(second_srv.serve(second_l), run_requests());
    EXPECT_EQ(first.accepted(), 1u);
    EXPECT_EQ(second.accepted(), 1u);
  });
}

TEST(ClientBasic, IdleTimeoutRetiresPooledConnections) {
  with_server(echo_request, [](served& s) -> task<> {
    http::client_options o;
    o.idle_timeout = 50ms;
    http::client c(o);
    co_await c.get(s.url("/1"));
    co_await sleep_for(150ms);  // past the client's idle_timeout: the connection is retired
    co_await c.get(s.url("/2"));
    EXPECT_EQ(s.accepted(), 2u);
  });
}

TEST(ClientBasic, FreeGetFetchesOnce) {
  with_server(echo_request, [](served& s) -> task<> {
    http::response r = co_await http::get(s.url("/once?x=1"));
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.body, "GET /once?x=1 ");
  });
}

TEST(ClientBasic, Ipv6LiteralUrl) {
  if (!have_ipv6_loopback()) GTEST_SKIP() << "no IPv6 loopback on this machine";
  with_server(
      echo_request,
      [](served& s) -> task<> {
        http::client c;
        const std::string url = s.url("/six");
        EXPECT_EQ(url.substr(0, 12), "http://[::1]");
        http::response r = co_await c.get(url);
        EXPECT_EQ(r.body, "GET /six ");
        EXPECT_EQ(r.headers.get("X-Host"), "[::1]:" + std::to_string(s.port()));
        co_await c.get(url);
        EXPECT_EQ(s.accepted(), 1u);
      },
      {}, "::1");
}

TEST(ClientBasic, HostNameIsResolved) {
  with_server(echo_request, [](served& s) -> task<> {
    http::client c;
    http::response r = co_await c.get("http://localhost:" + std::to_string(s.port()) + "/name");
    // localhost may resolve to ::1 first: the client must fall back to 127.0.0.1.
    EXPECT_EQ(r.body, "GET /name ");
    EXPECT_EQ(r.headers.get("X-Host"), "localhost:" + std::to_string(s.port()));
  });
}

// Userinfo in the URL is sent as Basic credentials, percent-decoded, as Node sends it; not in
// the Host header nor the request line.
TEST(ClientBasic, UrlUserinfoIsSentAsBasicAuthorization) {
  in_loop([]() -> task<> {
    auto l = tcp::listener::bind(tcp::endpoint{"127.0.0.1", 0});
    const std::string port = std::to_string(l.port());
    http::client c;
    const std::string reply = "HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
    struct check {
      std::string url;
      std::string authorization;
    };
    // base64("user:p@ss w") and base64("u:"), base64(":pw").
    for (const check& k :
         {check{"http://user:p%40ss%20w@127.0.0.1:" + port + "/a", "Basic dXNlcjpwQHNzIHc="},
          check{"http://u@127.0.0.1:" + port + "/a", "Basic dTo="},
          check{"http://:pw@127.0.0.1:" + port + "/a", "Basic OnB3"},
          check{"http://127.0.0.1:" + port + "/a", ""}}) {
      raw_request seen;
      auto get = [&]() -> task<> { co_await c.get(k.url); };
      co_await when_all(answer_once(l, reply, &seen), get());
      EXPECT_EQ(seen.header("Authorization"), k.authorization) << k.url;
      EXPECT_EQ(seen.header("Host"), "127.0.0.1:" + port) << k.url;
      EXPECT_EQ(seen.request_line(), "GET /a HTTP/1.1") << k.url;
    }
    // An Authorization header of the caller's own wins.
    raw_request seen;
    auto own = [&]() -> task<> {
      http::fields h;
      h.add("Authorization", "Bearer t");
      co_await c.get("http://user:pw@127.0.0.1:" + port + "/a", std::move(h));
    };
    co_await when_all(answer_once(l, reply, &seen), own());
    EXPECT_EQ(seen.header("Authorization"), "Bearer t");
  });
}

// "127.0.0.1." is the IPv4 address (as a browser's and Node's URL parser read it); Boost.URL
// 1.81 took ".:port/" for the path ("URL path does not start with '/'").
TEST(ClientBasic, Ipv4HostWithATrailingDotIsTheAddress) {
  with_server(echo_request, [](served& s) -> task<> {
    http::client c;
    http::response r = co_await c.get("http://127.0.0.1.:" + std::to_string(s.port()) + "/dot");
    EXPECT_EQ(r.body, "GET /dot ");
    EXPECT_EQ(r.headers.get("X-Host"), "127.0.0.1:" + std::to_string(s.port()));
  });
}

}  // namespace
}  // namespace coronet::http_client_test
