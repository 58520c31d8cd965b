// Ending a server: graceful close() (stop accepting, close idle keep-alive connections at once,
// let requests in flight finish with "Connection: close", return after the last one) and
// cancellation of serve() (everything stops now).
#include <gtest/gtest.h>

#include <atomic>
#include <memory>
#include <string>
#include <system_error>
#include <thread>

#include "http_test_support.hpp"

namespace coronet::http_test {
namespace {

// Handlers for /slow wait (on the server's thread) until the test opens `gate`; the test knows
// one is waiting once `entered` is notified.
struct slow_route {
  notification entered;
  test::event gate;  // on the server's thread: set it through server_thread::call
  recorder<std::string> outcomes;

  http::server::handler handler() {
    return [this](http::request& req) -> task<http::response> {
      if (req.target != "/slow") co_return http::response(200, req.target);
      entered.notify();
      try {
        co_await gate.wait();
      } catch (const std::system_error& e) {
        outcomes.add(is_cancellation(e) ? "cancelled" : e.what());
        throw;
      }
      outcomes.add("done");
      co_return http::response(200, "done");
    };
  }
};

// Polls `pred` until it holds or io_timeout passes: for states the test cannot be told about.
template <class Pred>
bool eventually(Pred pred) {
  const auto deadline = std::chrono::steady_clock::now() + io_timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (pred()) return true;
    std::this_thread::sleep_for(5ms);
  }
  return false;
}

TEST(ServerClose, GracefulCloseFinishesInFlightAndClosesIdle) {
  slow_route route;
  server_thread srv(route.handler());
  raw_client idle(srv.port());
  idle.send(get("/idle"));
  EXPECT_TRUE(idle.read_response().says_keep_alive());
  raw_client fresh(srv.port());  // connected, no request yet
  raw_client busy(srv.port());
  busy.send(get("/slow"));
  ASSERT_TRUE(route.entered.wait());

  srv.close();
  // Idle connections end at once, without a response; the one in flight holds serve().
  EXPECT_TRUE(idle.closed_within(io_timeout));
  EXPECT_EQ(idle.pending(), "");
  EXPECT_TRUE(fresh.closed_within(io_timeout));
  EXPECT_EQ(fresh.pending(), "");
  EXPECT_FALSE(srv.stopped());
  EXPECT_EQ(srv.connection_count(), 1u);

  srv.call([&route] { route.gate.set(); });
  const raw_response r = busy.read_response();
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "done");
  EXPECT_TRUE(r.says_close()) << r.head;
  EXPECT_EQ(busy.read_to_eof(), "");

  ASSERT_TRUE(srv.wait_stopped());
  EXPECT_EQ(srv.serve_error(), nullptr);
  EXPECT_EQ(srv.connection_count(), 0u);
  // Not listening any more.
  EXPECT_THROW(raw_client late(srv.port()), std::system_error);
}

TEST(ServerClose, PipelinedRequestsAfterCloseAreNotStarted) {
  slow_route route;
  server_thread srv(route.handler());
  raw_client c(srv.port());
  c.send(get("/slow") + get("/next"));
  ASSERT_TRUE(route.entered.wait());
  srv.close();
  srv.call([&route] { route.gate.set(); });
  const raw_response r = c.read_response();
  EXPECT_EQ(r.body, "done");
  EXPECT_TRUE(r.says_close());
  EXPECT_EQ(c.read_to_eof(), "");  // /next was not answered
  EXPECT_TRUE(srv.wait_stopped());
}

TEST(ServerClose, CloseWithoutConnectionsReturnsPromptly) {
  server_thread srv([](http::request&) -> task<http::response> { co_return http::response(200); });
  test::stopwatch sw;
  srv.close();
  ASSERT_TRUE(srv.wait_stopped());
  EXPECT_LT(sw.elapsed(), test::prompt);
  EXPECT_EQ(srv.serve_error(), nullptr);
  srv.close();  // twice is harmless
}

