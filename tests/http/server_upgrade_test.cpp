// The HTTP upgrade (RFC 9110 7.8) underneath WebSocket: a 101 response with an upgrade handler
// hands the connection over, with the bytes that came right behind the request; a 101 the
// request did not ask for is refused; a graceful close reaches the upgraded connection; and the
// client's upgrade() gets the connection back, or the refusal as an answer.
#include <string>

#include "coronet/detail/event.hpp"
#include "http_test_support.hpp"

namespace coronet::http_test {
namespace {

using namespace coronet::http;

const std::string upgrade_request =
    "GET /chat HTTP/1.1\r\nHost: t\r\nConnection: Upgrade\r\nUpgrade: echo/1\r\n\r\n";

// An echo protocol: what arrives goes back, until the peer half-closes.
task<> echo_protocol(upgraded c) {
  for (;;) {
    const std::span<const std::byte> got = co_await c.receive();
    if (got.empty()) break;
    co_await c.write_all(got);
  }
  co_await c.shutdown();
}

task<response> switching(request&) {
  response r(101);
  r.headers.add("Upgrade", "echo/1");
  r.upgrade = echo_protocol;
  co_return r;
}

TEST(ServerUpgrade, HandsTheConnectionOverWithTheBytesBehindTheHead) {
  server_thread srv(switching);
  raw_client c(srv.port());
  // The first protocol bytes ride in the request's segment: they must not be lost.
  c.send(upgrade_request + "early ");
  const raw_response r = c.read_response();
  EXPECT_EQ(r.status, 101);
  EXPECT_EQ(r.reason, "Switching Protocols");
  EXPECT_EQ(r.header("Upgrade"), "echo/1");
  EXPECT_EQ(r.header("Connection"), "Upgrade");
  EXPECT_FALSE(r.header("Content-Length"));
  c.send("late");
  c.shutdown_write();
  EXPECT_EQ(c.read_to_eof(), "early late");
}

TEST(ServerUpgrade, A101TheRequestDidNotAskForIsA500) {
  recorder<std::string> errors;
  server_options o;
  o.on_handler_error = [&errors](std::exception_ptr e, const request&) {
    try {
      std::rethrow_exception(e);
    } catch (const std::exception& x) {
      errors.add(x.what());
    }
  };
  server_thread srv(switching, o);
  const raw_response r = fetch(srv.port(), get("/plain"));
  EXPECT_EQ(r.status, 500);
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors.all()[0], "http: a 101 response to a request that asked for no upgrade");
}

TEST(ServerUpgrade, GracefulCloseReachesTheUpgradedConnection) {
  notification closing_seen;
  server_thread srv([&closing_seen](request&) -> task<response> {
    response r(101);
    r.headers.add("Upgrade", "echo/1");
    r.upgrade = [&closing_seen](upgraded c) -> task<> {
      // Waits for the server's close, then says goodbye in its own protocol.
      coronet::detail::event closed;
      std::stop_callback on_close(c.closing_token(), [&closed] { closed.set(); });
      co_await closed.wait();
      closing_seen.notify();
      co_await c.write_all(std::string_view("bye"));
      co_await c.shutdown();
    };
    co_return r;
  });
  raw_client c(srv.port());
  c.send(upgrade_request);
  EXPECT_EQ(c.read_response().status, 101);
  srv.close();
  EXPECT_TRUE(closing_seen.wait());
  EXPECT_EQ(c.read_to_eof(), "bye");
  EXPECT_TRUE(srv.wait_stopped());
}

TEST(ClientUpgrade, GetsTheConnectionAfterA101) {
  server_thread srv(switching);
  run([&]() -> task<> {
    client c;
    fields h;
    h.add("Upgrade", "echo/1");
    const std::string u = "http://127.0.0.1:" + std::to_string(srv.port()) + "/chat";
    upgrade_result r = co_await c.upgrade(u, std::move(h));
    EXPECT_EQ(r.head.status, 101);
    EXPECT_TRUE(r.connection.is_open());
    co_await r.connection.write_all(std::string_view("ping"));
    const std::span<const std::byte> got = co_await r.connection.receive();
    EXPECT_EQ(std::string_view(reinterpret_cast<const char*>(got.data()), got.size()), "ping");
    // Never pooled: the client holds no idle connection.
    EXPECT_EQ(c.idle_connections(), 0u);
  });
}

TEST(ClientUpgrade, ARefusalIsAnAnswerWithItsBody) {
  server_thread srv([](request&) -> task<response> { co_return response(403, "no upgrade"); });
  run([&]() -> task<> {
    client c;
    fields h;
    h.add("Upgrade", "echo/1");
    const std::string u = "ws://127.0.0.1:" + std::to_string(srv.port()) + "/chat";
    upgrade_result r = co_await c.upgrade(u, std::move(h));
    EXPECT_EQ(r.head.status, 403);
    EXPECT_EQ(r.head.body, "no upgrade");
    EXPECT_FALSE(r.connection.is_open());
  });
}

}  // namespace
}  // namespace coronet::http_test
