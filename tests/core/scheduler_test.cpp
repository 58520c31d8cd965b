// scheduler: current(), post() from other threads, and which backend runs it.
#include "coronet/scheduler.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <stdexcept>
#include <thread>
#include <vector>

#include "coronet/run.hpp"
#include "coronet/spawn.hpp"
#include "coronet/timer.hpp"
#include "coronet/when_any.hpp"
#include "test_loops.hpp"
#include "test_support.hpp"

namespace {

using coronet::task;
using namespace std::chrono_literals;
namespace ct = coronet::test;

task<> sleep_for_task(std::chrono::steady_clock::duration d) {
  co_await coronet::sleep_for(d);
}

task<> wait_for(ct::event& e) {
  co_await e.wait();
}

// Whether `e` is set within `limit`: a post() that never runs fails the test instead of hanging it.
task<bool> set_within(ct::event& e, std::chrono::steady_clock::duration limit) {
  std::vector<task<>> racers;
  racers.push_back(wait_for(e));
  racers.push_back(sleep_for_task(limit));
  co_return co_await coronet::when_any(std::move(racers)) == 0;
}

TEST(Scheduler, CurrentThrowsLogicErrorOutsideRun) {
  EXPECT_THROW(coronet::scheduler::current(), std::logic_error);
  EXPECT_EQ(coronet::scheduler::try_current(), nullptr);
  coronet::run([]() -> task<> {
    coronet::scheduler* mine = &coronet::scheduler::current();
    EXPECT_EQ(coronet::scheduler::try_current(), mine);
    bool threw = false;
    // Another thread has no scheduler, even while this one runs.
    std::thread([&threw] {
      try {
        coronet::scheduler::current();
      } catch (const std::logic_error&) {
        threw = true;
      }
    }).join();
    EXPECT_TRUE(threw);
    co_return;
  });
  EXPECT_THROW(coronet::scheduler::current(), std::logic_error);
}

TEST(Scheduler, PostFromAnotherThreadRunsOnTheSchedulerThread) {
  coronet::run([]() -> task<> {
    coronet::scheduler& s = coronet::scheduler::current();
    const std::thread::id scheduler_thread = std::this_thread::get_id();
    std::thread::id ran_on[2];
    bool accepted[2] = {false, false};
    ct::event done;
    int ran = 0;
    std::thread poster([&] {
      accepted[0] = s.post([&] {
        ran_on[0] = std::this_thread::get_id();
        ++ran;
      });
      accepted[1] = coronet::post(s, [&] {
        ran_on[1] = std::this_thread::get_id();
        if (++ran == 2) done.set();
      });
    });
    EXPECT_TRUE(co_await set_within(done, ct::long_sleep));
    poster.join();
    EXPECT_TRUE(accepted[0]);
    EXPECT_TRUE(accepted[1]);
    EXPECT_EQ(ran_on[0], scheduler_thread);
    EXPECT_EQ(ran_on[1], scheduler_thread);
  });
}

TEST(Scheduler, PostWakesASchedulerBlockedInALongSleep) {
  ct::loop_calls calls;
  ct::stopwatch clock;
  bool woken = false;
  ct::run_on(std::make_unique<ct::counting_loop>(calls), [&]() -> task<> {
    coronet::scheduler& s = coronet::scheduler::current();
    ct::event posted;
    std::thread poster([&] {
      // Post only once the scheduler has gone to sleep in the backend (no other wake-up is due
      // for ten seconds): only post()'s wake-up can end that wait in time.
      while (calls.blocking_polls.load() == 0) std::this_thread::yield();
      s.post([&] { posted.set(); });
    });
    woken = co_await set_within(posted, ct::long_sleep);
    poster.join();
  }());
  EXPECT_TRUE(woken);
  EXPECT_LT(clock.elapsed(), ct::prompt);
}

TEST(Scheduler, PostsFromManyThreadsAllRunInOrderPerThread) {
  constexpr int threads = 4, per_thread = 500;
  std::vector<std::vector<int>> seen(threads);
  coronet::run([&]() -> task<> {
    coronet::scheduler& s = coronet::scheduler::current();
    ct::event all_ran;
    int ran = 0;
    std::vector<std::thread> posters;
    for (int t = 0; t < threads; ++t) {
      posters.emplace_back([&, t] {
        for (int i = 0; i < per_thread; ++i) {
          s.post([&, t, i] {
            seen[t].push_back(i);
            if (++ran == threads * per_thread) all_ran.set();
          });
        }
      });
    }
    EXPECT_TRUE(co_await set_within(all_ran, ct::long_sleep));
    for (auto& p : posters) p.join();
  });
  std::vector<int> expected(per_thread);
  for (int i = 0; i < per_thread; ++i) expected[i] = i;
  for (const auto& v : seen) EXPECT_EQ(v, expected);
}

TEST(Scheduler, ExceptionFromAPostedFunctionGoesToTheHandler) {
  ct::unhandled_reports reports;
  coronet::run([]() -> task<> {
    coronet::scheduler::current().post([] { throw std::runtime_error("posted failure"); });
    ct::event after;
    coronet::scheduler::current().post([&] { after.set(); });
    EXPECT_TRUE(co_await set_within(after, ct::long_sleep));
  });
  ASSERT_EQ(reports.size(), 1u);
  EXPECT_EQ(reports.all()[0].where, "posted function");
  EXPECT_EQ(reports.all()[0].what, "posted failure");
}

// post() on a scheduler that has ended returns false and drops the function. With this API the
// one well-defined moment to observe that is the scheduler's own shutdown, when it destroys the
// tasks still running: here a destructor in such a task posts.
TEST(Scheduler, PostAfterTheSchedulerEndedReturnsFalseAndDropsTheFunction) {
  int live = 0;
  int post_result = -1;
  bool ran = false;
  struct post_on_destroy {
    coronet::scheduler* s;
    int& result;
    int& live;
    bool& ran;
    bool armed = true;  // only the copy in the coroutine frame posts
    post_on_destroy(coronet::scheduler* s, int& result, int& live, bool& ran)
        : s(s), result(result), live(live), ran(ran) {}
    post_on_destroy(post_on_destroy&& o) noexcept
        : s(o.s),
          result(o.result),
          live(o.live),
          ran(o.ran),
          armed(std::exchange(o.armed, false)) {}
    ~post_on_destroy() {
      if (armed) result = s->post([c = ct::live_counter(live), &r = ran] { r = true; }) ? 1 : 0;
    }
  };
  coronet::run([&]() -> task<> {
    coronet::spawn([](post_on_destroy) -> task<> {
      co_await coronet::sleep_for(ct::long_sleep);
    }(post_on_destroy(&coronet::scheduler::current(), post_result, live, ran)));
    co_await ct::next_turn();
  });
  EXPECT_EQ(post_result, 0) << "post() during shutdown should return false";
  EXPECT_FALSE(ran);
  EXPECT_EQ(live, 0) << "the dropped function was not destroyed";
}

TEST(Scheduler, BackendNameMatchesCoronetBackend) {
  const std::string_view expected = ct::backend_from_env();
  coronet::run([&]() -> task<> {
    const std::string_view name = coronet::backend_name();
    EXPECT_EQ(name, coronet::scheduler::current().backend_name());
    if (expected.empty()) {
      EXPECT_TRUE(name == "io_uring" || name == "asio") << name;
    } else {
      EXPECT_EQ(name, expected);
    }
    co_return;
  });
}

}  // namespace

TEST(Scheduler, RemoteHandleOutlivesTheScheduler) {
  coronet::remote_scheduler remote;
  std::thread::id ran_on;
  const bool accepted = coronet::run([&]() -> task<bool> {
    remote = coronet::scheduler::current().remote();
    bool ok = false;
    ct::event posted;
    std::thread poster([&] {
      ok = remote.post([&] {
        ran_on = std::this_thread::get_id();
        posted.set();
      });
    });
    co_await posted.wait();
    poster.join();
    co_return ok;
  });
  EXPECT_TRUE(accepted);
  EXPECT_EQ(ran_on, std::this_thread::get_id());
  // The scheduler is gone; the handle still answers, from any thread.
  bool late = true;
  std::thread([&] {
    late = remote.post([] { ADD_FAILURE() << "ran after the scheduler ended"; });
  }).join();
  EXPECT_FALSE(late);
  EXPECT_FALSE(coronet::remote_scheduler{}.post([] {}));
}
