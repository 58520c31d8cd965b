// task_group: children start now and are joined later; the first failure cancels the rest.
#include "coronet/task_group.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <stdexcept>
#include <string>
#include <vector>

#include "coronet/cancellation.hpp"
#include "coronet/run.hpp"
#include "coronet/spawn.hpp"
#include "coronet/timer.hpp"
#include "test_support.hpp"

namespace {

using coronet::task;
using namespace std::chrono_literals;
namespace ct = coronet::test;
using ct::request_stop_next_turn;
using ct::sleep_forever;
using ct::test_error;

task<> finish_after_turns(int turns, std::vector<int>& finished, int id) {
  for (int i = 0; i < turns; ++i) co_await ct::next_turn();
  finished.push_back(id);
}

task<> finish_after(std::chrono::milliseconds d, std::vector<int>& finished, int id) {
  co_await coronet::sleep_for(d);
  finished.push_back(id);
}

task<> fail_after_turns(int turns, std::string what) {
  for (int i = 0; i < turns; ++i) co_await ct::next_turn();
  throw test_error(what);
}

task<> wait_for(ct::event& e, std::vector<int>& finished, int id) {
  co_await e.wait();
  finished.push_back(id);
}

TEST(TaskGroup, JoinWaitsForEveryChild) {
  std::vector<int> finished;
  coronet::run([&]() -> task<> {
    coronet::task_group g;
    g.spawn(finish_after_turns(3, finished, 1));
    g.spawn(finish_after(20ms, finished, 2));
    g.spawn(finish_after_turns(1, finished, 3));
    EXPECT_TRUE(finished.empty()) << "children start on the next turn";
    co_await g.join();
    EXPECT_EQ(finished, (std::vector<int>{3, 1, 2}));
    co_await g.join();  // nothing left: returns at once
  });
}

TEST(TaskGroup, SizeCountsChildrenStillRunning) {
  coronet::run([]() -> task<> {
    coronet::task_group g;
    EXPECT_EQ(g.size(), 0u);
    ct::event go[3];
    std::vector<int> finished;
    for (int i = 0; i < 3; ++i) g.spawn(wait_for(go[i], finished, i));
    EXPECT_EQ(g.size(), 3u);
    co_await ct::next_turn();
    EXPECT_EQ(g.size(), 3u);
    go[1].set();
    co_await ct::next_turn();
    co_await ct::next_turn();
    EXPECT_EQ(finished, std::vector<int>{1});
    EXPECT_EQ(g.size(), 2u);
    go[0].set();
    go[2].set();
    co_await g.join();
    EXPECT_EQ(g.size(), 0u);
    EXPECT_EQ(finished.size(), 3u);
  });
}

TEST(TaskGroup, FirstFailureCancelsSiblingsAndJoinRethrowsIt) {
  ct::unhandled_reports reports;
  std::error_code a, b;
  ct::stopwatch clock;
  coronet::run([&]() -> task<> {
    coronet::task_group g;
    g.spawn(sleep_forever(a));
    g.spawn(fail_after_turns(1, "child failed"));
    g.spawn(sleep_forever(b));
    try {
      co_await g.join();
      ADD_FAILURE() << "join returned normally";
    } catch (const test_error& e) {
      EXPECT_STREQ(e.what(), "child failed");
    }
    EXPECT_EQ(g.size(), 0u);
  });
  EXPECT_EQ(a, std::errc::operation_canceled);
  EXPECT_EQ(b, std::errc::operation_canceled);
  EXPECT_EQ(reports.size(), 0u) << "cancelled siblings are not failures";
  EXPECT_LT(clock.elapsed(), ct::prompt);
}

TEST(TaskGroup, LaterFailuresGoToTheHandler) {
  ct::unhandled_reports reports;
  coronet::run([&]() -> task<> {
    coronet::task_group g;
    g.spawn(fail_after_turns(3, "second"));
    g.spawn(fail_after_turns(1, "first"));
    bool caught = false;
    try {
      co_await g.join();
    } catch (const test_error& e) {
      EXPECT_STREQ(e.what(), "first");
      caught = true;
    }
    EXPECT_TRUE(caught);
  });
  ASSERT_EQ(reports.size(), 1u);
  EXPECT_EQ(reports.all()[0].where, "task_group child");
  EXPECT_EQ(reports.all()[0].what, "second");
}

TEST(TaskGroup, CancelStopsEveryChildAndIsNotAFailure) {
  std::error_code a, b;
  ct::stopwatch clock;
  coronet::run([&]() -> task<> {
    coronet::task_group g;
    g.spawn(sleep_forever(a));
    g.spawn(sleep_forever(b));
    co_await ct::next_turn();
    EXPECT_FALSE(g.stop_token().stop_requested());
    g.cancel();
    EXPECT_TRUE(g.stop_token().stop_requested());
    co_await g.join();  // must not throw: ending by cancellation is what they were asked to do
  });
  EXPECT_EQ(a, std::errc::operation_canceled);
  EXPECT_EQ(b, std::errc::operation_canceled);
  EXPECT_LT(clock.elapsed(), ct::prompt);
}

TEST(TaskGroup, ChildrenSeeTheGroupsStopToken) {
  coronet::run([]() -> task<> {
    coronet::task_group g;
    int checked = 0;
    for (int i = 0; i < 2; ++i) {
      g.spawn([](std::stop_token expected, int& n) -> task<> {
        std::stop_token mine = co_await coronet::this_task::stop_token();
        EXPECT_TRUE(mine == expected);
        ++n;
      }(g.stop_token(), checked));
    }
    co_await g.join();
    EXPECT_EQ(checked, 2);
  });
}

TEST(TaskGroup, CancellingTheJoinerCancelsTheGroupAndJoinStillWaits) {
  std::error_code a, b, joined;
  bool a_cleaned = false, b_cleaned = false;
  bool both_cleaned_at_join = false;
  ct::stopwatch clock;
  coronet::run([&]() -> task<> {
    std::stop_source stop;
    coronet::spawn(request_stop_next_turn(stop));
    auto joiner = [&]() -> task<> {
      coronet::task_group g;
      g.spawn(ct::sleep_then_clean_up(a, a_cleaned));
      g.spawn(ct::sleep_then_clean_up(b, b_cleaned));
      try {
        co_await g.join();
      } catch (...) {
        both_cleaned_at_join = a_cleaned && b_cleaned;
        throw;
      }
      both_cleaned_at_join = a_cleaned && b_cleaned;
    };
    joined = co_await ct::error_of(coronet::with_stop_token(stop.get_token(), joiner()));
  });
  EXPECT_EQ(a, std::errc::operation_canceled);
  EXPECT_EQ(b, std::errc::operation_canceled);
  EXPECT_TRUE(both_cleaned_at_join) << "join returned before every child had finished";
  // The joiner was cancelled, so join() must not report the group's work as done.
  EXPECT_EQ(joined, std::errc::operation_canceled);
  EXPECT_LT(clock.elapsed(), ct::prompt);
}

TEST(TaskGroup, DestroyingAGroupWithRunningChildrenCancelsThem) {
  std::error_code a, b;
  bool a_cleaned = false, b_cleaned = false;
  ct::stopwatch clock;
  coronet::run([&]() -> task<> {
    {
      coronet::task_group g;
      g.spawn(ct::sleep_then_clean_up(a, a_cleaned));
      g.spawn(ct::sleep_then_clean_up(b, b_cleaned));
      co_await ct::next_turn();
      EXPECT_EQ(g.size(), 2u);
    }
    // The children carry on without the group and end by cancellation.
    while (!(a_cleaned && b_cleaned)) co_await ct::next_turn();
  });
  EXPECT_EQ(a, std::errc::operation_canceled);
  EXPECT_EQ(b, std::errc::operation_canceled);
  EXPECT_LT(clock.elapsed(), ct::prompt);
}

TEST(TaskGroup, ChildMaySpawnIntoItsOwnGroup) {
  std::vector<int> finished;
  coronet::run([&]() -> task<> {
    coronet::task_group g;
    g.spawn([](coronet::task_group& group, std::vector<int>& f) -> task<> {
      co_await ct::next_turn();
      group.spawn(finish_after(10ms, f, 2));
      f.push_back(1);
    }(g, finished));
    co_await g.join();
    EXPECT_EQ(finished, (std::vector<int>{1, 2}));
  });
}

}  // namespace

namespace {
TEST(TaskGroup, FailureOfAGroupNobodyJoinedIsReported) {
  ct::unhandled_reports reports;
  coronet::run([&]() -> task<> {
    {
      coronet::task_group g;
      g.spawn([]() -> task<> {
        co_await ct::next_turn();
        throw std::runtime_error("lost child");
      }());
    }  // destroyed before the child has even started
    for (int i = 0; i < 3; ++i) co_await ct::next_turn();
  });
  ASSERT_EQ(reports.size(), 1u);
  EXPECT_EQ(reports.all()[0].what, "lost child");
  EXPECT_EQ(reports.all()[0].where, "task_group child");
}
}  // namespace
