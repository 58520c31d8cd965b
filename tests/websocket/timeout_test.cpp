// Timeouts and cancellation: a receive given up by with_timeout loses nothing and the connection
// goes on; keep-alive pings (options::ping_interval) keep a quiet connection that answers, and
// end one that does not.
#include <chrono>
#include <string>

#include "coronet/detail/event.hpp"
#include "ws_test_support.hpp"

namespace coronet::ws_test {
namespace {

using namespace std::chrono_literals;

TEST(WebSocketTimeout, ReceiveCancelledByATimeoutLosesNothing) {
  auto handler = [](websocket::connection& ws) -> task<> {
    // Half a message now (the first fragment), the rest once the client asks.
    const std::string first(100000, 'a');
    co_await ws.send_fragment(websocket::message_type::text, std::as_bytes(std::span(first)),
                              false);
    std::optional<websocket::message> go = co_await ws.receive();
    if (!go) co_return;
    co_await ws.send_fragment(websocket::message_type::text,
                              std::as_bytes(std::span(std::string_view("b"))), true);
    co_await echo(ws);
  };
  run(with_server(websocket::accept(handler), [](std::uint16_t port) -> task<> {
    websocket::connection ws = co_await websocket::connect(url(port));
    bool timed_out = false;
    try {
      co_await with_timeout(100ms, ws.receive());
    } catch (const std::system_error& e) {
      timed_out = e.code() == std::errc::timed_out;
    }
    CO_ASSERT(timed_out);
    CO_ASSERT(ws.is_open());
    co_await ws.send_text("go");
    std::optional<websocket::message> m = co_await ws.receive();
    CO_ASSERT(m && m->data == std::string(100000, 'a') + "b");
    co_await ws.send_text("still here");
    m = co_await ws.receive();
    CO_ASSERT(m && m->data == "still here");
    co_await ws.close();
  }));
}

TEST(WebSocketTimeout, PingsKeepAConnectionThatAnswers) {
  websocket::server_options o;
  o.ping_interval = 50ms;
  run(with_server(websocket::accept(echo, o), [](std::uint16_t port) -> task<> {
    websocket::connection ws = co_await websocket::connect(url(port));
    // Quiet for six ping intervals; the client's receive() answers the server's pings.
    bool quiet = false;
    try {
      co_await with_timeout(300ms, ws.receive());
    } catch (const std::system_error& e) {
      quiet = e.code() == std::errc::timed_out;
    }
    CO_ASSERT(quiet);
    co_await ws.send_text("alive");
    std::optional<websocket::message> m = co_await ws.receive();
    CO_ASSERT(m && m->data == "alive");
    co_await ws.close();
  }));
}

TEST(WebSocketTimeout, PingsEndAConnectionThatDoesNot) {
  websocket::server_options o;
  o.ping_interval = 50ms;
  std::string failure;
  coronet::detail::event failed;
  auto handler = [&](websocket::connection& ws) -> task<> {
    try {
      co_await echo(ws);
    } catch (const std::system_error& e) {
      failure = e.what();
    }
    failed.set();
  };
  run(with_server(websocket::accept(handler, o), [&](std::uint16_t port) -> task<> {
    // This client never reads, so it never answers a ping: the server gives up after two
    // intervals without a word from it.
    websocket::connection ws = co_await websocket::connect(url(port));
    co_await with_timeout(5s, failed.wait());
  }));
  EXPECT_EQ(failure.rfind("receive 127.0.0.1:", 0), 0u) << failure;
  EXPECT_NE(failure.find(": no answer to a ping within 50 ms"), std::string::npos) << failure;
}

}  // namespace
}  // namespace coronet::ws_test
