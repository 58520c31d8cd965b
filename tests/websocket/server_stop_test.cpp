// Stopping an HTTP server with WebSocket connections open: a graceful close() says goodbye to
// each (1001) and serve() returns once they answered; cancelling closes them at once.
#include <chrono>

#include "ws_raw.hpp"

namespace coronet::ws_test {
namespace {

using namespace std::chrono_literals;

TEST(WebSocketServerStop, GracefulCloseSends1001AndWaitsForTheAnswers) {
  http_test::server_thread srv(websocket::accept(echo));
  raw_ws a(srv.port());
  raw_ws b(srv.port());
  a.echo_round_trip("a");
  b.echo_round_trip("b");
  srv.close();
  for (raw_ws* c : {&a, &b}) {
    const raw_frame f = c->read_frame();
    EXPECT_EQ(f.op, 0x8);
    EXPECT_EQ(f.close_code(), 1001);
  }
  // Until both answered, the server is still draining.
  // Each answers, sees the server's TCP close, and closes its own side.
  a.send(frame(0x88, close_payload(1001)));
  EXPECT_TRUE(a.closed_within());
  a.socket().shutdown_write();
  EXPECT_FALSE(srv.stopped());
  b.send(frame(0x88, close_payload(1001)));
  EXPECT_TRUE(b.closed_within());
  b.socket().shutdown_write();
  EXPECT_TRUE(srv.wait_stopped());
  EXPECT_EQ(srv.serve_error(), nullptr);
}

TEST(WebSocketServerStop, GracefulCloseOfASilentPeerEndsAfterCloseTimeout) {
  test::unhandled_reports reports;
  websocket::server_options o;
  o.close_timeout = 200ms;
  http_test::recorder<std::error_code> seen;
  http_test::server_thread srv(websocket::accept(
      [&seen](websocket::connection& ws) -> task<> {
        try {
          co_await echo(ws);
        } catch (const std::system_error& e) {
          seen.add(e.code());
          throw;
        }
      },
      o));
  raw_ws silent(srv.port());
  silent.echo_round_trip("hi");
  test::stopwatch t;
  srv.close();
  EXPECT_EQ(silent.read_frame().close_code(), 1001);
  EXPECT_TRUE(srv.wait_stopped());
  EXPECT_GE(t.elapsed(), 200ms);
  EXPECT_TRUE(silent.closed_within());
  EXPECT_EQ(srv.serve_error(), nullptr);
  // The handler's receive() ends as for a peer that went away (no close frame came), not as a
  // cancellation of its own, and nothing is reported as unhandled.
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen.all().front(), websocket::errc::closed_abnormally) << seen.all().front().message();
  for (const auto& r : reports.all()) ADD_FAILURE() << "unhandled: " << r.where << ": " << r.what;
}

TEST(WebSocketServerStop, CancellationClosesAtOnce) {
  http_test::server_thread srv(websocket::accept(echo));
  raw_ws c(srv.port());
  c.echo_round_trip("hi");
  srv.cancel();
  // No goodbye: the connection just ends.
  EXPECT_TRUE(c.closed_within());
  EXPECT_TRUE(c.socket().buffer().empty()) << "bytes before the end: no close frame expected";
  EXPECT_TRUE(srv.wait_stopped());
}

}  // namespace
}  // namespace coronet::ws_test
