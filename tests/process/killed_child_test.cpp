// A child killed with SIGKILL in the middle of a message, either way: the parent sees the exit
// (signal 9) and the channel's end, a send that was under way fails with the peer's error in
// context, a half-received message is dropped (as Node drops it), and nothing hangs.
#include <gtest/gtest.h>

#ifndef _WIN32
#include <array>
#include <csignal>
#include <optional>
#include <span>
#include <string>
#include <system_error>

#include <boost/json.hpp>
#include <coronet/coronet.hpp>
#include <coronet/process.hpp>

#include "process_test_support.hpp"

namespace {

namespace json = boost::json;
using namespace coronet;
using process_test::helper;
using process_test::run_bounded;

// Far more than a Unix socket's buffer (about 200 KiB by default): the send cannot finish while
// the child does not read.
constexpr std::size_t k_big = std::size_t(8) << 20;

struct send_outcome {
  bool failed = false;
  std::error_code code;
  std::string what;
};

task<send_outcome> send_big(process::channel& ch) {
  send_outcome out;
  try {
    co_await ch.send(json::value(json::string(k_big, 'x')));
  } catch (const std::system_error& e) {
    out = {true, e.code(), e.what()};
  }
  co_return out;
}

task<std::string> read_line_then_kill(process::child& c) {
  std::string said;
  std::array<char, 64> buf;
  while (said.find('\n') == std::string::npos) {
    const std::size_t n = co_await c.out().read_some(std::span<char>(buf));
    if (n == 0) break;
    said.append(buf.data(), n);
  }
  c.kill(SIGKILL);
  co_return said;
}

void expect_peer_gone(const send_outcome& s) {
  ASSERT_TRUE(s.failed) << "the send to a killed child completed";
  EXPECT_TRUE(s.code == std::errc::broken_pipe || s.code == std::errc::connection_reset)
      << s.code.message();
  EXPECT_NE(s.what.find("channel send"), std::string::npos) << s.what;
}

TEST(KilledChild, SendUnderWayFailsAndTheExitIsSeen) {
  run_bounded([]() -> task<> {
    process::child c = process::fork(helper(), {"stall", "0"}, process_test::piped_out());
    auto [sent, said] = co_await when_all(send_big(c.channel()), read_line_then_kill(c));
    EXPECT_EQ(said, "ready\n");
    expect_peer_gone(sent);
    const process::exit_status st = co_await c.wait();
    EXPECT_EQ(st.signal, SIGKILL);
    // The channel is over: receive ends, the next send fails the same way.
    const auto after = co_await c.channel().receive();
    EXPECT_FALSE(after);
    const send_outcome again = co_await send_big(c.channel());
    expect_peer_gone(again);
  }());
}

TEST(KilledChild, HalfReceivedMessageIsDroppedAndTheChannelEnds) {
  run_bounded([]() -> task<> {
    // 100 000 bytes of a line that never ends: the parent's receive takes them and waits for
    // the rest when the child dies.
    process::child c = process::fork(helper(), {"stall", "100000"}, process_test::piped_out());
    auto [got, said] = co_await when_all(c.channel().receive(), read_line_then_kill(c));
    EXPECT_EQ(said, "ready\n");
    EXPECT_FALSE(got) << json::serialize(*got);
    const process::exit_status st = co_await c.wait();
    EXPECT_EQ(st.signal, SIGKILL);
    const auto after = co_await c.channel().receive();
    EXPECT_FALSE(after);
  }());
}

TEST(KilledChild, BothDirectionsAtOnce) {
  run_bounded([]() -> task<> {
    process::child c = process::fork(helper(), {"stall", "100000"}, process_test::piped_out());
    auto [got, sent, said] =
        co_await when_all(c.channel().receive(), send_big(c.channel()), read_line_then_kill(c));
    EXPECT_EQ(said, "ready\n");
    EXPECT_FALSE(got);
    expect_peer_gone(sent);
    const process::exit_status st = co_await c.wait();
    EXPECT_EQ(st.signal, SIGKILL);
  }());
}

}  // namespace

#endif  // _WIN32
