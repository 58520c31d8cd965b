// wait_for_signal: the signal sent after the wait started, one kept between waits, cancellation.
#include "coronet/signal.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <csignal>
#include <stop_token>
#include <vector>

#include "coronet/core.hpp"
#include "coronet/io.hpp"
#include "io_test_support.hpp"

namespace coronet::test {
namespace {

task<> raise_in_process(int sig) {
  ::kill(::getpid(), sig);
  co_return;
}

TEST(Signal, WaitReturnsTheSignalSentAfterItStarted) {
  const int got = run([]() -> task<int> {
    // Built first: GCC 12 miscompiles braced lists inside co_await expressions.
    std::vector<int> signals{SIGUSR1};
    // The wait runs first (blocking SIGUSR1 and suspending on its signalfd), then the sender.
    auto r = co_await when_all(wait_for_signal(std::move(signals)), raise_in_process(SIGUSR1));
    co_return std::get<0>(r);
  });
  EXPECT_EQ(got, SIGUSR1);
}

TEST(Signal, WaitReportsWhichOfSeveralArrived) {
  const int got = run([]() -> task<int> {
    std::vector<int> signals{SIGUSR1, SIGUSR2};
    auto r = co_await when_all(wait_for_signal(std::move(signals)), raise_in_process(SIGUSR2));
    co_return std::get<0>(r);
  });
  EXPECT_EQ(got, SIGUSR2);
}

TEST(Signal, SignalBetweenWaitsIsKeptForTheNextWait) {
  const std::vector<int> got = run([]() -> task<std::vector<int>> {
    std::vector<int> out;
    std::vector<int> signals{SIGUSR1};
    auto r = co_await when_all(wait_for_signal(signals), raise_in_process(SIGUSR1));
    out.push_back(std::get<0>(r));
    // Nobody waits now; the signal stays blocked and pending.
    ::kill(::getpid(), SIGUSR1);
    out.push_back(co_await wait_for_signal(signals));
    co_return out;
  });
  EXPECT_EQ(got, (std::vector<int>{SIGUSR1, SIGUSR1}));
}

task<> request_stop(std::stop_source& s) {
  s.request_stop();
  co_return;
}

TEST(Signal, CancelledWaitConsumesNoSignal) {
  auto r = run([]() -> task<std::tuple<failure, int>> {
    std::vector<int> signals{SIGUSR1};
    std::stop_source stop;
    auto first =
        co_await when_all(failure_of(with_stop_token(stop.get_token(), wait_for_signal(signals))),
                          request_stop(stop));
    ::kill(::getpid(), SIGUSR1);
    const int sig = co_await wait_for_signal(signals);
    co_return std::tuple{std::get<0>(first), sig};
  });
  EXPECT_EQ(std::get<0>(r).code, std::errc::operation_canceled) << std::get<0>(r).what;
  EXPECT_EQ(std::get<1>(r), SIGUSR1);
}

}  // namespace
}  // namespace coronet::test
