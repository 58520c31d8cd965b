// Limits and timeouts, each with short configured values: headers timeout (slowloris), request
// timeout (slow body), keep-alive timeout, header count and size, body size, requests per
// connection, and many connections at once.
#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "http_test_support.hpp"

namespace coronet::http_test {
namespace {

using clock = std::chrono::steady_clock;

task<http::response> echo_target(http::request& req) {
  co_return http::response(200, req.target);
}

// The client's behaviour, not synchronisation: sends `bytes` one at a time, `every` apart,
// until the server says something (or closes). Returns false if it never did within io_timeout.
bool trickle_until_answered(raw_client& c, std::string_view bytes,
                            std::chrono::milliseconds every = 20ms) {
  const auto deadline = clock::now() + io_timeout;
  std::size_t at = 0;
  while (clock::now() < deadline) {
    if (c.readable_within(every)) return true;
    if (at < bytes.size() && !c.try_send(bytes.substr(at++, 1))) return true;
  }
  return false;
}

TEST(ServerLimits, HeadersTimeoutAnswers408ToSlowloris) {
  http::server_options o;
  o.headers_timeout = 300ms;
  recorder<std::string> targets;
  server_thread srv(
      [&targets](http::request& req) -> task<http::response> {
        targets.add(req.target);
        co_return http::response(200);
      },
      o);
  raw_client c(srv.port());
  const clock::time_point start = clock::now();
  // A head that would never end in time: one byte every 20 ms.
  c.send("GET /slow HTTP/1.1\r\nHost: test\r\n");
  ASSERT_TRUE(trickle_until_answered(c, "X-Slow: " + std::string(10'000, 'a')));
  const auto waited = clock::now() - start;
  const raw_response r = c.read_response();
  EXPECT_EQ(r.status, 408);
  EXPECT_EQ(r.reason, "Request Timeout");
  EXPECT_TRUE(r.says_close());
  EXPECT_TRUE(c.closed_within(io_timeout));
  EXPECT_GE(waited, 250ms);  // not before the timeout (the sweep may make it a little late)
  EXPECT_EQ(targets.size(), 0u);
}

TEST(ServerLimits, HeadersTimeoutClosesConnectionThatSendsNothing) {
  http::server_options o;
  o.headers_timeout = 200ms;
  server_thread srv(echo_target, o);
  raw_client c(srv.port());
  const clock::time_point start = clock::now();
  EXPECT_TRUE(c.closed_within(io_timeout));
  EXPECT_GE(clock::now() - start, 150ms);
  EXPECT_EQ(c.pending(), "");  // no request begun: nothing to answer
}

TEST(ServerLimits, KeepAliveTimeoutClosesIdleConnectionSilently) {
  http::server_options o;
  o.keep_alive_timeout = 200ms;
  server_thread srv(echo_target, o);
  raw_client c(srv.port());
  c.send(get("/one"));
  const raw_response r = c.read_response();
  EXPECT_TRUE(r.says_keep_alive());
  EXPECT_EQ(r.header("Keep-Alive"), "timeout=1");  // whole seconds, rounded up
  const clock::time_point idle_since = clock::now();
  EXPECT_TRUE(c.closed_within(io_timeout));
  EXPECT_GE(clock::now() - idle_since, 150ms);
  EXPECT_EQ(c.pending(), "");
  EXPECT_FALSE(c.reset());
}

TEST(ServerLimits, KeepAliveTimeoutRestartsAfterEachRequest) {
  http::server_options o;
  o.keep_alive_timeout = 600ms;
  server_thread srv(echo_target, o);
  raw_client c(srv.port());
  // Requests 150 ms apart (the client's pace): each comes well within the idle timeout of the
  // previous response, although together they take longer than it.
  for (int i = 0; i < 6; ++i) {
    if (i > 0) std::this_thread::sleep_for(150ms);
    c.send(get("/" + std::to_string(i)));
    EXPECT_EQ(c.read_response().body, "/" + std::to_string(i));
  }
}

TEST(ServerLimits, RequestTimeoutAnswers408ToSlowBody) {
  http::server_options o;
  o.request_timeout = 300ms;
  server_thread srv(
      [](http::request& req) -> task<http::response> {
        co_return http::response(200, "got " + std::to_string(req.body.size()));
      },
      o);
  raw_client c(srv.port());
  const clock::time_point start = clock::now();
  c.send("POST / HTTP/1.1\r\nHost: test\r\nContent-Length: 10000\r\n\r\n");
  ASSERT_TRUE(trickle_until_answered(c, std::string(10'000, 'b')));
  const auto waited = clock::now() - start;
  const raw_response r = c.read_response();
  EXPECT_EQ(r.status, 408);
  EXPECT_TRUE(r.says_close());
  EXPECT_GE(waited, 250ms);
}

TEST(ServerLimits, RequestTimeoutDoesNotCountHandlerTime) {
  http::server_options o;
  o.request_timeout = 200ms;
  server_thread srv(
      [](http::request&) -> task<http::response> {
        co_await sleep_for(400ms);  // the handler's work, after the whole request arrived
        co_return http::response(200, "slow but fine");
      },
      o);
  const raw_response r = fetch(srv.port(), get("/"));
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "slow but fine");
}

// For a request without a body (a GET), a streaming handler that does not call read_some() must
// not have the request deadline running while it works: the whole request arrived long ago
// (Node: requestTimeout covers receiving the request only).
TEST(ServerLimits, RequestTimeoutDoesNotCountStreamingHandlerTime) {
  http::server_options o;
  o.request_timeout = 200ms;
  server_thread srv(
      [](http::exchange& ex) -> task<> {
        co_await sleep_for(400ms);
        co_await ex.respond(http::response(200, "slow but fine"));
      },
      o);
  const raw_response r = fetch(srv.port(), get("/"));
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "slow but fine");
}

TEST(ServerLimits, SlowClientDoesNotHoldOthers) {
  http::server_options o;
  o.headers_timeout = 3000ms;
  server_thread srv(echo_target, o);
  raw_client slow(srv.port());
  slow.send("GET /slow HTTP/1.1\r\nHost: te");  // and nothing more for now
  const raw_response r = fetch(srv.port(), get("/fast"));
  EXPECT_EQ(r.body, "/fast");
  slow.send("st\r\n\r\n");
  EXPECT_EQ(slow.read_response().body, "/slow");
}

TEST(ServerLimits, MaxHeadersCountsHeaderLines) {
  http::server_options o;
  o.max_headers = 5;
  server_thread srv(echo_target, o);
  std::string four;  // Host + 4 = 5 lines
  for (int i = 0; i < 4; ++i) four += "X-" + std::to_string(i) + ": v\r\n";
  EXPECT_EQ(fetch(srv.port(), get("/five", four)).status, 200);
  const raw_response r = fetch(srv.port(), get("/six", four + "X-4: v\r\n"));
  EXPECT_EQ(r.status, 431);
  EXPECT_TRUE(r.says_close());
}

// A GET whose head (request line, headers, final empty line) is exactly `size` bytes.
std::string head_of_size(std::size_t size) {
  const std::string base = get("/", "X-Pad: \r\n");
  return get("/", "X-Pad: " + std::string(size - base.size(), 'p') + "\r\n");
}

TEST(ServerLimits, MaxHeaderSizeIsTheWholeHead) {
  http::server_options o;
  o.max_header_size = 1024;
  server_thread srv(echo_target, o);
  ASSERT_EQ(head_of_size(1024).size(), 1024u);
  EXPECT_EQ(fetch(srv.port(), head_of_size(1000)).status, 200);
  EXPECT_EQ(fetch(srv.port(), head_of_size(1024)).status, 200);
  EXPECT_EQ(fetch(srv.port(), head_of_size(1025)).status, 431);
  // Padding counts too: many short lines of optional whitespace.
  std::string padded = "GET / HTTP/1.1\r\nHost: test\r\n";
  for (int i = 0; i < 60; ++i) padded += "A:                 \r\n";
  EXPECT_EQ(fetch(srv.port(), padded + "\r\n").status, 431);
}

TEST(ServerLimits, MaxBodySizeBoundary) {
  http::server_options o;
  o.max_body_size = 100;
  server_thread srv(
      [](http::request& req) -> task<http::response> {
        co_return http::response(200, std::to_string(req.body.size()));
      },
      o);
  const auto chunked_post = [](std::size_t n) {
    return "POST / HTTP/1.1\r\nHost: test\r\nTransfer-Encoding: chunked\r\n\r\n" +
           chunked(text(n), 30);
  };
  EXPECT_EQ(fetch(srv.port(), post("/", text(100))).body, "100");
  EXPECT_EQ(fetch(srv.port(), post("/", text(101))).status, 413);
  EXPECT_EQ(fetch(srv.port(), chunked_post(100)).body, "100");
  EXPECT_EQ(fetch(srv.port(), chunked_post(101)).status, 413);
}

TEST(ServerLimits, MaxRequestsPerConnection) {
  http::server_options o;
  o.max_requests_per_connection = 3;
  server_thread srv(echo_target, o);
  raw_client c(srv.port());
  c.send(get("/1") + get("/2") + get("/3") + get("/4"));
  EXPECT_TRUE(c.read_response().says_keep_alive());
  EXPECT_TRUE(c.read_response().says_keep_alive());
  const raw_response third = c.read_response();
  EXPECT_EQ(third.body, "/3");
  EXPECT_TRUE(third.says_close()) << third.head;
  EXPECT_EQ(c.read_to_eof(), "");  // /4 is not answered on this connection
  EXPECT_EQ(fetch(srv.port(), get("/4")).body, "/4");
}

TEST(ServerLimits, ManyConnectionsServedConcurrently) {
  constexpr std::size_t n = 200;
  // Every handler waits until all n requests are in handlers at once: a server that served
  // connections one after another would never answer.
  std::size_t arrived = 0;
  test::event all_in;
  server_thread srv([&](http::request& req) -> task<http::response> {
    if (++arrived == n) all_in.set();
    co_await all_in.wait();
    co_return http::response(200, req.target);
  });
  std::vector<std::unique_ptr<raw_client>> clients;
  for (std::size_t i = 0; i < n; ++i) {
    clients.push_back(std::make_unique<raw_client>(srv.port()));
    clients.back()->send(get("/" + std::to_string(i)));
  }
  for (std::size_t i = 0; i < n; ++i) {
    const raw_response r = clients[i]->read_response();
    EXPECT_EQ(r.body, "/" + std::to_string(i));
  }
  EXPECT_EQ(srv.connection_count(), n);
  clients.clear();
}

}  // namespace
}  // namespace coronet::http_test
