// The closing handshake (RFC 6455 7) from both ends, its timeout, a peer that vanishes, and
// what a closed connection still allows.
#include <chrono>
#include <string>

#include "ws_raw.hpp"

namespace coronet::ws_test {
namespace {

using namespace std::chrono_literals;

// How a server handler's connection ended, for the test thread to read.
struct ending {
  std::uint16_t code = 0;
  std::string reason;
  std::error_code error;       // receive()'s, if it threw
  std::error_code send_error;  // a send tried after the end
  std::chrono::milliseconds close_took{-1};
};

TEST(WebSocketClose, ClientCloseIsEchoedAndTheServerClosesTcp) {
  http_test::recorder<ending> seen;
  http_test::server_thread srv(websocket::accept([&seen](websocket::connection& ws) -> task<> {
    ending e;
    std::optional<websocket::message> m = co_await ws.receive();
    if (m) e.reason = "unexpected message";
    e.code = ws.close_code();
    e.reason += ws.close_reason();
    // After the close handshake nothing more may be sent.
    try {
      co_await ws.send_text("too late");
    } catch (const std::system_error& x) {
      e.send_error = x.code();
    }
    seen.add(e);
  }));
  {
    raw_ws c(srv.port());
    c.send(frame(0x88, close_payload(1000, "bye")));
    c.expect_close(1000);  // the code echoed, then the server's TCP close
  }                        // the client's close ends the server's wait for it
  ASSERT_TRUE(eventually([&] { return seen.size() == 1; }));
  const ending e = seen.all().front();
  EXPECT_EQ(e.code, 1000);
  EXPECT_EQ(e.reason, "bye");
  EXPECT_EQ(e.send_error, websocket::errc::closed);
}

TEST(WebSocketClose, CloseWithoutACodeIsAnsweredWithoutOne) {
  http_test::recorder<std::uint16_t> seen;
  http_test::server_thread srv(websocket::accept([&seen](websocket::connection& ws) -> task<> {
    co_await echo(ws);
    seen.add(ws.close_code());
  }));
  {
    raw_ws c(srv.port());
    c.send(frame(0x88, ""));
    const raw_frame f = c.read_frame();
    EXPECT_EQ(f.op, 0x8);
    EXPECT_EQ(f.payload, "");
    EXPECT_TRUE(c.closed_within());
  }
  ASSERT_TRUE(eventually([&] { return seen.size() == 1; }));
  EXPECT_EQ(seen.all().front(), websocket::close_code::no_status);
}

TEST(WebSocketClose, ServerInitiatedCloseReachesTheClient) {
  run(with_server(
      websocket::accept([](websocket::connection& ws) -> task<> { co_await ws.close(4000, "x"); }),
      [](std::uint16_t port) -> task<> {
        websocket::connection ws = co_await websocket::connect(url(port));
        std::optional<websocket::message> m = co_await ws.receive();
        CO_ASSERT(!m);
        CO_ASSERT(ws.close_code() == 4000);
        CO_ASSERT(ws.close_reason() == "x");
        CO_ASSERT(!ws.is_open());
      }));
}

TEST(WebSocketClose, CloseWithoutAnAnswerReturnsAfterCloseTimeout) {
  websocket::server_options o;
  o.close_timeout = 200ms;
  http_test::recorder<ending> seen;
  http_test::server_thread srv(websocket::accept(
      [&seen](websocket::connection& ws) -> task<> {
        ending e;
        test::stopwatch t;
        co_await ws.close(1000, "leaving");
        e.close_took = std::chrono::duration_cast<std::chrono::milliseconds>(t.elapsed());
        e.code = ws.close_code();
        seen.add(e);
      },
      o));
  raw_ws c(srv.port());
  // The client reads the close frame and never answers: the server cuts it after 200 ms.
  const raw_frame f = c.read_frame();
  EXPECT_EQ(f.op, 0x8);
  EXPECT_EQ(f.close_code(), 1000);
  EXPECT_EQ(f.close_reason(), "leaving");
  EXPECT_TRUE(c.closed_within());
  ASSERT_TRUE(eventually([&] { return seen.size() == 1; }));
  const ending e = seen.all().front();
  EXPECT_GE(e.close_took, 200ms);
  EXPECT_LT(e.close_took, test::prompt);
  EXPECT_EQ(e.code, websocket::close_code::abnormal);  // no close frame came
}

TEST(WebSocketClose, PeerVanishingIsClosedAbnormally) {
  http_test::recorder<ending> seen;
  http_test::server_thread srv(websocket::accept([&seen](websocket::connection& ws) -> task<> {
    ending e;
    try {
      co_await echo(ws);
    } catch (const std::system_error& x) {
      e.error = x.code();
    }
    e.code = ws.close_code();
    try {
      co_await ws.send_text("anyone?");
    } catch (const std::system_error& x) {
      e.send_error = x.code();
    }
    seen.add(e);
  }));
  {
    raw_ws c(srv.port());
    c.echo_round_trip("here");
  }  // gone without a close frame
  ASSERT_TRUE(eventually([&] { return seen.size() == 1; }));
  const ending e = seen.all().front();
  EXPECT_EQ(e.error, websocket::errc::closed_abnormally) << e.error.message();
  EXPECT_EQ(e.code, websocket::close_code::abnormal);
  EXPECT_EQ(e.send_error, websocket::errc::closed);
}

TEST(WebSocketClose, SendAfterCloseIsClosedOnTheClient) {
  run(with_server(websocket::accept(echo), [](std::uint16_t port) -> task<> {
    websocket::connection ws = co_await websocket::connect(url(port));
    co_await ws.close();
    std::error_code got;
    try {
      co_await ws.send_text("after close");
    } catch (const std::system_error& e) {
      got = e.code();
    }
    CO_ASSERT(got == websocket::errc::closed);
    std::optional<websocket::message> m;
    try {
      m = co_await ws.receive();
    } catch (const std::system_error& e) {
      got = e.code();
    }
    // The handshake finished: receive() says so rather than failing.
    CO_ASSERT(!m);
  }));
}

}  // namespace
}  // namespace coronet::ws_test
