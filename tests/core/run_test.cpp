// coronet::run: the entry point returns the task's value or rethrows its exception.
#include "coronet/run.hpp"

#include <gtest/gtest.h>

#include <memory>
#include <stdexcept>
#include <string>
#include <thread>

#include "coronet/scheduler.hpp"
#include "coronet/task.hpp"
#include "coronet/timer.hpp"
#include "test_support.hpp"

namespace {

using coronet::task;
using namespace std::chrono_literals;
namespace ct = coronet::test;
using ct::test_error;

task<int> answer_after_a_sleep() {
  co_await coronet::sleep_for(1ms);
  co_return 42;
}

task<std::string> fail_after_a_turn() {
  co_await ct::next_turn();
  throw test_error("run failed");
}

TEST(Run, ReturnsTheTaskValue) {
  EXPECT_EQ(coronet::run(answer_after_a_sleep()), 42);
}

TEST(Run, ReturnsMoveOnlyValues) {
  auto p = coronet::run([]() -> task<std::unique_ptr<int>> { co_return std::make_unique<int>(7); });
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(*p, 7);
}

TEST(Run, RethrowsTheTaskException) {
  try {
    coronet::run(fail_after_a_turn());
    ADD_FAILURE() << "run() returned instead of rethrowing";
  } catch (const test_error& e) {
    EXPECT_STREQ(e.what(), "run failed");
  }
}

TEST(Run, AcceptsALambdaReturningATask) {
  int calls = 0;
  int v = coronet::run([&]() -> task<int> {
    ++calls;
    co_await ct::next_turn();
    co_return calls + 1;
  });
  EXPECT_EQ(v, 2);
  EXPECT_EQ(calls, 1);

  bool ran = false;
  coronet::run([&]() -> task<> {
    ran = true;
    co_return;
  });
  EXPECT_TRUE(ran);
}

TEST(Run, RunsOnTheCallingThreadWithASchedulerCurrentOnlyMeanwhile) {
  EXPECT_EQ(coronet::scheduler::try_current(), nullptr);
  const auto caller = std::this_thread::get_id();
  coronet::run([&]() -> task<> {
    EXPECT_EQ(std::this_thread::get_id(), caller);
    EXPECT_NE(coronet::scheduler::try_current(), nullptr);
    co_return;
  });
  EXPECT_EQ(coronet::scheduler::try_current(), nullptr);
}

TEST(Run, CanRunAgainAfterReturning) {
  for (int i = 0; i < 3; ++i) EXPECT_EQ(coronet::run(answer_after_a_sleep()), 42);
  EXPECT_THROW(coronet::run(fail_after_a_turn()), test_error);
  EXPECT_EQ(coronet::run(answer_after_a_sleep()), 42);
}

}  // namespace
