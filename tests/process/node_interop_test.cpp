// Node interop both ways: a coronet parent forking Node scripts, and Node parents forking a
// coronet child (child_process.fork with execPath, and spawn with an 'ipc' stdio entry).
// Skipped, saying why, when `node` is not on PATH.
#include <gtest/gtest.h>

#include <boost/json.hpp>

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

}  // namespace
