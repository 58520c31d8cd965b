// Timers: sleeps wake in deadline order, never early, and end early with operation_canceled
// when their stop token is stopped.
#include "coronet/timer.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <stdexcept>
#include <vector>

#include "coronet/cancellation.hpp"
#include "coronet/run.hpp"
#include "coronet/spawn.hpp"
#include "coronet/task_group.hpp"
#include "coronet/when_all.hpp"
#include "test_support.hpp"

namespace {

using coronet::task;
using namespace std::chrono_literals;
namespace ct = coronet::test;
using ct::request_stop_next_turn;

// Deadlines from one shared start: the order under test must not depend on how long starting
// the first timer takes (Asio on Windows starts its timer thread then, ~15 ms under wine).
task<> sleep_and_record(std::chrono::steady_clock::time_point start, std::chrono::milliseconds d,
                        std::vector<int>& woke) {
  co_await coronet::sleep_until(start + d);
  woke.push_back(int(d.count()));
}

task<> sleep_for_task(std::chrono::steady_clock::duration d) {
  co_await coronet::sleep_for(d);
}

TEST(Timer, SleepsWakeInDeadlineOrder) {
  std::vector<int> woke;
  coronet::run([&]() -> task<> {
    const auto start = std::chrono::steady_clock::now();
    co_await coronet::when_all(sleep_and_record(start, 30ms, woke),
                               sleep_and_record(start, 10ms, woke),
                               sleep_and_record(start, 20ms, woke));
  });
  EXPECT_EQ(woke, (std::vector<int>{10, 20, 30}));
}

TEST(Timer, SleepForLastsAtLeastItsDuration) {
  coronet::run([]() -> task<> {
    ct::stopwatch clock;
    co_await coronet::sleep_for(20ms);
    EXPECT_GE(clock.elapsed(), 20ms);
    const auto deadline = std::chrono::steady_clock::now() + 15ms;
    co_await coronet::sleep_until(deadline);
    EXPECT_GE(std::chrono::steady_clock::now(), deadline);
  });
}

TEST(Timer, SleepUntilInThePastCompletesPromptly) {
  ct::stopwatch clock;
  coronet::run([]() -> task<> {
    using clock_t = std::chrono::steady_clock;
    co_await coronet::sleep_until(clock_t::now() - 1h);
    co_await coronet::sleep_until(clock_t::time_point{});
    co_await coronet::sleep_until(clock_t::time_point::min());
    co_await coronet::sleep_for(0ms);
    co_await coronet::sleep_for(-5ms);
  });
  EXPECT_LT(clock.elapsed(), ct::prompt);
}

TEST(Timer, StopSourceEndsALongSleepWithOperationCanceled) {
  ct::stopwatch clock;
  coronet::run([]() -> task<> {
    std::stop_source stop;
    // The stop comes from another task on the same thread, while this one sleeps.
    coronet::spawn(request_stop_next_turn(stop));
    std::error_code ec = co_await ct::error_of(
        coronet::with_stop_token(stop.get_token(), sleep_for_task(ct::long_sleep)));
    EXPECT_EQ(ec, std::errc::operation_canceled);
  });
  EXPECT_LT(clock.elapsed(), ct::prompt);
}

TEST(Timer, CancellingOneSleepLeavesTheOthersRunning) {
  std::error_code cancelled, kept;
  coronet::run([&]() -> task<> {
    std::stop_source stop;
    coronet::task_group g;
    g.spawn([](std::stop_token t, std::error_code& ec) -> task<> {
      ec = co_await ct::error_of(coronet::with_stop_token(t, sleep_for_task(ct::long_sleep)));
    }(stop.get_token(), cancelled));
    g.spawn([](std::error_code& ec) -> task<> {
      ec = co_await ct::error_of(sleep_for_task(30ms));
      ec = ec ? ec : std::make_error_code(std::errc::timed_out);  // marks "completed normally"
    }(kept));
    co_await ct::next_turn();
    stop.request_stop();
    co_await g.join();
  });
  EXPECT_EQ(cancelled, std::errc::operation_canceled);
  EXPECT_EQ(kept, std::errc::timed_out) << "the other sleep should have run to its deadline";
}

TEST(Timer, ManyConcurrentSleepsAllComplete) {
  std::vector<int> woke;
  coronet::run([&]() -> task<> {
    std::vector<task<>> sleeps;
    const auto start = std::chrono::steady_clock::now();
    for (int i = 0; i < 1000; ++i)
      sleeps.push_back(sleep_and_record(start, std::chrono::milliseconds(i % 20), woke));
    co_await coronet::when_all(std::move(sleeps));
  });
  EXPECT_EQ(woke.size(), 1000u);
}

TEST(Timer, SleepOutsideASchedulerThrowsLogicError) {
  EXPECT_THROW((void)coronet::sleep_for(1ms), std::logic_error);
}

}  // namespace
