// task<T>: laziness, results, exceptions, frame lifetime and symmetric transfer.
#include "coronet/task.hpp"

#include <gtest/gtest.h>

#include <memory>
#include <stdexcept>
#include <string>

#include "coronet/run.hpp"
#include "test_support.hpp"

namespace {

using coronet::task;
namespace ct = coronet::test;
using ct::test_error;

task<int> answer() {
  co_return 42;
}

task<> set_flag(bool& flag) {
  flag = true;
  co_return;
}

task<> counted_body(ct::live_counter, bool& ran) {
  ran = true;
  co_return;
}

task<int> throw_now() {
  throw test_error("thrown at once");
  co_return 0;
}

task<int> throw_after_a_turn() {
  co_await ct::next_turn();
  throw test_error("thrown after a turn");
}

task<int> nested_throw(int levels, int& unwound, int& live, ct::live_counter) {
  if (levels == 0) co_return co_await throw_after_a_turn();
  struct on_unwind {
    int& n;
    ~on_unwind() { ++n; }
  } guard{unwound};
  co_return co_await nested_throw(levels - 1, unwound, live, ct::live_counter(live));
}

task<int> depth(int n) {
  if (n == 0) co_return 0;
  co_return 1 + co_await depth(n - 1);
}

struct move_only {
  explicit move_only(int v) : value(std::make_unique<int>(v)) {}
  std::unique_ptr<int> value;
};

task<move_only> make_move_only(int v) {
  co_await ct::next_turn();
  co_return move_only(v);
}

TEST(Task, BodyDoesNotRunUntilAwaited) {
  bool ran = false;
  coronet::run([&]() -> task<> {
    task<> t = set_flag(ran);
    co_await ct::next_turn();
    co_await ct::next_turn();
    EXPECT_FALSE(ran) << "a task's body ran before anyone awaited it";
    co_await std::move(t);
    EXPECT_TRUE(ran);
  });
  EXPECT_TRUE(ran);
}

TEST(Task, ReturnsItsValueToTheAwaiter) {
  int got = coronet::run([]() -> task<int> {
    int a = co_await answer();
    move_only m = co_await make_move_only(a + 1);
    co_return *m.value;
  });
  EXPECT_EQ(got, 43);
}

TEST(Task, ReturnsMoveOnlyValues) {
  auto p = coronet::run([]() -> task<std::unique_ptr<std::string>> {
    auto inner = []() -> task<std::unique_ptr<std::string>> {
      co_return std::make_unique<std::string>("moved");
    };
    co_return co_await inner();
  });
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(*p, "moved");
}

TEST(Task, ExceptionPropagatesToTheAwaiter) {
  coronet::run([]() -> task<> {
    int caught = 0;
    try {
      co_await throw_now();
    } catch (const test_error& e) {
      EXPECT_STREQ(e.what(), "thrown at once");
      ++caught;
    }
    try {
      co_await throw_after_a_turn();
    } catch (const test_error& e) {
      EXPECT_STREQ(e.what(), "thrown after a turn");
      ++caught;
    }
    EXPECT_EQ(caught, 2);
  });
}

TEST(Task, ExceptionUnwindsEveryLevelOfANestedChain) {
  int unwound = 0;
  int live = 0;
  coronet::run([&]() -> task<> {
    bool caught = false;
    try {
      co_await nested_throw(10, unwound, live, ct::live_counter(live));
    } catch (const test_error&) {
      caught = true;
    }
    EXPECT_TRUE(caught);
  });
  // Ten guards ran their destructors, and every frame (each holding a live_counter) is freed.
  EXPECT_EQ(unwound, 10);
  EXPECT_EQ(live, 0);
}

TEST(Task, DestroyedBeforeAwaitedRunsNothingAndFreesItsFrame) {
  int live = 0;
  bool ran = false;
  {
    task<> t = counted_body(ct::live_counter(live), ran);
    EXPECT_TRUE(t.valid());
    EXPECT_EQ(live, 1) << "the parameter copy should live in the frame";
  }
  EXPECT_EQ(live, 0) << "destroying an unawaited task must free its frame";
  EXPECT_FALSE(ran);

  // The same inside a running scheduler: nothing picks the abandoned frame up later.
  coronet::run([&]() -> task<> {
    { task<> t = counted_body(ct::live_counter(live), ran); }
    EXPECT_EQ(live, 0);
    co_await ct::next_turn();
    co_await ct::next_turn();
  });
  EXPECT_FALSE(ran);
  EXPECT_EQ(live, 0);

  // Control: the counter does see a frame that is awaited and then released.
  coronet::run([&]() -> task<> {
    task<> t = counted_body(ct::live_counter(live), ran);
    EXPECT_EQ(live, 1);
    co_await std::move(t);
  });
  EXPECT_TRUE(ran);
  EXPECT_EQ(live, 0);
}

TEST(Task, MoveTransfersTheCoroutine) {
  coronet::run([]() -> task<> {
    task<int> a = answer();
    task<int> b = std::move(a);
    EXPECT_FALSE(a.valid());  // NOLINT(bugprone-use-after-move): checking the moved-from state
    EXPECT_TRUE(b.valid());
    task<int> c;
    EXPECT_FALSE(c.valid());
    c = std::move(b);
    EXPECT_EQ(co_await std::move(c), 42);
  });
}

// 100000 nested tasks that all complete synchronously: without symmetric transfer each level
// would add stack frames on both the way down and the way up and overflow an 8 MiB stack.
TEST(Task, DeepChainOfSynchronousCompletionsDoesNotOverflowTheStack) {
  EXPECT_EQ(coronet::run(depth(100000)), 100000);
}

TEST(Task, ManySequentialSynchronousAwaitsDoNotGrowTheStack) {
  long sum = coronet::run([]() -> task<long> {
    long s = 0;
    for (int i = 0; i < 1'000'000; ++i) s += co_await answer();
    co_return s;
  });
  EXPECT_EQ(sum, 42'000'000L);
}

}  // namespace
