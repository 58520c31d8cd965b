// Cancellation: stop tokens flow from awaiter to awaited, with_stop_token replaces them, and an
// await whose token is already stopped fails at once without reaching the backend.
#include "coronet/cancellation.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <stdexcept>
#include <stop_token>
#include <system_error>

#include "coronet/error.hpp"
#include "coronet/run.hpp"
#include "coronet/spawn.hpp"
#include "coronet/timer.hpp"
#include "test_loops.hpp"
#include "test_support.hpp"

namespace {

using coronet::task;
using namespace std::chrono_literals;
namespace ct = coronet::test;
using ct::request_stop_next_turn;

task<> sleep_for_task(std::chrono::steady_clock::duration d) {
  co_await coronet::sleep_for(d);
}

// Three levels of tasks over one sleep; each level records the error it saw pass through.
task<> level(int n, std::error_code (&seen)[3]) {
  try {
    if (n == 0)
      co_await coronet::sleep_for(ct::long_sleep);
    else
      co_await level(n - 1, seen);
  } catch (const std::system_error& e) {
    seen[n] = e.code();
    throw;
  }
}

TEST(TaskCancellation, ReachesTheAwaitOfTheInnermostTask) {
  std::error_code seen[3];
  ct::stopwatch clock;
  coronet::run([&]() -> task<> {
    std::stop_source stop;
    coronet::spawn(request_stop_next_turn(stop));
    std::error_code ec =
        co_await ct::error_of(coronet::with_stop_token(stop.get_token(), level(2, seen)));
    EXPECT_EQ(ec, std::errc::operation_canceled);
  });
  for (const auto& e : seen) EXPECT_EQ(e, std::errc::operation_canceled);
  EXPECT_LT(clock.elapsed(), ct::prompt);
}

TEST(TaskCancellation, WithStopTokenReplacesTheAwaitersToken) {
  std::error_code own_token_sleep, inherited_sleep;
  ct::stopwatch clock;
  coronet::run([&]() -> task<> {
    std::stop_source outer, own;
    auto body = [&]() -> task<> {
      // `outer` is stopped during this sleep, but the sleep answers to `own` only.
      own_token_sleep =
          co_await ct::error_of(coronet::with_stop_token(own.get_token(), sleep_for_task(30ms)));
      // Back under `outer`, which is stopped by now.
      inherited_sleep = co_await ct::error_of(sleep_for_task(ct::long_sleep));
    };
    coronet::spawn(request_stop_next_turn(outer));
    co_await coronet::with_stop_token(outer.get_token(), body());
    EXPECT_TRUE(outer.stop_requested());
    EXPECT_FALSE(own.stop_requested());
  });
  EXPECT_FALSE(own_token_sleep) << own_token_sleep.message();
  EXPECT_EQ(inherited_sleep, std::errc::operation_canceled);
  EXPECT_LT(clock.elapsed(), ct::prompt);
}

TEST(TaskCancellation, ThisTaskStopTokenIsTheCallersToken) {
  coronet::run([]() -> task<> {
    std::stop_token top = co_await coronet::this_task::stop_token();
    EXPECT_FALSE(top.stop_possible()) << "run()'s task has nobody to cancel it";

    std::stop_source src;
    co_await coronet::with_stop_token(src.get_token(), [](std::stop_source& s) -> task<> {
      std::stop_token mine = co_await coronet::this_task::stop_token();
      EXPECT_TRUE(mine == s.get_token());
      // A task awaited from here inherits the same token.
      co_await [](std::stop_token expected) -> task<> {
        std::stop_token inherited = co_await coronet::this_task::stop_token();
        EXPECT_TRUE(inherited == expected);
      }(mine);
      EXPECT_FALSE(mine.stop_requested());
      s.request_stop();
      EXPECT_TRUE(mine.stop_requested());
    }(src));
  });
}

TEST(TaskCancellation, StoppedTokenFailsAnAwaitWithoutReachingTheBackend) {
  ct::loop_calls calls;
  ct::stopwatch clock;
  ct::run_on(std::make_unique<ct::counting_loop>(calls), [&]() -> task<> {
    std::stop_source stop;
    stop.request_stop();
    std::error_code ec = co_await ct::error_of(
        coronet::with_stop_token(stop.get_token(), sleep_for_task(ct::long_sleep)));
    EXPECT_EQ(ec, std::errc::operation_canceled);
    EXPECT_EQ(calls.timeouts, 0) << "the sleep was submitted although its token was stopped";
    EXPECT_EQ(calls.cancels, 0);
    // Control: an await whose token is not stopped does reach the backend.
    co_await coronet::sleep_for(1ms);
    EXPECT_EQ(calls.timeouts, 1);
  }());
  EXPECT_LT(clock.elapsed(), ct::prompt);
}

TEST(TaskCancellation, StopRacingWithACompletionKeepsTheResult) {
  // instant_loop completes every timeout on the next poll, so the order below is exact.
  std::error_code raced, stopped_first;
  ct::run_on(std::make_unique<ct::instant_loop>(), [&]() -> task<> {
    std::stop_source late, early;
    ct::event done[2];
    auto sleeper = [](std::error_code& ec, ct::event& d) -> task<> {
      ec = co_await ct::error_of(sleep_for_task(ct::long_sleep));
      d.set();
    };
    // Turn 1: the sleeper submits; the stopper yields. The poll completes the sleep, queueing the
    // sleeper behind the stopper. Turn 2: the stop lands after the completion, before the resume.
    coronet::spawn(sleeper(raced, done[0]), late.get_token());
    coronet::spawn([](std::stop_source& s) -> task<> {
      co_await ct::next_turn();
      s.request_stop();
    }(late));
    // Control: a stop before the completion does cancel.
    coronet::spawn(sleeper(stopped_first, done[1]), early.get_token());
    coronet::spawn([](std::stop_source& s) -> task<> {
      s.request_stop();
      co_return;
    }(early));
    co_await done[0].wait();
    co_await done[1].wait();
  }());
  EXPECT_FALSE(raced) << "a completion that won the race was turned into " << raced.message();
  EXPECT_EQ(stopped_first, std::errc::operation_canceled);
}

TEST(TaskCancellation, IsCancellationRecognisesOnlyOperationCanceled) {
  const std::system_error canceled(std::make_error_code(std::errc::operation_canceled), "x");
  // What coronet::throw_errno builds (system_category on POSIX, coronet's errno category on
  // Windows).
  const std::system_error errno_canceled(ECANCELED, coronet::errno_category(), "x");
  const std::system_error reset(std::make_error_code(std::errc::connection_reset), "x");
  EXPECT_TRUE(coronet::is_cancellation(canceled));
  EXPECT_TRUE(coronet::is_cancellation(errno_canceled));
  EXPECT_FALSE(coronet::is_cancellation(reset));
  EXPECT_TRUE(coronet::is_cancellation(std::make_exception_ptr(canceled)));
  EXPECT_FALSE(coronet::is_cancellation(std::make_exception_ptr(reset)));
  EXPECT_FALSE(coronet::is_cancellation(std::make_exception_ptr(std::runtime_error("x"))));
  EXPECT_FALSE(coronet::is_cancellation(std::exception_ptr{}));
}

}  // namespace
