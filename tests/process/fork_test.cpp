// fork: the channel to a real child process (the helper), from both sides: round trips, large
// messages, disconnect from either side, a crashing child, the child's view of the channel
// variables, and many children at once.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <chrono>
#include <csignal>
#include <filesystem>

#ifndef _WIN32
#include <sys/socket.h>
#endif

#include "process_test_support.hpp"

namespace {

using namespace coronet::process;
using process_test::helper;
using process_test::run_bounded;
namespace json = boost::json;

coronet::task<json::value> receive_one(channel& ch) {
  std::optional<json::value> m = co_await ch.receive();
  if (!m) throw std::runtime_error("end of channel instead of a message");
  co_return std::move(*m);
}

TEST(ProcessFork, RoundTripsThroughTheChild) {
  run_bounded([]() -> coronet::task<> {
    child c = fork(helper(), {"channel-echo"});
    const std::vector<json::value> values = {
        json::value("hello"), json::value(12345678901234), json::value(0.5),
        json::parse(R"({"a":{"b":[true,false,null]},"u":"ünïcødé ✓ 😀"})")};
    for (const auto& v : values) {
      co_await c.channel().send(v);
      EXPECT_EQ(co_await receive_one(c.channel()), v);
    }
    c.channel().disconnect();  // the helper's receive ends: it exits 0
    EXPECT_TRUE((co_await c.wait()).success());
  }());
}

TEST(ProcessFork, LargeMessageThroughTheChild) {
  run_bounded([]() -> coronet::task<> {
    child c = fork(helper(), {"channel-echo"});
    json::value big = json::string(8 << 20, 'q');
    auto [ignored, back] =
        co_await coronet::when_all(c.channel().send(big), receive_one(c.channel()));
    (void)ignored;
    EXPECT_EQ(back, big);
    c.channel().disconnect();
    co_await c.wait();
  }());
}

TEST(ProcessFork, ChildDisconnectEndsTheParentsReceive) {
  run_bounded([]() -> coronet::task<> {
    options o;
    o.in = stdio::pipe;  // keeps the helper alive after its disconnect, until we close it
    child c = fork(helper(), {"channel-bye"}, o);
    EXPECT_EQ(co_await receive_one(c.channel()), json::value("bye"));
    EXPECT_FALSE(co_await c.channel().receive());
    EXPECT_FALSE(c.status());  // the end came from the disconnect, not from an exit
    c.in().close();
    EXPECT_TRUE((co_await c.wait()).success());
  }());
}

TEST(ProcessFork, CrashingChildEndsTheChannel) {
  run_bounded([]() -> coronet::task<> {
    options o;
    o.err = stdio::null;  // abort() may print
    child c = fork(helper(), {"channel-crash"}, o);
    EXPECT_EQ(co_await receive_one(c.channel()), json::value("crashing"));
    EXPECT_FALSE(co_await c.channel().receive());
    const exit_status s = co_await c.wait();
#ifdef _WIN32
    EXPECT_EQ(s.code, 3);  // what abort() exits with on Windows
#else
    EXPECT_EQ(s.signal, SIGABRT);
#endif
  }());
}

TEST(ProcessFork, ChildTakesTheChannelOutOfItsEnvironment) {
  run_bounded([]() -> coronet::task<> {
    child c = fork(helper(), {"channel-env"});
    EXPECT_EQ(co_await receive_one(c.channel()),
              json::parse(R"({"fd_var":false,"mode_var":false,"cloexec":true})"));
    EXPECT_TRUE((co_await c.wait()).success());
  }());
}

TEST(ProcessFork, ForkedChildHoldsOnlyStdioAndTheChannel) {
#ifdef _WIN32
  GTEST_SKIP() << "POSIX descriptors; Windows: ForkedChildInheritsOnlyItsHandles";
#endif
  run_bounded([]() -> coronet::task<> {
    child c = fork(helper(), {"list-fds"}, process_test::piped_out());
    EXPECT_EQ(co_await process_test::read_all(c.out()), "0 1 2 3\n");
    co_await c.wait();
  }());
}

TEST(ProcessFork, SpawnedChildHasNoParentChannel) {
  run_bounded([]() -> coronet::task<> {
    process_test::set_env("NODE_CHANNEL_FD", "3");  // even if this process had the variable
    options o = process_test::piped_out();
    o.err = stdio::null;
    child c = spawn(helper(), {"channel-none"}, o);
    process_test::unset_env("NODE_CHANNEL_FD");
    // fd 3 in a spawned child is not a channel (the helper's own io_uring or epoll descriptor
    // takes the number; on Windows it is not open), so parent_channel() refuses the stale
    // variable.
    std::string out = co_await process_test::read_all(c.out());
    EXPECT_NE((co_await c.wait()).code, 0) << out;
    options clean = process_test::piped_out();
    child d = spawn(helper(), {"channel-none"}, clean);
    EXPECT_EQ(co_await process_test::read_all(d.out()), "none\n");
    EXPECT_TRUE((co_await d.wait()).success());
  }());
}

TEST(ProcessFork, ParentChannelOutsideAForkedChildIsNone) {
  run_bounded([]() -> coronet::task<> {
    EXPECT_FALSE(parent_channel());
    co_return;
  }());
}

TEST(ProcessFork, ParentChannelRefusesAdvancedSerialization) {
  run_bounded([]() -> coronet::task<> {
    process_test::set_env("NODE_CHANNEL_FD", "2");
    process_test::set_env("NODE_CHANNEL_SERIALIZATION_MODE", "advanced");
    EXPECT_THROW(parent_channel(), std::system_error);
    EXPECT_EQ(std::getenv("NODE_CHANNEL_FD"), nullptr);  // taken out all the same
    co_return;
  }());
}

#ifndef _WIN32
// Node reads an empty NODE_CHANNEL_SERIALIZATION_MODE as its default, json.
TEST(ProcessFork, ParentChannelTakesAnEmptySerializationAsJson) {
  run_bounded([]() -> coronet::task<> {
    int sv[2];
    if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0)
      throw std::system_error(errno, std::generic_category(), "socketpair");
    coronet::stream peer = coronet::stream::from_pipe(sv[1], "peer");
    process_test::set_env("NODE_CHANNEL_FD", std::to_string(sv[0]));
    process_test::set_env("NODE_CHANNEL_SERIALIZATION_MODE", "");
    std::optional<channel> parent = parent_channel();  // refused (EPROTONOSUPPORT) before
    if (!parent) throw std::runtime_error("no parent channel");
    EXPECT_EQ(std::getenv("NODE_CHANNEL_SERIALIZATION_MODE"), nullptr);
    channel child_side(std::move(peer));
    co_await parent->send(json::value("json"));
    EXPECT_EQ(co_await receive_one(child_side), json::value("json"));
  }());
}
#endif