TEST(ServerClose, CancellingServeStopsEverything) {
  slow_route route;
  server_thread srv(route.handler());
  raw_client idle(srv.port());
  idle.send(get("/idle"));
  EXPECT_EQ(idle.read_response().status, 200);
  raw_client busy(srv.port());
  busy.send(get("/slow"));
  ASSERT_TRUE(route.entered.wait());

  srv.cancel();
  ASSERT_TRUE(srv.wait_stopped());
  // serve() ends by cancellation, the handler was cancelled, not finished.
  try {
    std::rethrow_exception(srv.serve_error());
  } catch (const std::system_error& e) {
    EXPECT_TRUE(is_cancellation(e)) << e.what();
  } catch (...) {
    ADD_FAILURE() << "serve() should end with operation_canceled";
  }
  EXPECT_EQ(route.outcomes.all(), (std::vector<std::string>{"cancelled"}));
  EXPECT_TRUE(idle.closed_within(io_timeout));
  EXPECT_TRUE(busy.closed_within(io_timeout));
  EXPECT_EQ(busy.pending(), "");
  EXPECT_EQ(srv.connection_count(), 0u);
}

TEST(ServerClose, ConnectionCountFollowsClients) {
  server_thread srv([](http::request&) -> task<http::response> { co_return http::response(200); });
  auto a = std::make_unique<raw_client>(srv.port());
  raw_client b(srv.port());
  a->send(get("/"));
  b.send(get("/"));
  a->read_response();
  b.read_response();
  EXPECT_EQ(srv.connection_count(), 2u);
  a.reset();  // the client closes: its connection ends
  EXPECT_TRUE(eventually([&srv] { return srv.connection_count() == 1; }));
}

// Graceful close under load: many requests in flight, some with pipelined requests behind
// them, and idle connections. Every request in flight completes with its full response and
// "Connection: close"; nothing pipelined behind it starts; new connections are refused; serve()
// returns once the last one is done.
TEST(ServerClose, GracefulCloseUnderLoadFinishesEveryRequestInFlight) {
  constexpr int in_flight = 50;
  std::atomic<int> entered{0};
  std::atomic<int> pipelined_started{0};
  test::event gate;  // on the server's thread
  server_thread srv([&](http::request& req) -> task<http::response> {
    if (req.target.starts_with("/after")) ++pipelined_started;
    if (!req.target.starts_with("/slow")) co_return http::response(200, req.target);
    ++entered;
    co_await gate.wait();
    // A body larger than one socket write, so that a cut-short response would show.
    co_return http::response(200, std::string(req.target) + ":" + text(200'000, 7));
  });
  std::vector<std::unique_ptr<raw_client>> busy;
  for (int i = 0; i < in_flight; ++i) {
    busy.push_back(std::make_unique<raw_client>(srv.port()));
    const std::string target = "/slow/" + std::to_string(i);
    // Every other connection has two more requests pipelined behind the one in flight.
    busy.back()->send(i % 2 ? get(target) + get("/after/" + std::to_string(i)) + get("/after")
                            : get(target));
  }
  std::vector<std::unique_ptr<raw_client>> idle;
  for (int i = 0; i < 10; ++i) {
    idle.push_back(std::make_unique<raw_client>(srv.port()));
    idle.back()->send(get("/idle"));
    EXPECT_EQ(idle.back()->read_response().status, 200);
  }
  ASSERT_TRUE(eventually([&] { return entered == in_flight; })) << entered;

  srv.close();
  for (auto& c : idle) EXPECT_TRUE(c->closed_within(io_timeout));
  EXPECT_THROW(raw_client late(srv.port()), std::system_error);
  EXPECT_FALSE(srv.stopped());
  EXPECT_EQ(srv.connection_count(), std::size_t(in_flight));

  srv.call([&gate] { gate.set(); });
  for (int i = 0; i < in_flight; ++i) {
    SCOPED_TRACE("connection " + std::to_string(i));
    const raw_response r = busy[i]->read_response();
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.body, "/slow/" + std::to_string(i) + ":" + text(200'000, 7));
    EXPECT_TRUE(r.says_close()) << r.head;
    EXPECT_EQ(busy[i]->read_to_eof(), "");  // nothing pipelined was answered
    EXPECT_FALSE(busy[i]->reset());
  }
  ASSERT_TRUE(srv.wait_stopped());
  EXPECT_EQ(srv.serve_error(), nullptr);
  EXPECT_EQ(srv.connection_count(), 0u);
  EXPECT_EQ(pipelined_started, 0);
}

}  // namespace
}  // namespace coronet::http_test
