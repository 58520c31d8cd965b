// spawn(): detached tasks start on the next turn, report what escapes them, and are destroyed
// at scheduler shutdown if still running.
#include "coronet/spawn.hpp"

#include <gtest/gtest.h>

#include <memory>
#include <stdexcept>
#include <string>
#include <system_error>
#include <vector>

#include "coronet/run.hpp"
#include "coronet/timer.hpp"
#include "coronet/when_all.hpp"
#include "test_loops.hpp"
#include "test_support.hpp"

namespace {

using coronet::task;
namespace ct = coronet::test;
using ct::test_error;

task<> record(std::vector<int>& order, int id) {
  order.push_back(id);
  co_return;
}

task<> fail_with(std::string what) {
  co_await ct::next_turn();
  throw test_error(what);
}

task<> fail_with_code(std::errc code) {
  throw std::system_error(std::make_error_code(code), "spawned");
  co_return;
}

task<> sleep_and_record(std::error_code& ended_with, ct::event& done) {
  try {
    co_await coronet::sleep_for(ct::long_sleep);
  } catch (const std::system_error& e) {
    ended_with = e.code();
    done.set();
    throw;
  }
  done.set();
}

task<> counted_sleeper(ct::live_counter, bool& woke) {
  co_await coronet::sleep_for(ct::long_sleep);
  woke = true;
}

task<> counted_body(ct::live_counter, bool& ran) {
  ran = true;
  co_return;
}

task<> nested_sleepers(ct::live_counter, int& live, bool& woke) {
  // Made apart from the co_await, whose temporaries would live as long as it does.
  task<> a = counted_sleeper(ct::live_counter(live), woke);
  task<> b = counted_sleeper(ct::live_counter(live), woke);
  co_await coronet::when_all(std::move(a), std::move(b));
  woke = true;
}

TEST(Spawn, StartsOnTheNextTurnNotInline) {
  coronet::run([]() -> task<> {
    std::vector<int> order;
    coronet::spawn(record(order, 1));
    coronet::spawn(record(order, 2));
    coronet::spawn(record(order, 3));
    EXPECT_TRUE(order.empty()) << "spawn ran the task inline";
    order.push_back(0);
    co_await ct::next_turn();
    EXPECT_EQ(order, (std::vector<int>{0, 1, 2, 3}));
  });
}

TEST(Spawn, UncaughtExceptionGoesToTheUnhandledHandler) {
  ct::unhandled_reports reports;
  coronet::run([&]() -> task<> {
    coronet::spawn(fail_with("spawned failure"));
    co_await ct::next_turn();
    EXPECT_EQ(reports.size(), 0u) << "reported before the task ran";
    co_await ct::next_turn();
    co_await ct::next_turn();
  });
  ASSERT_EQ(reports.size(), 1u);
  EXPECT_EQ(reports.all()[0].where, "spawned task");
  EXPECT_EQ(reports.all()[0].what, "spawned failure");
  EXPECT_THROW(std::rethrow_exception(reports.all()[0].error), test_error);
}

TEST(Spawn, DefaultHandlerPrintsTheExceptionToStderr) {
  // nullptr selects the default handler; put back whatever was there.
  struct restore {
    coronet::unhandled_exception_handler prev;
    ~restore() { coronet::set_unhandled_exception_handler(prev); }
  } guard{coronet::set_unhandled_exception_handler(nullptr)};

  testing::internal::CaptureStderr();
  coronet::run([]() -> task<> {
    coronet::spawn(fail_with("spawn-boom"));
    co_await ct::next_turn();
    co_await ct::next_turn();
  });
  const std::string err = testing::internal::GetCapturedStderr();
  EXPECT_NE(err.find("coronet: unhandled exception in spawned task: spawn-boom"), std::string::npos)
      << "stderr was: " << err;
}

TEST(Spawn, HandlerCanBeReplacedAndTheOldOneRestored) {
  auto first = +[](std::exception_ptr, std::string_view) {};
  auto second = +[](std::exception_ptr, std::string_view) {};
  auto original = coronet::set_unhandled_exception_handler(first);
  EXPECT_EQ(coronet::set_unhandled_exception_handler(second), first);
  EXPECT_EQ(coronet::set_unhandled_exception_handler(original), second);
}

TEST(Spawn, AThrowingHandlerDoesNotStopTheScheduler) {
  struct restore {
    coronet::unhandled_exception_handler prev;
    ~restore() { coronet::set_unhandled_exception_handler(prev); }
  } guard{coronet::set_unhandled_exception_handler(
      +[](std::exception_ptr, std::string_view) { throw std::logic_error("handler failed"); })};

  int v = coronet::run([]() -> task<int> {
    coronet::spawn(fail_with("first"));
    coronet::spawn(fail_with("second"));
    for (int i = 0; i < 3; ++i) co_await ct::next_turn();
    co_return 5;
  });
  EXPECT_EQ(v, 5);
}

TEST(Spawn, EndingByCancellationIsNotReported) {
  ct::unhandled_reports reports;
  std::error_code ended;
  coronet::run([&]() -> task<> {
    std::stop_source stop;
    ct::event done;
    coronet::spawn(sleep_and_record(ended, done), stop.get_token());
    co_await ct::next_turn();  // it is asleep now
    stop.request_stop();
    co_await done.wait();

    coronet::spawn(fail_with_code(std::errc::operation_canceled));
    // Control: any other system_error is a failure and is reported.
    coronet::spawn(fail_with_code(std::errc::connection_reset));
    co_await ct::next_turn();
    co_await ct::next_turn();
  });
  EXPECT_EQ(ended, std::errc::operation_canceled);
  ASSERT_EQ(reports.size(), 1u);
  EXPECT_EQ(reports.all()[0].where, "spawned task");
  try {
    std::rethrow_exception(reports.all()[0].error);
  } catch (const std::system_error& e) {
    EXPECT_EQ(e.code(), std::errc::connection_reset);
  }
}

TEST(Spawn, TasksStillRunningAtShutdownAreDestroyedWithoutHanging) {
  int live = 0;
  bool woke = false;
  bool late_ran = false;
  ct::stopwatch clock;
  coronet::run([&]() -> task<> {
    coronet::spawn(counted_sleeper(ct::live_counter(live), woke));
    coronet::spawn(nested_sleepers(ct::live_counter(live), live, woke));
    co_await ct::next_turn();
    co_await ct::next_turn();
    EXPECT_EQ(live, 4) << "one sleeper, plus one task sleeping in when_all on two more";
    // Spawned in the last turn: it never runs.
    coronet::spawn(counted_body(ct::live_counter(live), late_ran));
  });
  EXPECT_EQ(live, 0) << "frames of tasks still running at shutdown were not destroyed";
  EXPECT_FALSE(woke);
  EXPECT_FALSE(late_ran);
  EXPECT_LT(clock.elapsed(), ct::prompt);
}

TEST(Spawn, ShutdownCancelsTheSleepsOfRunningTasks) {
  int live = 0;
  bool woke = false;
  ct::loop_calls calls;
  ct::stopwatch clock;
  ct::run_on(std::make_unique<ct::counting_loop>(calls), [&]() -> task<> {
    coronet::spawn(counted_sleeper(ct::live_counter(live), woke));
    coronet::spawn(nested_sleepers(ct::live_counter(live), live, woke));
    co_await ct::next_turn();
    co_await ct::next_turn();
    EXPECT_EQ(calls.timeouts, 3);
    EXPECT_EQ(calls.cancels, 0);
  }());
  EXPECT_EQ(calls.cancels, 3) << "each pending sleep is cancelled before its frame is freed";
  EXPECT_EQ(live, 0);
  EXPECT_FALSE(woke);
  EXPECT_LT(clock.elapsed(), ct::prompt);
}

TEST(Spawn, OutsideASchedulerThrowsLogicErrorAndLeaksNothing) {
  int live = 0;
  bool ran = false;
  EXPECT_THROW(coronet::spawn(counted_body(ct::live_counter(live), ran)), std::logic_error);
  EXPECT_EQ(live, 0) << "the task's frame leaked";
  EXPECT_FALSE(ran);
}

}  // namespace
