// when_all: every child runs, results come back in argument order, and a failure cancels the
// siblings, waits for them and is rethrown.
#include "coronet/when_all.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <numeric>
#include <stdexcept>
#include <string>
#include <tuple>
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
task<T> value_after(std::chrono::milliseconds d, T v, std::vector<int>& finished, int id) {
  co_await coronet::sleep_for(d);
  finished.push_back(id);
  co_return v;
}

task<> done_after(std::chrono::milliseconds d, std::vector<int>& finished, int id) {
  co_await coronet::sleep_for(d);
  finished.push_back(id);
}

task<> fail_after_turns(int turns, std::string what) {
  for (int i = 0; i < turns; ++i) co_await ct::next_turn();
  throw test_error(what);
}

task<std::unique_ptr<int>> boxed(int v) {
  co_await ct::next_turn();
  co_return std::make_unique<int>(v);
}

TEST(WhenAll, TupleFormReturnsResultsInArgumentOrder) {
  std::vector<int> finished;
  auto [a, b, c, d] =
      coronet::run([&]() -> task<std::tuple<int, std::string, std::monostate, int>> {
        co_return co_await coronet::when_all(
            value_after(30ms, 1, finished, 1), value_after(10ms, std::string("two"), finished, 2),
            done_after(20ms, finished, 3), value_after(0ms, 4, finished, 4));
      });
  EXPECT_EQ(a, 1);
  EXPECT_EQ(b, "two");
  EXPECT_EQ(d, 4);
  (void)c;
  // They did run concurrently: completion order follows the sleeps, not the arguments.
  EXPECT_EQ(finished, (std::vector<int>{4, 2, 3, 1}));
}

TEST(WhenAll, VectorFormReturnsResultsInInputOrder) {
  std::vector<int> finished;
  auto values = coronet::run([&]() -> task<std::vector<int>> {
    std::vector<task<int>> tasks;
    for (int i = 0; i < 4; ++i)
      tasks.push_back(value_after(std::chrono::milliseconds(10 * (3 - i)), i * 10, finished, i));
    co_return co_await coronet::when_all(std::move(tasks));
  });
  EXPECT_EQ(values, (std::vector<int>{0, 10, 20, 30}));
  EXPECT_EQ(finished, (std::vector<int>{3, 2, 1, 0}));
}

TEST(WhenAll, WaitsForEveryVoidTask) {
  std::vector<int> finished;
  coronet::run([&]() -> task<> {
    std::vector<task<>> tasks;
    tasks.push_back(done_after(20ms, finished, 1));
    tasks.push_back(done_after(0ms, finished, 2));
    tasks.push_back(done_after(10ms, finished, 3));
    co_await coronet::when_all(std::move(tasks));
    EXPECT_EQ(finished.size(), 3u);
    auto [x, y] =
        co_await coronet::when_all(done_after(20ms, finished, 4), done_after(0ms, finished, 5));
    static_assert(std::is_same_v<decltype(x), std::monostate>);
    (void)y;
  });
  EXPECT_EQ(finished, (std::vector<int>{2, 3, 1, 5, 4}));
}

TEST(WhenAll, EmptyInputsCompleteAtOnce) {
  coronet::run([]() -> task<> {
    auto v = co_await coronet::when_all(std::vector<task<int>>{});
    EXPECT_TRUE(v.empty());
    co_await coronet::when_all(std::vector<task<>>{});
    std::tuple<> t = co_await coronet::when_all();
    (void)t;
  });
}

TEST(WhenAll, CarriesMoveOnlyResults) {
  coronet::run([]() -> task<> {
    auto [a, b] = co_await coronet::when_all(boxed(1), boxed(2));
    EXPECT_EQ(*a + *b, 3);
    std::vector<task<std::unique_ptr<int>>> tasks;
    tasks.push_back(boxed(3));
    tasks.push_back(boxed(4));
    auto v = co_await coronet::when_all(std::move(tasks));
    EXPECT_EQ(v.size(), 2u);
    if (v.size() == 2) {
      EXPECT_EQ(*v[0] * *v[1], 12);
    }
  });
}

