// Real clients against http::server: curl (/usr/bin/curl) and Node's http module
// (tests/http/node/http_client.js), each skipped when the program is missing.
#include <gtest/gtest.h>
#include <filesystem>
#include <system_error>

#include <algorithm>
#include <fstream>
#include <string>

#include "child_process.hpp"  // tests/samples: a program with its output on pipes
#include "http_test_support.hpp"
#include "node_test.hpp"
#include "sample_harness.hpp"  // find_node()
#include "temp_dir.hpp"

namespace coronet::http_test {
namespace {

using sample_test::child_process;

// /echo: the body back, and how it came (X-Request-TE); /stream: a chunked response; anything
// else: the target.
task<> interop_handler(http::exchange& ex) {
  co_await ex.read_body();
  http::request& req = ex.req();
  if (req.target == "/stream") {
    ex.start(200, {{"Content-Type", "text/plain"}});
    co_await ex.write("streamed-");
    co_await ex.write("in-");
    co_await ex.write("pieces");
    co_await ex.finish();
    co_return;
  }
  http::response r(200, req.target == "/echo" ? req.body : req.target, "text/plain");
  r.headers.add("X-Request-TE", req.headers.get("Transfer-Encoding", "none"));
  co_await ex.respond(r);
}

std::string url(const server_thread& srv, std::string_view path) {
  return "http://127.0.0.1:" + std::to_string(srv.port()) + std::string(path);
}

class ServerInteropCurl : public ::testing::Test {
 protected:
  void SetUp() override {
    std::error_code ec;
    if (!std::filesystem::is_regular_file(curl, ec)) GTEST_SKIP() << curl << " not found";
  }
#ifdef _WIN32
  // Windows 10 and later ship curl.
  const std::string curl = R"(C:\Windows\System32\curl.exe)";
#else
  const std::string curl = "/usr/bin/curl";
#endif
};

TEST_F(ServerInteropCurl, Get) {
  server_thread srv(interop_handler);
  child_process c({curl, "-s", "-S", "-w", "\n%{http_code}\n", url(srv, "/hello")});
  EXPECT_EQ(c.read_lines(3), (std::vector<std::string>{"/hello", "200"}));
  EXPECT_EQ(c.wait(), 0);
  EXPECT_EQ(c.read_stderr(), "");
}

TEST_F(ServerInteropCurl, ReusesKeepAliveConnection) {
  server_thread srv(interop_handler);
  child_process c({curl, "-s", "-S", "-w", "\n%{num_connects}\n", url(srv, "/a"), url(srv, "/b"),
                   url(srv, "/c")});
  // num_connects: 1 for the first transfer, 0 for the ones that reused its connection.
  EXPECT_EQ(c.read_lines(7), (std::vector<std::string>{"/a", "1", "/b", "0", "/c", "0"}));
  EXPECT_EQ(c.wait(), 0);
}

TEST_F(ServerInteropCurl, ChunkedPostWithExpectContinue) {
  http::server_options o;
  o.max_body_size = 4 * 1024 * 1024;
  server_thread srv(interop_handler, o);
  test::temp_dir dir;
  const std::string body = text(300 * 1024, 21);
  std::ofstream(dir.file("body")) << body;
  child_process c({curl, "-s", "-S", "-v", "-H", "Transfer-Encoding: chunked", "-H",
                   "Expect: 100-continue", "--data-binary", "@" + dir.file("body"), "-o",
                   dir.file("out"), "-w", "%{http_code}\n", url(srv, "/echo")});
  EXPECT_EQ(c.read_line(), "200");
  EXPECT_EQ(c.wait(), 0);
  const std::string log = c.read_stderr();
  EXPECT_NE(log.find("< HTTP/1.1 100 Continue"), std::string::npos) << log;
  EXPECT_NE(log.find("< X-Request-TE: chunked"), std::string::npos) << log;
  std::ifstream in(dir.file("out"));
  const std::string echoed((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_EQ(echoed.size(), body.size());
  EXPECT_TRUE(echoed == body);
}

TEST_F(ServerInteropCurl, ChunkedResponseAndHead) {
  server_thread srv(interop_handler);
  child_process get({curl, "-s", "-S", "-D", "-", url(srv, "/stream")});
  const std::string expected_tail = "streamed-in-pieces";
  std::vector<std::string> lines = get.read_lines(100);
  EXPECT_EQ(get.wait(), 0);
  ASSERT_FALSE(lines.empty());
  EXPECT_EQ(lines.back(), expected_tail);
  bool chunked = false;
  for (const auto& l : lines) chunked = chunked || l == "Transfer-Encoding: chunked\r";
  EXPECT_TRUE(chunked);

  child_process head({curl, "-s", "-S", "-I", url(srv, "/four")});
  lines = head.read_lines(100);
  EXPECT_EQ(head.wait(), 0);
  EXPECT_NE(std::find(lines.begin(), lines.end(), "Content-Length: 5\r"), lines.end());
}

TEST_F(ServerInteropCurl, Http10) {
  server_thread srv(interop_handler);
  child_process c({curl, "-s", "-S", "-0", "-D", "-", url(srv, "/old")});
  const std::vector<std::string> lines = c.read_lines(100);
  EXPECT_EQ(c.wait(), 0);
  ASSERT_FALSE(lines.empty());
  EXPECT_EQ(lines.back(), "/old");
  EXPECT_NE(std::find(lines.begin(), lines.end(), "Connection: close\r"), lines.end());
}

using ServerInteropNode = sample_test::node_test;

TEST_F(ServerInteropNode, KeepAliveAgentChunkedPostAndStreaming) {
  server_thread srv(interop_handler);
  child_process c(
      {node, std::string(HTTP_TEST_NODE_DIR) + "/http_client.js", std::to_string(srv.port())});
  EXPECT_EQ(c.read_lines(100), (std::vector<std::string>{
                                   "GET /a 200 /a reused=false",
                                   "GET /b 200 /b reused=true",
                                   "GET /c 200 /c reused=true",
                                   "POST /echo 200 hello world te=chunked reused=true",
                                   "GET /stream 200 streamed-in-pieces te=chunked",
                                   "HEAD /a 200 length=2 body=0",
                                   "done",
                               }));
  EXPECT_EQ(c.wait(), 0);
  EXPECT_EQ(c.read_stderr(), "");
}

}  // namespace
}  // namespace coronet::http_test
