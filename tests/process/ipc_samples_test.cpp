// The ipc-parent and ipc-child samples: the seed's lines, with each other and with the seed's
// Node programs in both roles.
#include <gtest/gtest.h>

#include "child_process.hpp"
#include "process_test_support.hpp"
#include "sample_harness.hpp"

namespace {

using sample_test::child_process;
using sample_test::sample_path;

std::vector<std::string> seed_lines(int count) {
  std::vector<std::string> lines;
  for (int i = 0; i < count; ++i) {
    lines.push_back("message from child: hello");
    lines.push_back("message from parent: hi");
  }
  return lines;
}

TEST(IpcSamples, ParentAndChildPrintTheSeedLines) {
  // The child inherits the parent's stdout, so both print into this one pipe.
  child_process parent({sample_path("ipc-parent"), "--count", "3", "--child",
                        sample_path("ipc-child"), "--interval-ms",
                        sample_test::exchange_interval_ms});
  EXPECT_EQ(parent.read_lines(7), seed_lines(3));  // and nothing more: the 7th read is the end
  EXPECT_EQ(parent.wait(), 0);
}

TEST(IpcSamples, ParentForksTheIpcChildNextToItByDefault) {
  child_process parent({sample_path("ipc-parent"), "--count", "1"});
  // The default interval is the seed's 3 s.
  EXPECT_EQ(parent.read_lines(3), seed_lines(1));
  EXPECT_EQ(parent.wait(), 0);
}

TEST(IpcSamples, ChildWithoutChannelExits2) {
  child_process c({sample_path("ipc-child")});
  EXPECT_EQ(c.read_line(), std::nullopt);
  EXPECT_NE(c.read_stderr().find("no parent channel"), std::string::npos);
  EXPECT_EQ(c.wait(), 2);
}

TEST(IpcSamples, ParentReportsAMissingChildProgram) {
  child_process parent({sample_path("ipc-parent"), "--child", "coronet-no-such-child"});
  EXPECT_EQ(parent.read_stderr(), "spawn coronet-no-such-child: No such file or directory\n");
  EXPECT_EQ(parent.wait(), 1);
}

TEST(IpcSamples, ParentNeedsAProgramAfterChild) {
  child_process parent({sample_path("ipc-parent"), "--child"});
  EXPECT_EQ(parent.wait(), 2);
}

TEST(IpcSamples, ParentWithTheSeedNodeChild) {
  const std::optional<std::string> node = sample_test::find_node();
  if (!node) GTEST_SKIP() << "node is not on PATH: the seed's Node child is not tested";
  child_process parent({sample_path("ipc-parent"), "--count", "1", "--child", *node,
                        process_test::node_file("child.js")});
  EXPECT_EQ(parent.read_lines(3), seed_lines(1));
  EXPECT_EQ(parent.wait(), 0);
}

TEST(IpcSamples, SeedNodeParentForksIpcChild) {
  const std::optional<std::string> node = sample_test::find_node();
  if (!node) GTEST_SKIP() << "node is not on PATH: the seed's Node parent is not tested";
  for (const char* how : {"fork", "spawn"}) {
    // fork: Node runs `ipc-child --interval-ms=250` (its module path is the flag).
    const std::string interval = std::string("--interval-ms=") + sample_test::exchange_interval_ms;
    child_process parent({*node, process_test::node_file("parent_exec.js"),
                          sample_path("ipc-child"), how, interval});
    EXPECT_EQ(parent.read_lines(6), seed_lines(3)) << how;
    // The seed's parent runs for ever: stop it. Its channel closes, and ipc-child ends with it.
    parent.signal(SIGTERM);
    EXPECT_EQ(parent.wait(), 128 + SIGTERM);
  }
}

}  // namespace