TEST(WhenAll, ManySynchronousChildren) {
  long sum = coronet::run([]() -> task<long> {
    std::vector<task<long>> tasks;
    for (long i = 0; i < 10000; ++i) tasks.push_back([](long v) -> task<long> { co_return v; }(i));
    auto v = co_await coronet::when_all(std::move(tasks));
    co_return std::accumulate(v.begin(), v.end(), 0L);
  });
  EXPECT_EQ(sum, 10000L * 9999 / 2);
}

TEST(WhenAll, FailingChildCancelsItsSiblingsAndIsRethrown) {
  std::error_code sibling_ended;
  ct::stopwatch clock;
  coronet::run([&]() -> task<> {
    try {
      co_await coronet::when_all(sleep_forever(sibling_ended), fail_after_turns(1, "child failed"));
      ADD_FAILURE() << "when_all returned normally";
    } catch (const test_error& e) {
      EXPECT_STREQ(e.what(), "child failed");
    } catch (const std::system_error& e) {
      // A sibling's cancellation is a consequence of the failure, not the failure.
      ADD_FAILURE() << "when_all rethrew a cancelled sibling's error: " << e.what();
    }
  });
  EXPECT_EQ(sibling_ended, std::errc::operation_canceled);
  EXPECT_LT(clock.elapsed(), ct::prompt);
}

TEST(WhenAll, RethrowsAfterEveryChildHasFinished) {
  std::error_code sibling_ended;
  bool cleaned_up = false;
  coronet::run([&]() -> task<> {
    std::vector<task<int>> tasks;
    tasks.push_back(ct::sleep_then_clean_up<int>(sibling_ended, cleaned_up));
    tasks.push_back([]() -> task<int> {
      co_await fail_after_turns(1, "vector child failed");
      co_return 1;
    }());
    bool caught = false;
    try {
      co_await coronet::when_all(std::move(tasks));
    } catch (const test_error& e) {
      EXPECT_STREQ(e.what(), "vector child failed");
      caught = true;
    }
    EXPECT_TRUE(caught);
    EXPECT_TRUE(cleaned_up) << "when_all rethrew before the cancelled sibling had finished";
  });
  EXPECT_EQ(sibling_ended, std::errc::operation_canceled);
}

TEST(WhenAll, RethrowsTheEarliestFailureNotTheFirstArgument) {
  coronet::run([]() -> task<> {
    try {
      co_await coronet::when_all(fail_after_turns(3, "later"), fail_after_turns(1, "earlier"));
      ADD_FAILURE() << "when_all returned normally";
    } catch (const test_error& e) {
      EXPECT_STREQ(e.what(), "earlier");
    }
  });
}

TEST(WhenAll, OuterCancellationPropagatesToChildren) {
  std::error_code a, b;
  ct::stopwatch clock;
  coronet::run([&]() -> task<> {
    std::stop_source stop;
    coronet::spawn(request_stop_next_turn(stop));
    std::error_code ec = co_await ct::error_of(coronet::with_stop_token(
        stop.get_token(), coronet::when_all(sleep_forever(a), sleep_forever(b))));
    EXPECT_EQ(ec, std::errc::operation_canceled);
  });
  EXPECT_EQ(a, std::errc::operation_canceled);
  EXPECT_EQ(b, std::errc::operation_canceled);
  EXPECT_LT(clock.elapsed(), ct::prompt);
}

TEST(WhenAll, AlreadyStoppedParentCancelsChildrenAtTheirFirstAwait) {
  std::error_code a;
  std::vector<int> finished;
  coronet::run([&]() -> task<> {
    std::stop_source stop;
    stop.request_stop();
    auto all = coronet::when_all(sleep_forever(a), value_after(0ms, 1, finished, 1));
    std::error_code ec =
        co_await ct::error_of(coronet::with_stop_token(stop.get_token(), std::move(all)));
    EXPECT_EQ(ec, std::errc::operation_canceled);
  });
  EXPECT_EQ(a, std::errc::operation_canceled);
  EXPECT_TRUE(finished.empty());
}

}  // namespace
