// http::client against Node's http server (node/http_server.js, the seed's server with a few more
// paths): the seed's res.end(req.url), keep-alive reuse with Node's defaults, Node's chunked
// responses, a chunked upload Node decodes, and Node closing idle connections.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "child_process.hpp"
#include "client_test_support.hpp"
#include "node_test.hpp"

namespace coronet::http_client_test {
namespace {

class ClientNode : public sample_test::node_test {
 protected:
  // Starts node/http_server.js (with Node's keepAliveTimeout when given) and returns its
  // base URL, "http://127.0.0.1:PORT".
  std::string start_server(std::optional<int> keep_alive_timeout_ms = {}) {
    std::vector<std::string> argv{node, std::string(HTTP_CLIENT_NODE_DIR) + "/http_server.js"};
    if (keep_alive_timeout_ms) argv.push_back(std::to_string(*keep_alive_timeout_ms));
    server_.emplace(argv);
    const std::uint16_t port = sample_test::listening_port(*server_, "127.0.0.1");
    return "http://127.0.0.1:" + std::to_string(port);
  }

  std::optional<sample_test::child_process> server_;
};

TEST_F(ClientNode, SeedServerAnswersWithTheUrl) {
  const std::string base = start_server();
  in_loop([&]() -> task<> {
    http::client c;
    http::response r = co_await c.get(base + "/hello");
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.body, "/hello");
    http::response q = co_await c.get(base + "/a/b?x=1&y=%20");
    EXPECT_EQ(q.body, "/a/b?x=1&y=%20");
    http::response once = co_await http::get(base + "/free");
    EXPECT_EQ(once.body, "/free");
  });
}

TEST_F(ClientNode, KeepAliveReusesOneConnectionWithNodesDefaults) {
  const std::string base = start_server();
  in_loop([&]() -> task<> {
    http::client c;
    std::vector<std::string> connections;
    for (int i = 0; i < 5; ++i) {
      http::response r = co_await c.get(base + "/n" + std::to_string(i));
      EXPECT_EQ(r.body, "/n" + std::to_string(i));
      connections.emplace_back(r.headers.get("X-Connection"));
    }
    http::response post = co_await c.request("POST", base + "/echo", http::fields(), "x");
    connections.emplace_back(post.headers.get("X-Connection"));
    EXPECT_EQ(connections, std::vector<std::string>(6, "1"));
    EXPECT_EQ(c.idle_connections(), 1u);
  });
}

TEST_F(ClientNode, ChunkedResponseStreamsAndPools) {
  const std::string base = start_server();
  in_loop([&]() -> task<> {
    http::client c;
    http::incoming in = co_await c.open("GET", base + "/chunked");
    EXPECT_EQ(in.status(), 200);
    EXPECT_EQ(in.headers().get("Transfer-Encoding"), "chunked");
    std::string body;
    for (;;) {
      std::string_view piece = co_await in.read_some();
      if (piece.empty()) break;
      body.append(piece);
    }
    EXPECT_EQ(body, "one;two;three");
    http::response whole = co_await c.get(base + "/chunked");
    EXPECT_EQ(whole.body, "one;two;three");
    EXPECT_EQ(whole.headers.get("X-Connection"), "1");
  });
}

TEST_F(ClientNode, LargeBodyFromNode) {
  const std::string base = start_server();
  in_loop([&]() -> task<> {
    http::client c;
    const std::size_t n = 4 * 1024 * 1024 + 3;
    http::response r = co_await c.get(base + "/big?n=" + std::to_string(n));
    EXPECT_EQ(r.body.size(), n);
    bool same = r.body.size() == n;
    for (std::size_t i = 0; same && i < n; ++i) same = r.body[i] == char('a' + i % 26);
    EXPECT_TRUE(same);
  });
}

TEST_F(ClientNode, UploadsNodeDecodes) {
  const std::string base = start_server();
  in_loop([&]() -> task<> {
    http::client c;
    const std::string body = pattern(200000);
    http::response fixed = co_await c.request("POST", base + "/echo", http::fields(), body);
    EXPECT_EQ(fixed.headers.get("X-Framing"), "length 200000");
    EXPECT_TRUE(fixed.body == body);
    auto left = std::make_shared<int>(3);
    http::body_source source = [left]() -> task<std::string> {
      co_await test::next_turn();
      if (*left == 0) co_return std::string();
      co_return "piece" + std::to_string((*left)--) + ";";
    };
    http::response chunked = co_await c.request("PUT", base + "/echo", http::fields(), source);
    EXPECT_EQ(chunked.headers.get("X-Framing"), "chunked");
    EXPECT_EQ(chunked.body, "piece3;piece2;piece1;");
    EXPECT_EQ(chunked.headers.get("X-Connection"), "1");
  });
}

TEST_F(ClientNode, HeadAgainstNode) {
  const std::string base = start_server();
  in_loop([&]() -> task<> {
    http::client c;
    http::response head = co_await c.request("HEAD", base + "/big?n=5000");
    EXPECT_EQ(head.status, 200);
    EXPECT_EQ(head.headers.get("Content-Length"), "5000");
    EXPECT_EQ(head.body, "");
    http::response get = co_await c.get(base + "/after-head");
    EXPECT_EQ(get.body, "/after-head");
    EXPECT_EQ(get.headers.get("X-Connection"), "1");
  });
}

// Node closes an idle connection after its keepAliveTimeout (here 100 ms instead of 5 s; Node 20
// waits a second more than that): the client must not send the next request on it, or must
// retry it.
TEST_F(ClientNode, ConnectionNodeClosedWhileIdleIsReplaced) {
  const std::string base = start_server(100);
  in_loop([&]() -> task<> {
    http::client c;
    http::response one = co_await c.get(base + "/one");
    EXPECT_EQ(one.headers.get("X-Connection"), "1");
    co_await sleep_for(1600ms);  // past Node's keepAliveTimeout (+ 1 s)
    http::response two = co_await c.get(base + "/two");
    EXPECT_EQ(two.body, "/two");
    EXPECT_EQ(two.headers.get("X-Connection"), "2");
    co_await sleep_for(1600ms);
    http::response three = co_await c.request("POST", base + "/echo", http::fields(), "three");
    EXPECT_EQ(three.body, "three");
    EXPECT_EQ(three.headers.get("X-Connection"), "3");
  });
}

}  // namespace
}  // namespace coronet::http_client_test
