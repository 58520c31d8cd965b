// when_any: the first child to finish wins; the losers are cancelled and waited for.
#include "coronet/when_any.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <utility>
#include <variant>
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

template <class T>
task<T> value_after_turns(int turns, T v) {
  for (int i = 0; i < turns; ++i) co_await ct::next_turn();
  co_return v;
}

task<int> value_after(std::chrono::milliseconds d, int v) {
  co_await coronet::sleep_for(d);
  co_return v;
}

task<int> fail_after_turns(int turns, std::string what) {
  for (int i = 0; i < turns; ++i) co_await ct::next_turn();
  throw test_error(what);
}

// A loser: sleeps "forever", records how the sleep ended, then takes two more turns to clean
// up before letting the cancellation escape. Its frame holds a live_counter.
task<int> slow_loser(ct::live_counter, std::error_code& ended_with, bool& cleaned_up) {
  co_return co_await ct::sleep_then_clean_up<int>(ended_with, cleaned_up);
}

// A loser whose cleanup fails with something other than cancellation.
task<int> loser_failing_on_cancel(std::string what) {
  try {
    co_await coronet::sleep_for(ct::long_sleep);
  } catch (const std::system_error&) {
    throw test_error(what);
  }
  co_return -1;
}

TEST(WhenAny, FirstToFinishWins) {
  coronet::run([]() -> task<> {
    int live = 0;
    std::error_code loser_ended;
    bool cleaned_up = false;
    auto r = co_await coronet::when_any(slow_loser(ct::live_counter(live), loser_ended, cleaned_up),
                                        value_after_turns(1, std::string("fast")));
    EXPECT_EQ(r.index(), 1u);
    EXPECT_EQ(std::get<1>(r), "fast");

    // By timers too: the shorter sleep wins, whatever its position.
    auto t = co_await coronet::when_any(value_after(200ms, 1), value_after(10ms, 2),
                                        value_after(100ms, 3));
    EXPECT_EQ(t.index(), 1u);
    EXPECT_EQ(std::get<1>(t), 2);
  });
}

TEST(WhenAny, LosersAreCancelledAndAwaitedBeforeItReturns) {
  int live = 0;
  std::error_code a_ended, b_ended;
  bool a_cleaned = false, b_cleaned = false;
  ct::stopwatch clock;
  coronet::run([&]() -> task<> {
    auto r = co_await coronet::when_any(slow_loser(ct::live_counter(live), a_ended, a_cleaned),
                                        value_after_turns(1, 7),
                                        slow_loser(ct::live_counter(live), b_ended, b_cleaned));
    EXPECT_EQ(r.index(), 1u);
    EXPECT_TRUE(a_cleaned) << "when_any returned before a loser finished its cleanup";
    EXPECT_TRUE(b_cleaned) << "when_any returned before a loser finished its cleanup";
    EXPECT_EQ(live, 0) << "a loser's frame outlived when_any";
  });
  EXPECT_EQ(a_ended, std::errc::operation_canceled);
  EXPECT_EQ(b_ended, std::errc::operation_canceled);
  EXPECT_LT(clock.elapsed(), ct::prompt);
}

TEST(WhenAny, VectorFormReturnsTheWinnersIndexAndValue) {
  coronet::run([]() -> task<> {
    std::vector<task<int>> tasks;
    tasks.push_back(value_after(ct::long_sleep, 0));
    tasks.push_back(value_after(ct::long_sleep, 1));
    tasks.push_back(value_after_turns(2, 22));
    tasks.push_back(value_after(ct::long_sleep, 3));
    auto [index, value] = co_await coronet::when_any(std::move(tasks));
    EXPECT_EQ(index, 2u);
    EXPECT_EQ(value, 22);

    std::error_code ended;
    std::vector<task<>> voids;
    voids.push_back(sleep_forever(ended));
    voids.push_back([]() -> task<> { co_await ct::next_turn(); }());
    std::size_t winner = co_await coronet::when_any(std::move(voids));
    EXPECT_EQ(winner, 1u);
    EXPECT_EQ(ended, std::errc::operation_canceled);
  });
}

