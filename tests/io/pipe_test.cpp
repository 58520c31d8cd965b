// Windows named pipes (coronet::pipe, which is coronet::local on Windows): echo, end of stream,
// errors named the POSIX way, the spare instance between accepts, cancellation, large transfers;
// and TCP errors reading like POSIX ones on Windows too.
#include "coronet/pipe.hpp"

#include <gtest/gtest.h>
#include <windows.h>

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <stop_token>
#include <string>
#include <vector>

#include "coronet/core.hpp"
#include "coronet/io.hpp"
#include "io_test_support.hpp"

namespace coronet::test {
namespace {

using namespace std::chrono_literals;

// A pipe name no other test (or concurrent test process) uses.
std::string unique_name(const char* what) {
  static int n = 0;
  return "coronet-test-" + std::to_string(::GetCurrentProcessId()) + "-" + what + "-" +
         std::to_string(++n);
}

task<> echo_one(pipe::listener& l) {
  stream s = co_await l.accept();
  co_await echo(std::move(s));
}

task<> write_text(stream& s, std::string text) {
  co_await s.write_all(text);
}

task<std::vector<std::byte>> connect_and_round_trip(std::string name, std::vector<std::byte> data) {
  stream c = co_await pipe::connect(name);
  // Pipes have no half-close: write everything, then read back as much.
  co_await c.write_all(data);
  std::vector<std::byte> back(data.size());
  co_await c.read_exact(back);
  co_return back;
}

TEST(Pipe, FullNameAddsThePrefixOnce) {
  EXPECT_EQ(pipe::full_name("x"), R"(\\.\pipe\x)");
  EXPECT_EQ(pipe::full_name(R"(\\.\pipe\x)"), R"(\\.\pipe\x)");
  EXPECT_EQ(local::default_path(), R"(\\.\pipe\mypip)");
}

TEST(Pipe, EchoRoundTrip) {
  const std::string name = unique_name("echo");
  const auto data = pattern(1000, 1);
  auto got = run([&]() -> task<std::vector<std::byte>> {
    auto server = pipe::listener::bind(name);
    EXPECT_EQ(server.path(), pipe::full_name(name));
    auto r = co_await when_all(echo_one(server), connect_and_round_trip(name, data));
    co_return std::get<1>(r);
  });
  EXPECT_TRUE(got == data);
}

TEST(Pipe, LocalIsThePipe) {
  const std::string name = pipe::full_name(unique_name("local"));
  const auto data = pattern(10, 2);
  auto got = run([&]() -> task<std::vector<std::byte>> {
    local::listener server = local::listener::bind(name);
    auto echo_task = [](local::listener& l) -> task<> {
      stream s = co_await l.accept();
      co_await echo(std::move(s));
    };
    auto client = [](std::string n, std::vector<std::byte> d) -> task<std::vector<std::byte>> {
      stream c = co_await local::connect(n);
      co_await c.write_all(d);
      std::vector<std::byte> back(d.size());
      co_await c.read_exact(back);
      co_return back;
    };
    auto r = co_await when_all(echo_task(server), client(name, data));
    co_return std::get<1>(r);
  });
  EXPECT_TRUE(got == data);
}

task<std::size_t> accept_and_read_once(pipe::listener& l) {
  stream s = co_await l.accept();
  std::vector<std::byte> buf(16);
  const std::size_t n = co_await s.read_some(buf);
  co_return n;
}

task<> connect_and_close(std::string name) {
  stream c = co_await pipe::connect(name);
  c.close();
}

TEST(Pipe, ReadSeesEndOfStreamWhenTheClientCloses) {
  const std::string name = unique_name("eof");
  const std::size_t n = run([&]() -> task<std::size_t> {
    auto server = pipe::listener::bind(name);
    auto r = co_await when_all(accept_and_read_once(server), connect_and_close(name));
    co_return std::get<0>(r);
  });
  EXPECT_EQ(n, 0u);
}

task<> accept_and_close(pipe::listener& l) {
  stream s = co_await l.accept();
  s.close();
}

task<failure> write_after_peer_closed(std::string name) {
  stream c = co_await pipe::connect(name);
  // Wait for the server's close: the read ends at end of stream.
  std::vector<std::byte> buf(16);
  const std::size_t n = co_await c.read_some(buf);
  CO_ASSERT(n == 0);
  co_return co_await failure_of(write_text(c, "after close"));
}

TEST(Pipe, WriteToAClosedPeerFailsWithBrokenPipe) {
  const std::string name = unique_name("epipe");
  const failure f = run([&]() -> task<failure> {
    auto server = pipe::listener::bind(name);
    auto r = co_await when_all(accept_and_close(server), write_after_peer_closed(name));
    co_return std::get<1>(r);
  });
  ASSERT_TRUE(f.thrown);
  EXPECT_EQ(f.code, std::errc::broken_pipe) << f.what;
  EXPECT_EQ(f.what, "write " + pipe::full_name(name) + ": Broken pipe");
}

task<> accept_n(pipe::listener& l, int n) {
  for (int i = 0; i < n; ++i) {
    stream s = co_await l.accept();
    co_await s.write_all("k");
  }
}

task<int> connect_n_without_waiting(std::string name, int n) {
  int ok = 0;
  for (int i = 0; i < n; ++i) {
    // A zero busy timeout: ERROR_PIPE_BUSY would fail at once with EBUSY.
    stream c = co_await pipe::connect(name, 0ms);
    std::vector<std::byte> buf(1);
    co_await c.read_exact(buf);
    ++ok;
  }
  co_return ok;
}

TEST(Pipe, BackToBackClientsNeverFindThePipeBusy) {
  const std::string name = unique_name("busy");
  constexpr int clients = 50;
  const int ok = run([&]() -> task<int> {
    auto server = pipe::listener::bind(name);
    auto r = co_await when_all(accept_n(server, clients), connect_n_without_waiting(name, clients));
    co_return std::get<1>(r);
  });
  EXPECT_EQ(ok, clients);
}

TEST(Pipe, ConnectToAMissingPipeFailsWithENOENT) {
  const failure f =
      run([]() -> task<failure> { co_return co_await failure_of(pipe::connect("nosuch")); });
  ASSERT_TRUE(f.thrown);
  EXPECT_EQ(f.code, std::errc::no_such_file_or_directory) << f.what;
  EXPECT_EQ(f.what, R"(connect \\.\pipe\nosuch: No such file or directory)");
}

// (Wine ignores FILE_FLAG_FIRST_PIPE_INSTANCE; bind's WaitNamedPipe check refuses the name there.)
TEST(Pipe, BindingANameTwiceFailsWithAddressInUse) {
  const std::string name = unique_name("twice");
  run([&]() -> task<> {
    auto first = pipe::listener::bind(name);
    try {
      auto second = pipe::listener::bind(name);
      ADD_FAILURE() << "a second bind of " << name << " succeeded";
    } catch (const std::system_error& e) {
      EXPECT_EQ(e.code(), std::errc::address_in_use) << e.what();
      EXPECT_EQ(std::string(e.what()),
                "bind " + pipe::full_name(name) + ": Address already in use");
    }
    co_return;
  });
}

task<failure> accept_failure(pipe::listener& l) {
  co_return co_await failure_of(l.accept());
}

task<> close_listener(pipe::listener& l) {
  l.close();
  co_return;
}

TEST(Pipe, ClosingTheListenerCancelsAPendingAccept) {
  const std::string name = unique_name("close");
  bool open_after = true;
  const failure f = run([&]() -> task<failure> {
    auto server = pipe::listener::bind(name);
    auto r = co_await when_all(accept_failure(server), close_listener(server));
    open_after = server.is_open();
    co_return std::get<0>(r);
  });
  ASSERT_TRUE(f.thrown);
  EXPECT_EQ(f.code, std::errc::operation_canceled) << f.what;
  EXPECT_FALSE(open_after);
}

TEST(Pipe, AClosedListenerLeavesNoPipe) {
  const std::string name = unique_name("gone");
  const failure f = run([&]() -> task<failure> {
    auto server = pipe::listener::bind(name);
    server.close();
    co_return co_await failure_of(pipe::connect(name, 0ms));
  });
  ASSERT_TRUE(f.thrown);
  EXPECT_EQ(f.code, std::errc::no_such_file_or_directory) << f.what;
}

task<std::string> accept_and_read_one(pipe::listener& l) {
  stream s = co_await l.accept();
  std::vector<std::byte> b(1);
  co_await s.read_exact(b);
  co_return to_string(b);
}

task<> connect_and_send(std::string name, std::string text) {
  stream c = co_await pipe::connect(name);
  co_await c.write_all(text);
}

// Two accepts wait on the one spare instance; a client wakes both. Each must end up with a
// client of its own (the second waits for the next one), not with an unconnected instance.
TEST(Pipe, TwoAcceptsAtOnceEachGetTheirOwnClient) {
  const std::string name = unique_name("two");
  auto got = run([&]() -> task<std::vector<std::string>> {
    auto server = pipe::listener::bind(name);
    auto r = co_await when_all(accept_and_read_one(server), accept_and_read_one(server),
                               connect_and_send(name, "a"), connect_and_send(name, "b"));
    std::vector<std::string> v{std::get<0>(r), std::get<1>(r)};
    std::sort(v.begin(), v.end());
    co_return v;
  });
  EXPECT_EQ(got, (std::vector<std::string>{"a", "b"}));
}

task<std::size_t> read_into(stream& s, std::span<std::byte> buf) {
  co_return co_await s.read_some(buf);
}

task<> request_stop(std::stop_source& stop) {
  stop.request_stop();
  co_return;
}

task<std::tuple<failure, std::string>> cancel_read_then_read_again(pipe::listener& l,
                                                                   stream& client) {
  stream s = co_await l.accept();
  std::vector<std::byte> buf(64);
  std::stop_source stop;
  auto both = co_await when_all(failure_of(with_stop_token(stop.get_token(), read_into(s, buf))),
                                request_stop(stop));
  // The stream still works after the cancelled read.
  co_await client.write_all("after");
  std::vector<std::byte> again(5);
  co_await s.read_exact(again);
  co_return std::tuple{std::get<0>(both), to_string(again)};
}

TEST(Pipe, StopTokenCancelsAPendingRead) {
  const std::string name = unique_name("cancel");
  auto r = run([&]() -> task<std::tuple<failure, std::string>> {
    auto server = pipe::listener::bind(name);
    auto connect_task = pipe::connect(name);
    // connect completes synchronously once an instance is waiting, which bind() provides.
    stream client = co_await std::move(connect_task);
    auto out = co_await cancel_read_then_read_again(server, client);
    co_return out;
  });
  const failure& f = std::get<0>(r);
  ASSERT_TRUE(f.thrown);
  EXPECT_EQ(f.code, std::errc::operation_canceled) << f.what;
  EXPECT_EQ(std::get<1>(r), "after");
}

task<std::vector<std::byte>> send_and_receive(stream& s, const std::vector<std::byte>& out,
                                              std::size_t expect) {
  auto writer = [](stream& s, const std::vector<std::byte>& out) -> task<> {
    co_await s.write_all(out);
  };
  auto reader = [](stream& s, std::size_t n) -> task<std::vector<std::byte>> {
    std::vector<std::byte> in(n);
    co_await s.read_exact(in);
    co_return in;
  };
  auto r = co_await when_all(writer(s, out), reader(s, expect));
  co_return std::move(std::get<1>(r));
}

task<std::vector<std::byte>> server_side(pipe::listener& l, const std::vector<std::byte>& out,
                                         std::size_t expect) {
  stream s = co_await l.accept();
  auto got = co_await send_and_receive(s, out, expect);
  co_return got;
}

task<std::vector<std::byte>> client_side(std::string name, const std::vector<std::byte>& out,
                                         std::size_t expect) {
  stream s = co_await pipe::connect(name);
  auto got = co_await send_and_receive(s, out, expect);
  co_return got;
}

TEST(Pipe, FourMiBBothWaysAtOnce) {
  const std::string name = unique_name("large");
  const auto to_client = pattern(4 * 1024 * 1024, 3);
  const auto to_server = pattern(4 * 1024 * 1024, 4);
  auto r = run([&]() -> task<std::tuple<std::vector<std::byte>, std::vector<std::byte>>> {
    auto server = pipe::listener::bind(name);
    auto both = co_await when_all(server_side(server, to_client, to_server.size()),
                                  client_side(name, to_server, to_client.size()));
    co_return both;
  });
  EXPECT_TRUE(std::get<0>(r) == to_server);
  EXPECT_TRUE(std::get<1>(r) == to_client);
}

// TCP on Windows: errors carry errno values and POSIX messages, as on Linux.
TEST(WindowsTcp, RefusedConnectReadsLikePosix) {
  const std::uint16_t port = run([]() -> task<std::uint16_t> {
    auto l = tcp::listener::bind({"127.0.0.1", 0});
    co_return l.port();  // closed again: nothing listens there now
  });
  const failure f = run(
      [&]() -> task<failure> { co_return co_await failure_of(tcp::connect("127.0.0.1", port)); });
  ASSERT_TRUE(f.thrown);
  EXPECT_EQ(f.code.category(), errno_category());
  EXPECT_EQ(f.code, std::errc::connection_refused) << f.what;
  EXPECT_EQ(f.what, "connect 127.0.0.1:" + std::to_string(port) + ": Connection refused");
}

}  // namespace
}  // namespace coronet::test
