// with_timeout: the inner task's result when it is fast enough; errc::timed_out, after
// cancelling and waiting for it, when it is not.
#include "coronet/with_timeout.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <coroutine>
#include <stdexcept>
#include <type_traits>

#include "coronet/cancellation.hpp"
#include "coronet/run.hpp"
#include "coronet/spawn.hpp"
#include "test_support.hpp"

namespace {

using coronet::task;
using namespace std::chrono_literals;
namespace ct = coronet::test;
using ct::request_stop_next_turn;
using ct::test_error;

task<int> value_after_turns(int turns, int v) {
  for (int i = 0; i < turns; ++i) co_await ct::next_turn();
  co_return v;
}

TEST(WithTimeout, ReturnsTheValueWhenFastEnough) {
  ct::stopwatch clock;
  int v = coronet::run([]() -> task<int> {
    co_return co_await coronet::with_timeout(ct::long_sleep, value_after_turns(2, 42));
  });
  EXPECT_EQ(v, 42);
  EXPECT_LT(clock.elapsed(), ct::prompt) << "the timer was waited out instead of cancelled";
}

TEST(WithTimeout, ThrowsTimedOutAndCancelsTheInnerTask) {
  std::error_code inner_ended;
  bool cleaned_up = false;
  ct::stopwatch clock;
  coronet::run([&]() -> task<> {
    try {
      co_await coronet::with_timeout(20ms, ct::sleep_then_clean_up<int>(inner_ended, cleaned_up));
      ADD_FAILURE() << "with_timeout returned normally";
    } catch (const std::system_error& e) {
      EXPECT_EQ(e.code(), std::errc::timed_out) << e.what();
      EXPECT_TRUE(cleaned_up) << "with_timeout threw before the inner task had finished";
    }
  });
  EXPECT_EQ(inner_ended, std::errc::operation_canceled);
  EXPECT_GE(clock.elapsed(), 20ms);
  EXPECT_LT(clock.elapsed(), ct::prompt);
}

TEST(WithTimeout, PassesTheInnerExceptionThrough) {
  coronet::run([]() -> task<> {
    auto failing = []() -> task<int> {
      co_await ct::next_turn();
      throw test_error("inner failed");
    };
    EXPECT_THROW(co_await coronet::with_timeout(ct::long_sleep, failing()), test_error);
  });
}

TEST(WithTimeout, WorksForVoidTasks) {
  coronet::run([]() -> task<> {
    bool ran = false;
    co_await coronet::with_timeout(ct::long_sleep, [](bool& r) -> task<> {
      co_await ct::next_turn();
      r = true;
    }(ran));
    EXPECT_TRUE(ran);
    std::error_code ec = co_await ct::error_of(coronet::with_timeout(1ms, [](bool& r) -> task<> {
      co_await coronet::sleep_for(ct::long_sleep);
      r = false;
    }(ran)));
    EXPECT_EQ(ec, std::errc::timed_out);
  });
}

TEST(WithTimeout, OuterCancellationEndsWithOperationCanceledNotTimedOut) {
  std::error_code inner_ended;
  bool cleaned_up = false;
  ct::stopwatch clock;
  coronet::run([&]() -> task<> {
    std::stop_source stop;
    coronet::spawn(request_stop_next_turn(stop));
    std::error_code ec = co_await ct::error_of(coronet::with_stop_token(
        stop.get_token(), coronet::with_timeout(ct::long_sleep, ct::sleep_then_clean_up<int>(
                                                                    inner_ended, cleaned_up))));
    EXPECT_EQ(ec, std::errc::operation_canceled);
  });
  EXPECT_EQ(inner_ended, std::errc::operation_canceled);
  EXPECT_TRUE(cleaned_up);
  EXPECT_LT(clock.elapsed(), ct::prompt);
}

// An awaitable that is not a task, and movable: handed to the wrapping task's frame by value.
struct ready_value {
  int v;
  bool await_ready() const noexcept { return true; }
  void await_suspend(std::coroutine_handle<>) const noexcept {}
  int await_resume() const noexcept { return v; }
};

TEST(WithTimeout, TakesAnyAwaitableAndGivesItsResultType) {
  coronet::run([]() -> task<> {
    // Movable (ready_value) and in place (sleep_for's awaiter cannot move): both compile and
    // give what awaiting them directly gives.
    static_assert(
        std::is_same_v<decltype(coronet::with_timeout(1s, ready_value{7})), coronet::task<int>>);
    int v = co_await coronet::with_timeout(ct::long_sleep, ready_value{7});
    EXPECT_EQ(v, 7);
    ct::stopwatch clock;
    co_await coronet::with_timeout(ct::long_sleep, coronet::sleep_for(1ms));
    EXPECT_LT(clock.elapsed(), ct::prompt);
    std::error_code ec =
        co_await ct::error_of(coronet::with_timeout(10ms, coronet::sleep_for(ct::long_sleep)));
    EXPECT_EQ(ec, std::errc::timed_out);
    EXPECT_LT(clock.elapsed(), ct::prompt) << "the inner sleep was not cancelled";
  });
}

}  // namespace
