// coronet::serve: a connection's failure is reported and serving goes on; a stop refuses new
// clients at once, lets connections finish within the drain timeout, cancels what is left, and
// closes every connection gracefully (the client reads a prefix of its data, then end of stream,
// never a reset); cancelling serve() stops it the same way and ends with operation_canceled.
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cstddef>
#include <exception>
#include <stop_token>
#include <string>
#include <system_error>
#include <vector>

#include "coronet/core.hpp"
#include "coronet/io.hpp"
#include "io_test_support.hpp"

namespace coronet::test {
namespace {

using namespace std::chrono_literals;

// Options whose graceful stop is `stop`.
serve_options stopped_by(const std::stop_source& stop) {
  serve_options o;
  o.stop = stop.get_token();
  return o;
}

// Waits until a handler's `stopping` is requested.
task<> told_to_stop(std::stop_token stopping) {
  event told;
  std::stop_callback wake(stopping, [&] { told.set(); });
  co_await told.wait();
}

// Connects, reads everything the server sends until end of stream, and returns it.
task<std::string> read_all_from(std::uint16_t port) {
  stream s = co_await tcp::connect("127.0.0.1", port);
  std::vector<std::byte> got = co_await read_to_end(s);
  co_return to_string(got);
}

TEST(Serve, HandlerFailureIsReportedAndServingGoesOn) {
  unhandled_reports reports;
  std::vector<std::string> answers;
  coronet::run([&]() -> task<> {
    auto server = tcp::listener::bind({"127.0.0.1", 0});
    std::stop_source stop;
    serve_options o = stopped_by(stop);
    auto clients = [&]() -> task<> {
      for (int i = 0; i < 3; ++i) {
        std::string got = co_await read_all_from(server.port());
        answers.push_back(std::move(got));
      }
      stop.request_stop();
    };
    auto failing = [](stream& s) -> task<> {
      co_await s.write_all("hi");
      throw std::runtime_error("handler failed");
    };
    co_await when_all(serve(server, failing, o), clients());
  });
  EXPECT_EQ(answers, (std::vector<std::string>{"hi", "hi", "hi"}));
  ASSERT_EQ(reports.size(), 3u) << "every failure reported, none stopped the server";
  EXPECT_EQ(reports.all()[0].where, "connection");
  EXPECT_EQ(reports.all()[0].what, "handler failed");
}

TEST(Serve, OnErrorReceivesTheHandlersException) {
  std::vector<std::string> errors;
  coronet::run([&]() -> task<> {
    auto server = tcp::listener::bind({"127.0.0.1", 0});
    std::stop_source stop;
    serve_options o = stopped_by(stop);
    o.on_error = [&](std::exception_ptr e) {
      try {
        std::rethrow_exception(e);
      } catch (const std::exception& ex) {
        errors.push_back(ex.what());
      }
    };
    auto client = [&]() -> task<> {
      co_await read_all_from(server.port());
      stop.request_stop();
    };
    auto failing = [](stream) -> task<> {
      throw std::runtime_error("bad");
      co_return;
    };
    co_await when_all(serve(server, failing, o), client());
  });
  EXPECT_EQ(errors, std::vector<std::string>{"bad"});
}

TEST(Serve, DrainTimeoutCancelsAConnectionThatDoesNotFinish) {
  std::error_code handler_ended;
  std::chrono::steady_clock::duration stop_took{};
  coronet::run([&]() -> task<> {
    auto server = tcp::listener::bind({"127.0.0.1", 0});
    std::stop_source stop;
    serve_options o = stopped_by(stop);
    o.drain_timeout = 200ms;
    event connected;
    // Told of the stop, and ignores it: only the drain timeout ends it.
    auto stuck = [&](stream&, std::stop_token) -> task<> {
      connected.set();
      co_await sleep_forever(handler_ended);
    };
    auto client = [&]() -> task<> {
      stream s = co_await tcp::connect("127.0.0.1", server.port());
      co_await connected.wait();
      const stopwatch w;
      stop.request_stop();
      std::vector<std::byte> rest = co_await read_to_end(s);  // end of stream once cancelled
      stop_took = w.elapsed();
      CO_ASSERT(rest.empty());
    };
    co_await when_all(serve(server, stuck, o), client());
  });
  EXPECT_EQ(handler_ended, std::errc::operation_canceled);
  EXPECT_GE(stop_took, 200ms) << "the connection had the drain timeout to finish";
  EXPECT_LT(stop_took, prompt);
}

TEST(Serve, StopRefusesNewConnectionsAtOnceWhileOthersDrain) {
  std::error_code second;
  std::string first_got;
  coronet::run([&]() -> task<> {
    auto server = tcp::listener::bind({"127.0.0.1", 0});
    std::stop_source stop;
    serve_options o = stopped_by(stop);
    event connected, refused_checked;
    // Finishes only after the test has tried a second connection during the drain.
    auto slow = [&](stream& s, std::stop_token) -> task<> {
      connected.set();
      co_await refused_checked.wait();
      co_await s.write_all("bye");
    };
    auto client = [&]() -> task<> {
      stream s = co_await tcp::connect("127.0.0.1", server.port());
      co_await connected.wait();
      stop.request_stop();
      second = co_await error_of(tcp::connect("127.0.0.1", server.port()));
      refused_checked.set();
      std::vector<std::byte> got = co_await read_to_end(s);
      first_got = to_string(got);
    };
    co_await when_all(serve(server, slow, o), client());
  });
  EXPECT_EQ(second, std::errc::connection_refused);
  EXPECT_EQ(first_got, "bye") << "the connection in progress finished during the drain";
}

TEST(Serve, ConnectionFinishingWithinTheDrainSendsAllItsData) {
  const std::vector<std::byte> payload = pattern(4 << 20);
  std::vector<std::byte> got;
  coronet::run([&]() -> task<> {
    auto server = tcp::listener::bind({"127.0.0.1", 0});
    std::stop_source stop;
    serve_options o = stopped_by(stop);
    event connected;
    // Answers only once told to stop: all of its answer goes out during the drain.
    auto on_stop_send_all = [&](stream& s, std::stop_token stopping) -> task<> {
      connected.set();
      co_await told_to_stop(stopping);
      co_await s.write_all(payload);
    };
    auto client = [&]() -> task<> {
      stream s = co_await tcp::connect("127.0.0.1", server.port());
      co_await connected.wait();
      stop.request_stop();
      std::vector<std::byte> all = co_await read_to_end(s);
      got = std::move(all);
    };
    co_await when_all(serve(server, on_stop_send_all, o), client());
  });
  EXPECT_EQ(got.size(), payload.size());
  EXPECT_TRUE(got == payload);
}

// The echo samples' case: a client streams data when the server stops. What comes back is a
// prefix of what it sent, then end of stream; the client's reads never see a reset.
TEST(Serve, StreamingClientGetsAPrefixThenEndOfStreamNeverAReset) {
  std::vector<std::byte> sent, echoed;
  std::error_code read_error, write_error;
  coronet::run([&]() -> task<> {
    auto server = tcp::listener::bind({"127.0.0.1", 0});
    std::stop_source stop;
    serve_options o = stopped_by(stop);
    auto echo = [](stream& s) -> task<> {
      for (;;) {
        received chunk = co_await s.receive();
        if (!chunk) break;
        co_await s.write_all(chunk.view());
      }
    };
    stream c = co_await tcp::connect("127.0.0.1", server.port());
    bool eof = false;
    auto writer = [&]() -> task<> {
      const std::vector<std::byte> data = pattern(1 << 20, 7);
      std::size_t at = 0;
      try {
        while (!eof) {
          const std::size_t n = std::min<std::size_t>(4096, data.size() - at);
          co_await c.write_all(std::span(data).subspan(at, n));
          sent.insert(sent.end(), data.begin() + at, data.begin() + at + n);
          at = (at + n) % data.size();
          co_await next_turn();
        }
      } catch (const std::system_error& e) {
        write_error = e.code();
      }
      try {
        c.shutdown();  // the client, seeing the end, ends its side too
      } catch (const std::system_error& e) {
        write_error = e.code();  // not connected any more: the server reset it
      }
    };
    auto reader = [&]() -> task<> {
      std::array<std::byte, 8192> buf;
      try {
        for (;;) {
          const std::size_t n = co_await c.read_some(buf);
          if (n == 0) break;
          echoed.insert(echoed.end(), buf.begin(), buf.begin() + n);
          if (echoed.size() >= (64 << 10)) stop.request_stop();
        }
      } catch (const std::system_error& e) {
        read_error = e.code();
      }
      eof = true;
    };
    co_await when_all(serve(server, echo, o), writer(), reader());
  });
  EXPECT_FALSE(read_error) << read_error.message();
  EXPECT_FALSE(write_error) << write_error.message();
  ASSERT_GE(echoed.size(), std::size_t(64 << 10));
  ASSERT_LE(echoed.size(), sent.size());
  EXPECT_TRUE(std::equal(echoed.begin(), echoed.end(), sent.begin()))
      << "a prefix of what was sent";
}

TEST(Serve, CancellingServeStopsItGracefullyAndThrowsOperationCanceled) {
  std::error_code serve_ended;
  std::string got;
  coronet::run([&]() -> task<> {
    auto server = tcp::listener::bind({"127.0.0.1", 0});
    std::stop_source cancel;
    event connected;
    auto goodbye = [&](stream& s, std::stop_token stopping) -> task<> {
      connected.set();
      co_await told_to_stop(stopping);
      co_await s.write_all("goodbye");
    };
    auto client = [&]() -> task<> {
      stream s = co_await tcp::connect("127.0.0.1", server.port());
      co_await connected.wait();
      cancel.request_stop();
      std::vector<std::byte> all = co_await read_to_end(s);
      got = to_string(all);
    };
    auto serving = [&]() -> task<> {
      serve_ended = co_await error_of(with_stop_token(cancel.get_token(), serve(server, goodbye)));
    };
    co_await when_all(serving(), client());
  });
  EXPECT_EQ(serve_ended, std::errc::operation_canceled);
  EXPECT_EQ(got, "goodbye");
}

TEST(Serve, ClosingTheListenerLetsConnectionsEndOnTheirOwn) {
  std::string got;
  bool serve_returned = false;
  coronet::run([&]() -> task<> {
    auto server = tcp::listener::bind({"127.0.0.1", 0});
    event connected, closed;
    auto after_close = [&](stream& s) -> task<> {
      connected.set();
      co_await closed.wait();
      co_await sleep_for(50ms);  // longer than a zero drain: there is none after a close
      co_await s.write_all("done");
    };
    auto client = [&]() -> task<> {
      stream s = co_await tcp::connect("127.0.0.1", server.port());
      co_await connected.wait();
      server.close();
      closed.set();
      std::vector<std::byte> all = co_await read_to_end(s);
      got = to_string(all);
    };
    serve_options o;
    o.drain_timeout = 0ms;
    auto serving = [&]() -> task<> {
      co_await serve(server, after_close, o);
      serve_returned = true;
    };
    co_await when_all(serving(), client());
  });
  EXPECT_TRUE(serve_returned);
  EXPECT_EQ(got, "done");
}

}  // namespace
}  // namespace coronet::test
