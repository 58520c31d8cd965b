// node_test: the fixture of every test that runs Node.js. Where `node` is not on PATH the test
// is skipped with the reason printed (CI installs Node, so there they always run).
#pragma once

#include <gtest/gtest.h>

#include <string>

#include "sample_harness.hpp"

namespace sample_test {

class node_test : public ::testing::Test {
 protected:
  void SetUp() override {
    auto found = find_node();
    if (!found) GTEST_SKIP() << "node not found on PATH: the Node interop tests need it";
    node = *found;
  }
  // The node executable.
  std::string node;
};

}  // namespace sample_test
