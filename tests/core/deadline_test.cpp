// deadline: guard() ends with timed_out when the deadline passes, and reset()/extend() while the
// guarded work runs push the end back without a new guard.
#include "coronet/deadline.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <system_error>

#include "coronet/run.hpp"
#include "coronet/timer.hpp"
#include "test_support.hpp"

namespace {

using coronet::task;
using namespace std::chrono_literals;
namespace ct = coronet::test;

TEST(Deadline, GuardThrowsTimedOutNamingItAndCancelsTheWork) {
  std::error_code inner_ended;
  bool cleaned_up = false;
  ct::stopwatch clock;
  coronet::run([&]() -> task<> {
    coronet::deadline idle(20ms, "idle 127.0.0.1:1234");
    try {
      co_await idle.guard(ct::sleep_then_clean_up<int>(inner_ended, cleaned_up));
      ADD_FAILURE() << "guard returned normally";
    } catch (const std::system_error& e) {
      EXPECT_EQ(e.code(), std::errc::timed_out);
      EXPECT_EQ(std::string(e.what()), "idle 127.0.0.1:1234: Connection timed out");
      EXPECT_TRUE(cleaned_up) << "guard threw before the work had finished";
    }
    EXPECT_TRUE(idle.expired());
  });
  EXPECT_EQ(inner_ended, std::errc::operation_canceled);
  EXPECT_GE(clock.elapsed(), 20ms);
  EXPECT_LT(clock.elapsed(), ct::prompt);
}

TEST(Deadline, ResetWhileGuardedPushesTheEndBack) {
  coronet::run([]() -> task<> {
    // One guard over the whole loop: 6 steps of 40 ms outlast the 150 ms period, but each step
    // resets it.
    coronet::deadline idle(150ms);
    ct::stopwatch clock;
    int steps = co_await idle.guard([](coronet::deadline& d) -> task<int> {
      int n = 0;
      for (; n < 6; ++n) {
        co_await coronet::sleep_for(40ms);
        d.reset();
      }
      co_return n;
    }(idle));
    EXPECT_EQ(steps, 6);
    EXPECT_GE(clock.elapsed(), 150ms) << "the guard did not outlive the first period";
  });
}

TEST(Deadline, ExtendAddsToTheEnd) {
  coronet::run([]() -> task<> {
    coronet::deadline d(10ms);
    const auto before = d.expiry();
    d.extend(ct::long_sleep);
    EXPECT_EQ(d.expiry() - before, ct::long_sleep);
    co_await d.guard(coronet::sleep_for(30ms));  // past the first end: no timeout
    EXPECT_FALSE(d.expired());
  });
}

TEST(Deadline, PassedDeadlineFailsAtOnceAndResultsComeBack) {
  coronet::run([]() -> task<> {
    coronet::deadline d(ct::long_sleep);
    int v = co_await d.guard([]() -> task<int> { co_return 3; }());
    EXPECT_EQ(v, 3);
    d.expires_at(std::chrono::steady_clock::now());
    std::error_code ec = co_await ct::error_of(d.guard(coronet::sleep_for(ct::long_sleep)));
    EXPECT_EQ(ec, std::errc::timed_out);
  });
}

}  // namespace
