// Node interop both ways: a coronet parent forking Node scripts, and Node parents forking a
// coronet child (child_process.fork with execPath, and spawn with an 'ipc' stdio entry).
// Skipped, saying why, when `node` is not on PATH.
#include <gtest/gtest.h>

#include <array>
#include <boost/json.hpp>
#include <string>

#include "child_process.hpp"
#include "process_test_support.hpp"
#include "sample_harness.hpp"

namespace {

using namespace coronet::process;
using process_test::helper;
using process_test::node_file;
using process_test::run_bounded;
namespace json = boost::json;

#define REQUIRE_NODE()                                              \
  const std::optional<std::string> node = sample_test::find_node(); \
  if (!node) GTEST_SKIP() << "node is not on PATH: Node interop is not tested"

TEST(ProcessNodeInterop, CppParentRoundTripsWithNodeChild) {
  REQUIRE_NODE();
  run_bounded([]() -> coronet::task<> {
    child c = fork("node", {node_file("echo_child.js")});
    const std::vector<json::value> values = {
        json::value("hello"),
        json::value(42),
        json::value(1.5),
        json::parse(R"({"nested":{"list":[1,"two",null,true]},"u":"héllo ✓ 😀"})"),
        json::value(std::string(8 << 20, 'n')),
    };
    for (const auto& v : values) {
      auto [ignored, back] = co_await coronet::when_all(c.channel().send(v), c.channel().receive());
      (void)ignored;
      EXPECT_EQ(back, std::optional(v));
    }
    c.channel().disconnect();  // the Node child has nothing else to keep it running
    EXPECT_TRUE((co_await c.wait()).success());
  }());
}

TEST(ProcessNodeInterop, NodeChildSeesParentDisconnectAndExits) {
  REQUIRE_NODE();
  run_bounded([]() -> coronet::task<> {
    child c = fork("node", {node_file("echo_child.js")});
    c.channel().disconnect();
    EXPECT_TRUE((co_await c.wait()).success());
  }());
}

TEST(ProcessNodeInterop, NodeForkRunsCppChild) {
  REQUIRE_NODE();
  sample_test::child_process parent(
      {*node, node_file("echo_parent.js"), helper(), "fork", "channel-echo"});
  EXPECT_EQ(parent.read_line(), "ok 10");
  EXPECT_EQ(parent.wait(), 0) << parent.read_stderr();
}

TEST(ProcessNodeInterop, NodeSpawnWithIpcRunsCppChild) {
  REQUIRE_NODE();
  sample_test::child_process parent(
      {*node, node_file("echo_parent.js"), helper(), "spawn", "channel-echo"});
  EXPECT_EQ(parent.read_line(), "ok 10");
  EXPECT_EQ(parent.wait(), 0) << parent.read_stderr();
}

// Handles (Node's child.send(message, handle)) both ways.
coronet::task<json::value> receive_value(channel& ch) {
  std::optional<json::value> m = co_await ch.receive();
  if (!m) throw std::runtime_error("end of channel instead of a message");
  co_return std::move(*m);
}

coronet::task<std::string> read_to_end(coronet::stream& s) {
  std::string all;
  std::array<char, 256> buf;
  while (std::size_t n = co_await s.read_some(buf)) all.append(buf.data(), n);
  co_return all;
}

TEST(ProcessNodeInterop, CppParentPassesASocketAndAServerToNodeChild) {
  REQUIRE_NODE();
  run_bounded([]() -> coronet::task<> {
    child c = fork("node", {node_file("handle_child.js")});
    auto l = coronet::tcp::listener::bind({"127.0.0.1", 0});
    const std::uint16_t port = l.port();
    coronet::stream client = co_await coronet::tcp::connect("127.0.0.1", port);
    coronet::stream accepted = co_await l.accept();
    json::value msg = json::parse(R"({"n":7,"s":"✓"})");
    co_await c.channel().send(std::move(msg), std::move(accepted));
    const json::value took_socket = co_await receive_value(c.channel());
    EXPECT_EQ(took_socket, json::parse(R"({"took":"net.Socket"})"));
    const std::string written = co_await read_to_end(client);
    EXPECT_EQ(written, R"({"n":7,"s":"✓"})") << "and no copy stays open here";
    client.close();  // Node's socket ends once both sides have

    json::value listen = "listen";
    co_await c.channel().send(std::move(listen), std::move(l));
    const json::value took_server = co_await receive_value(c.channel());
    EXPECT_EQ(took_server, json::parse(R"({"took":"net.Server"})"));
    coronet::stream second = co_await coronet::tcp::connect("127.0.0.1", port);
    const std::string served = co_await read_to_end(second);
    EXPECT_EQ(served, "served by node");
    second.close();

    c.channel().disconnect();
    const exit_status status = co_await c.wait();
    EXPECT_TRUE(status.success());
  }());
}

TEST(ProcessNodeInterop, NodeParentPassesSocketsAndAServerToCppChild) {
  REQUIRE_NODE();
  sample_test::child_process parent({*node, node_file("handle_parent.js"), helper()});
  EXPECT_EQ(parent.read_line(), "ok 5");
  EXPECT_EQ(parent.wait(), 0) << parent.read_stderr();
}

}  // namespace
