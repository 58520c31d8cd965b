// What a hostile or slow peer cannot make a server hold: sends to a peer that does not read wait
// and are cut at options::max_buffered_bytes, a ping flood is answered under TCP's backpressure
// (never a queue of pongs), and idle connections hold no read buffer.
#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "coronet/detail/io_backend.hpp"  // io/internal: buffers_lent
#include "proc_stats.hpp"                 // tests/support
#include "ws_raw.hpp"

namespace coronet::ws_test {
namespace {

using namespace std::chrono_literals;

struct send_outcome {
  std::size_t sent = 0;
  std::error_code error;
  std::string what;
};

TEST(WebSocketLimits, SendsToAPeerThatDoesNotReadWait) {
  // One sender in a loop: each send waits for the socket, so only the kernel's buffers fill;
  // send_timeout then says the peer read nothing.
  websocket::server_options o;
  o.send_timeout = 300ms;
  http_test::recorder<send_outcome> seen;
  const std::string chunk(256 * 1024, 'x');
  const std::size_t rss_before = test::resident_bytes();
  http_test::server_thread srv(websocket::accept(
      [&](websocket::connection& ws) -> task<> {
        send_outcome out;
        try {
          for (;;) {
            co_await ws.send_binary(chunk);
            ++out.sent;
          }
        } catch (const std::system_error& e) {
          out.error = e.code();
          out.what = e.what();
        }
        seen.add(out);
      },
      o));
  raw_ws stalled(srv.port());
  ASSERT_TRUE(eventually([&] { return seen.size() == 1; }, 4 * io_timeout));
  const send_outcome out = seen.all().front();
  EXPECT_EQ(out.error, std::errc::timed_out) << out.what;
  EXPECT_NE(out.what.find("the peer read nothing for 300 ms"), std::string::npos) << out.what;
  // What went out is what the kernel buffers hold: a few MiB at most, never "everything".
  EXPECT_LT(out.sent * chunk.size(), 64u << 20) << out.sent << " sends completed";
  EXPECT_LT(test::resident_bytes(), rss_before + (64u << 20));
  EXPECT_TRUE(stalled.closed_within());  // reads what was sent, then the end
}

TEST(WebSocketLimits, BroadcastToAStalledPeerIsCutAtMaxBufferedBytes) {
  // A broadcast: many sends at once to one peer that never reads. Past max_buffered_bytes
  // waiting, the connection is closed and the sends fail, rather than the queue growing.
  websocket::server_options o;
  o.max_buffered_bytes = 1 << 20;
  constexpr int sends = 400;
  http_test::recorder<send_outcome> seen;
  const std::string chunk(64 * 1024, 'b');
  http_test::server_thread srv(websocket::accept(
      [&](websocket::connection& ws) -> task<> {
        auto one = [](websocket::connection& c, const std::string& data) -> task<send_outcome> {
          send_outcome out;
          try {
            co_await c.send_binary(data);
            out.sent = 1;
          } catch (const std::system_error& e) {
            out.error = e.code();
            out.what = e.what();
          }
          co_return out;
        };
        std::vector<task<send_outcome>> all;
        for (int i = 0; i < sends; ++i) all.push_back(one(ws, chunk));
        std::vector<send_outcome> outs = co_await when_all(std::move(all));
        for (auto& x : outs) seen.add(std::move(x));
      },
      o));
  raw_ws stalled(srv.port());
  ASSERT_TRUE(eventually([&] { return seen.size() == sends; }, 4 * io_timeout));
  std::size_t sent = 0, queue_full = 0;
  for (const send_outcome& x : seen.all()) {
    sent += x.sent;
    if (x.error == websocket::errc::send_queue_full) {
      ++queue_full;
      EXPECT_NE(x.what.find("(options::max_buffered_bytes is 1048576)"), std::string::npos)
          << x.what;
    } else if (x.error && x.error != websocket::errc::closed) {
      // The send being written when the connection was cut.
      EXPECT_TRUE(x.error == std::errc::operation_canceled ||
                  x.error == std::errc::connection_reset || x.error == std::errc::broken_pipe)
          << x.what;
    }
  }
  EXPECT_GE(queue_full, 1u);
  EXPECT_LT(sent, std::size_t(sends));
  EXPECT_TRUE(stalled.closed_within());
  EXPECT_TRUE(eventually([&] { return srv.connection_count() == 0; }));
}

TEST(WebSocketLimits, PingFloodIsAnsweredWithoutQueueing) {
  const std::size_t pings = test::scaled_down_build ? 10'000 : 100'000;
  http_test::server_thread srv(websocket::accept(echo));
  raw_ws flood(srv.port());
  const std::size_t rss_before = test::resident_bytes();
  // All the pings in one go from another thread: once the server's pongs fill the socket (this
  // client does not read yet), the server stops reading and the sender blocks in send().
  std::string burst;
  for (std::size_t i = 0; i < pings; ++i) burst += frame(0x89, "flood");
  std::thread sender([&] { flood.send(burst); });
  {
    // Meanwhile another client is served.
    raw_ws other(srv.port());
    other.echo_round_trip("still here");
    other.close_normally();
  }
  const std::size_t rss_during = test::resident_bytes();
  flood.expect_frames(pings, 0xa, "flood");  // every ping answered, in order, same payload
  sender.join();
  flood.echo_round_trip("after the flood");
  flood.close_normally();
  // A pong per ping held in memory would be tens of MiB; what is there is the burst itself.
  EXPECT_LT(rss_during, rss_before + burst.size() + (16u << 20))
      << "RSS grew by " << (rss_during - rss_before) / 1024 << " KiB during the flood";
}

// Server: echo. Client: `n` connections, one message each, then all left idle (the server's
// handlers in receive(), the clients holding their connections without receiving): the lent
// buffers outstanding once the loop settles.
task<std::size_t> idle_connections_lent(std::uint16_t port, std::size_t n) {
  std::vector<websocket::connection> conns;
  conns.reserve(n);
  for (std::size_t i = 0; i < n; ++i) {
    websocket::connection ws = co_await websocket::connect(url(port));
    co_await ws.send_text("hello " + std::to_string(i));
    std::optional<websocket::message> m = co_await ws.receive();
    CO_ASSERT(m && m->data == "hello " + std::to_string(i));
    conns.push_back(std::move(ws));
  }
  auto& backend = coronet::detail::current_backend();
  // The last echo's server handler goes back to receive() a turn or two after the client got it.
  for (int turn = 0; turn < 100 && backend.buffers_lent() != 0; ++turn) co_await test::next_turn();
  const std::size_t lent = backend.buffers_lent();
  for (auto& ws : conns) co_await ws.close();
  co_return lent;
}

TEST(WebSocketLimits, IdleConnectionsHoldNoReadBuffer) {
  const std::size_t n = test::scaled_down_build ? 200 : 1000;
  std::size_t lent = 99999;
  run(with_server(websocket::accept(echo), [&](std::uint16_t port) -> task<> {
    lent = co_await idle_connections_lent(port, n);
  }));
  EXPECT_EQ(lent, 0u) << "of " << n << " idle connections (server and client ends)";
}

}  // namespace
}  // namespace coronet::ws_test
