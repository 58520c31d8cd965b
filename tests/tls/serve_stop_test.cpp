// tls::serve told to stop while a client is still sending: the client reads the server's
// close_notify (0 from read_some) and never a reset, also when the handler left bytes unread
// (serve() reads and drops them before closing, as coronet::serve does for plain streams).
#include <gtest/gtest.h>

#include <array>
#include <chrono>
#include <cstddef>
#include <exception>
#include <stop_token>
#include <vector>

#include "test_support.hpp"  // tests/support: event
#include "tls_stream_support.hpp"

namespace {

using namespace coronet;
using namespace coronet::tls_test;
using namespace std::chrono_literals;

struct shared {
  test::event got_first;
  std::stop_source stop;
};

// Reads the client's first five bytes, then waits for the stop and returns without reading
// what the client sent after them.
task<> read_first_then_wait_for_stop(tls::stream& s, std::stop_token stopping, shared& st) {
  std::array<std::byte, 5> first;
  co_await s.read_exact(first);
  st.got_first.set();
  test::event stopped;
  std::stop_callback on_stop(stopping, [&stopped]() noexcept {
    try {
      stopped.set();
    } catch (...) {
      std::terminate();  // set() allocates nothing for one waiter; never here
    }
  });
  co_await stopped.wait();
}

task<> send_then_stop_then_read(std::uint16_t port, shared& st) {
  tls::stream s = co_await tls::connect("127.0.0.1", port, client_context());
  co_await s.write_all("first");
  co_await st.got_first.wait();
  const std::vector<std::byte> unread = pattern(16 * 1024);
  co_await s.write_all(unread);
  st.stop.request_stop();
  std::array<std::byte, 64> buf;
  const std::size_t n = co_await s.read_some(buf);  // a reset would throw here
  EXPECT_EQ(n, 0u) << "close_notify, then the end";
  co_await s.shutdown();
}

TEST(TlsServeStop, ClientStillSendingReadsCloseNotifyNotAReset) {
  for (int round = 0; round < 20; ++round) {
    run([]() -> task<> {
      auto l = tcp::listener::bind({"127.0.0.1", 0});
      shared st;
      tls::serve_options o;
      o.serve.stop = st.stop.get_token();
      o.serve.drain_timeout = 10s;
      tls::tls_handler handler = [&st](tls::stream& s, std::stop_token stopping) {
        return read_first_then_wait_for_stop(s, std::move(stopping), st);
      };
      task<> serving = tls::serve(l, server_context(), handler, o);
      task<> client = send_then_stop_then_read(l.local_address().port(), st);
      co_await when_all(std::move(serving), std::move(client));
    });
  }
}

}  // namespace