TEST(WhenAny, EmptyVectorIsAnError) {
  coronet::run([]() -> task<> {
    EXPECT_THROW(co_await coronet::when_any(std::vector<task<int>>{}), std::invalid_argument);
  });
}

TEST(WhenAny, WinnersExceptionIsRethrown) {
  ct::unhandled_reports reports;
  std::error_code loser_ended;
  ct::stopwatch clock;
  coronet::run([&]() -> task<> {
    try {
      co_await coronet::when_any(
          [](std::error_code& e) -> task<int> {
            co_await sleep_forever(e);
            co_return 0;
          }(loser_ended),
          fail_after_turns(1, "winner failed"));
      ADD_FAILURE() << "when_any returned normally";
    } catch (const test_error& e) {
      EXPECT_STREQ(e.what(), "winner failed");
    }
  });
  EXPECT_EQ(loser_ended, std::errc::operation_canceled);
  EXPECT_EQ(reports.size(), 0u) << "a loser's cancellation is expected, not reportable";
  EXPECT_LT(clock.elapsed(), ct::prompt);
}

TEST(WhenAny, LoserFailureOtherThanCancellationGoesToTheHandler) {
  ct::unhandled_reports reports;
  coronet::run([&]() -> task<> {
    auto r = co_await coronet::when_any(loser_failing_on_cancel("loser cleanup failed"),
                                        value_after_turns(1, 5));
    EXPECT_EQ(r.index(), 1u);
    EXPECT_EQ(std::get<1>(r), 5);
  });
  ASSERT_EQ(reports.size(), 1u);
  EXPECT_EQ(reports.all()[0].where, "when_any loser");
  EXPECT_EQ(reports.all()[0].what, "loser cleanup failed");
}

TEST(WhenAny, OuterCancellationCancelsEveryChild) {
  std::error_code a, b;
  ct::stopwatch clock;
  coronet::run([&]() -> task<> {
    std::stop_source stop;
    coronet::spawn(request_stop_next_turn(stop));
    std::error_code ec = co_await ct::error_of(coronet::with_stop_token(
        stop.get_token(), coronet::when_any(sleep_forever(a), sleep_forever(b))));
    EXPECT_EQ(ec, std::errc::operation_canceled);
  });
  EXPECT_EQ(a, std::errc::operation_canceled);
  EXPECT_EQ(b, std::errc::operation_canceled);
  EXPECT_LT(clock.elapsed(), ct::prompt);
}

TEST(WhenAny, WinnerFinishingWhileStartingCancelsTheRestAtTheirFirstAwait) {
  std::error_code later;
  coronet::run([&]() -> task<> {
    auto r =
        co_await coronet::when_any(value_after_turns(0, 1), [](std::error_code& e) -> task<int> {
          co_await sleep_forever(e);
          co_return 2;
        }(later));
    EXPECT_EQ(r.index(), 0u);
  });
  EXPECT_EQ(later, std::errc::operation_canceled);
}

TEST(WhenAny, TakesAwaitablesThatAreNotTasks) {
  coronet::run([]() -> task<> {
    // The example of when_any.hpp's comment, with a task standing for the receive().
    auto r =
        co_await coronet::when_any(value_after_turns(1, 5), coronet::sleep_for(ct::long_sleep));
    static_assert(std::is_same_v<decltype(r), std::variant<int, std::monostate>>);
    EXPECT_EQ(r.index(), 0u);
    EXPECT_EQ(std::get<0>(r), 5);
    ct::stopwatch clock;
    auto t =
        co_await coronet::when_any(coronet::sleep_for(ct::long_sleep), coronet::sleep_for(1ms));
    EXPECT_EQ(t.index(), 1u);
    EXPECT_LT(clock.elapsed(), ct::prompt) << "the losing sleep was not cancelled";
  });
}

}  // namespace
