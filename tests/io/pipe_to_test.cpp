// pipe_to / pipe_both: copy to end of stream, then half-close the destination; a proxy through
// pipe_both carries data both ways and passes each side's end of stream on.
#include "coronet/pipe_to.hpp"

#include <gtest/gtest.h>
#ifndef _WIN32
#include <unistd.h>
#endif

#include <cstdint>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "coronet/core.hpp"
#include "coronet/io.hpp"
#include "io_test_support.hpp"

namespace coronet::test {
namespace {

// Accepts one client and relays it to `upstream_port`: the ten-line proxy of docs/io.md.
task<std::pair<std::uint64_t, std::uint64_t>> proxy_one(tcp::listener& l,
                                                        std::uint16_t upstream_port) {
  stream client = co_await l.accept();
  stream upstream = co_await tcp::connect("127.0.0.1", upstream_port);
  co_return co_await pipe_both(client, upstream);
}

task<std::vector<std::byte>> through(std::uint16_t port, std::span<const std::byte> data) {
  stream s = co_await tcp::connect("127.0.0.1", port);
  co_return co_await round_trip(s, data);
}

TEST(PipeTo, ProxyCarriesBothWaysAndPassesTheHalfCloseOn) {
  const auto data = pattern(1024 * 1024 + 17, 3);
  auto [counts, got] = run(
      [&]() -> task<std::tuple<std::pair<std::uint64_t, std::uint64_t>, std::vector<std::byte>>> {
        auto echo_server = tcp::listener::bind({"127.0.0.1", 0});
        auto proxy = tcp::listener::bind({"127.0.0.1", 0});
        auto r = co_await when_all(serve_echo(echo_server, 1), proxy_one(proxy, echo_server.port()),
                                   through(proxy.port(), data));
        co_return std::tuple(std::get<1>(r), std::move(std::get<2>(r)));
      });
  // round_trip reads to end of stream: it got there only because the client's half-close went
  // through to the echo server and the echo server's close came back.
  EXPECT_TRUE(got == data);
  EXPECT_EQ(counts.first, data.size());
  EXPECT_EQ(counts.second, data.size());
}

task<std::uint64_t> pipe_accepted(tcp::listener& in, tcp::listener& out) {
  stream from = co_await in.accept();
  stream to = co_await out.accept();
  co_return co_await pipe_to(from, to);
}

task<> send_and_close(std::uint16_t port, std::string text) {
  stream s = co_await tcp::connect("127.0.0.1", port);
  co_await s.write_all(text);
}

task<std::vector<std::byte>> receive_all(std::uint16_t port) {
  stream s = co_await tcp::connect("127.0.0.1", port);
  co_return co_await read_to_end(s);
}

TEST(PipeTo, CopiesUntilEndOfStreamThenShutsTheDestinationDown) {
  auto r = run([]() -> task<std::tuple<std::uint64_t, std::monostate, std::vector<std::byte>>> {
    auto in = tcp::listener::bind({"127.0.0.1", 0});
    auto out = tcp::listener::bind({"127.0.0.1", 0});
    // The receiver's connect is accepted second: pipe_accepted takes `in` first.
    co_return co_await when_all(pipe_accepted(in, out), send_and_close(in.port(), "hello"),
                                receive_all(out.port()));
  });
  EXPECT_EQ(std::get<0>(r), 5u);
  EXPECT_EQ(to_string(std::get<2>(r)), "hello");
}

#ifndef _WIN32
TEST(PipeTo, AnErrorOnTheSourcePropagatesWithContext) {
  raw_pair src, dst;
  auto f = run([&]() -> task<failure> {
    stream from(src.take_first(), {});
    stream to(dst.take_first(), {});
    // A Unix socket closed with unread data in it resets: `from`'s next read fails.
    co_await from.write_all("unread");
    ::close(std::exchange(src.fds[1], -1));
    co_return co_await failure_of(pipe_to(from, to));
  });
  ASSERT_TRUE(f.thrown);
  EXPECT_EQ(f.code, std::errc::connection_reset) << f.what;
  EXPECT_NE(f.what.find("read"), std::string::npos) << f.what;
}
#endif

}  // namespace
}  // namespace coronet::test