TEST(ProcessFork, ManyChildrenAtOnce) {
  run_bounded([]() -> coronet::task<> {
    constexpr int n = 32;
    std::vector<child> children;
    for (int i = 0; i < n; ++i) children.push_back(fork(helper(), {"channel-echo"}));
    auto talk = [](child& c, int i) -> coronet::task<int> {
      json::object o;
      o["child"] = i;
      json::value v = std::move(o);
      co_await c.channel().send(v);
      json::value back = co_await receive_one(c.channel());
      c.channel().disconnect();
      exit_status s = co_await c.wait();
      co_return s.success() ? int(back.at("child").as_int64()) : -1;
    };
    std::vector<coronet::task<int>> tasks;
    for (int i = 0; i < n; ++i) tasks.push_back(talk(children[i], i));
    std::vector<int> got = co_await coronet::when_all(std::move(tasks));
    for (int i = 0; i < n; ++i) EXPECT_EQ(got[i], i);
  }());
}

}  // namespace

// child::disconnect_and_wait and sibling_program: what ipc-parent ends and finds its child with.
namespace {

TEST(ProcessFork, DisconnectAndWaitLetsAChildThatEndsWithItsChannelExit) {
  child::ending end;
  run_bounded([&]() -> coronet::task<> {
    child c = fork(helper(), {"channel-echo"});  // exits 0 when its channel ends
    end = co_await c.disconnect_and_wait(std::chrono::seconds(30));
  }());
  EXPECT_TRUE(end.status.success()) << end.status.to_string();
  EXPECT_FALSE(end.stopped_by_us);
  EXPECT_TRUE(end.expected());
}

TEST(ProcessFork, DisconnectAndWaitStopsAChildThatOutlivesItsChannel) {
  child::ending end;
  run_bounded([&]() -> coronet::task<> {
    options o;
    o.in = stdio::pipe;  // kept open: the child waits for its end for ever
    child c = fork(helper(), {"wait-stdin"}, o);
    end = co_await c.disconnect_and_wait(std::chrono::milliseconds(100));
  }());
  EXPECT_EQ(end.status.signal, SIGTERM) << end.status.to_string();
  EXPECT_TRUE(end.stopped_by_us);
  EXPECT_TRUE(end.expected()) << "ended by the SIGTERM it was sent";
}

TEST(ProcessFork, SiblingProgramIsInThisProgramsFolder) {
  const std::filesystem::path sibling = sibling_program("process-test-child");
  const std::filesystem::path helper_path(helper());
  EXPECT_TRUE(std::filesystem::equivalent(sibling.parent_path(), helper_path.parent_path()))
      << sibling << " vs " << helper_path;
  EXPECT_EQ(sibling.filename(), helper_path.stem()) << "spawn adds the .exe on Windows";
  EXPECT_EQ(std::filesystem::path(this_program()).parent_path(), sibling.parent_path());
}

}  // namespace
