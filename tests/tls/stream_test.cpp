// tls::stream moving data: echoes over TCP and a Unix socket (small, and 8 MiB both ways at
// once from two coroutines), receive(), read_exact at the end, close_notify against a cut
// (truncated), a read cancelled by with_timeout, and a stream destroyed under a pending read.
#include <gtest/gtest.h>
#include <openssl/ssl.h>

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include "coronet/core.hpp"
#include "coronet/io.hpp"
#include "coronet/unix_connect.hpp"
#include "coronet/unix_listener.hpp"
#include "test_support.hpp"  // tests/support: next_turn
#include "tls_stream_support.hpp"

namespace coronet::tls_test {
namespace {

using namespace std::chrono_literals;

task<> write_then_shutdown(tls::stream& s, std::span<const std::byte> data) {
  co_await s.write_all(data);
  co_await s.shutdown();
}

// Writes `data` and sends close_notify while reading, concurrently, until the server's
// close_notify: the writer and the reader are two coroutines on one stream.
task<std::vector<std::byte>> round_trip(tls::stream& s, std::span<const std::byte> data) {
  task<> writing = write_then_shutdown(s, data);
  task<std::vector<std::byte>> reading = read_to_end(s);
  auto r = co_await when_all(std::move(writing), std::move(reading));
  co_return std::move(std::get<1>(r));
}

task<> echo_client(std::uint16_t port, std::size_t size) {
  tls::stream s = co_await tls::connect("127.0.0.1", port, client_context());
  const std::vector<std::byte> data = pattern(size, static_cast<std::uint32_t>(size));
  const std::vector<std::byte> got = co_await round_trip(s, data);
  CO_ASSERT(got.size() == data.size());
  CO_ASSERT(got == data);
}

TEST(TlsStream, EchoesSmallMessage) {
  run([]() -> task<> {
    auto l = tcp::listener::bind({"127.0.0.1", 0});
    task<> serving =
        serve_during(l, server_context(), echo, tls::serve_options(), echo_client(l.port(), 5));
    co_await std::move(serving);
  });
}

TEST(TlsStream, EchoesEightMebibytesBothWaysAtOnce) {
  // The client writes all of it while its second coroutine reads the echo: neither side may
  // wait for the other to finish (each direction fills the socket buffers long before).
  run([]() -> task<> {
    auto l = tcp::listener::bind({"127.0.0.1", 0});
    task<> serving = serve_during(l, server_context(), echo, tls::serve_options(),
                                  echo_client(l.port(), 8 << 20));
    co_await std::move(serving);
  });
}

task<> unix_echo_client(std::string path) {
  coronet::stream plain = co_await unix::connect(path);
  tls::stream s = tls::stream::client(std::move(plain), client_context(), "localhost");
  co_await s.handshake();
  EXPECT_EQ(s.version(), "TLSv1.3");
  const std::vector<std::byte> data = pattern(300'000, 7);
  const std::vector<std::byte> got = co_await round_trip(s, data);
  CO_ASSERT(got == data);
}

TEST(TlsStream, EchoesOverUnixSocket) {
  test::temp_dir dir;
  const std::string path = dir.file("tls.sock");
  run([&]() -> task<> {
    auto l = unix::listener::bind(path);
    task<> serving =
        serve_during(l, server_context(), echo, tls::serve_options(), unix_echo_client(path));
    co_await std::move(serving);
  });
}

// Writes 40,000 bytes in one write_all, then serve() sends close_notify.
task<> send_40000(tls::stream& s) {
  const std::vector<std::byte> data = pattern(40'000, 3);
  co_await s.write_all(data);
}

TEST(TlsStream, ReceiveGivesDecryptedBytesThenEmptyAtCloseNotify) {
  run([]() -> task<> {
    auto l = tcp::listener::bind({"127.0.0.1", 0});
    auto client = [](std::uint16_t port) -> task<> {
      tls::stream s = co_await tls::connect("127.0.0.1", port, client_context());
      std::vector<std::byte> got;
      for (;;) {
        const std::span<const std::byte> chunk = co_await s.receive();
        if (chunk.empty()) break;
        CO_ASSERT(chunk.size() <= 16 * 1024);
        got.insert(got.end(), chunk.begin(), chunk.end());
      }
      CO_ASSERT(got == pattern(40'000, 3));
    };
    task<> serving =
        serve_during(l, server_context(), send_40000, tls::serve_options(), client(l.port()));
    co_await std::move(serving);
  });
}

task<> send_abc(tls::stream& s) {
  co_await s.write_all("abc");
}

TEST(TlsStream, ReadExactPastCloseNotifyFailsWithEndOfStream) {
  run([]() -> task<> {
    auto l = tcp::listener::bind({"127.0.0.1", 0});
    auto client = [](std::uint16_t port) -> task<> {
      tls::stream s = co_await tls::connect("127.0.0.1", port, client_context());
      std::vector<std::byte> buf(5);
      const failure f = co_await failure_of(s.read_exact(buf));
      CO_ASSERT(f.thrown);
      EXPECT_EQ(f.code, make_error_code(coronet::error::end_of_stream)) << f.what;
      EXPECT_NE(f.what.find("read 127.0.0.1:" + std::to_string(port)), std::string::npos) << f.what;
      EXPECT_EQ(to_string(std::span(buf).first(3)), "abc");
    };
    task<> serving =
        serve_during(l, server_context(), send_abc, tls::serve_options(), client(l.port()));
    co_await std::move(serving);
  });
}

// Sends close_notify itself, then waits for the client's.
task<> bye_then_shutdown(tls::stream& s) {
  co_await s.write_all("bye");
  co_await s.shutdown();
  std::vector<std::byte> rest = co_await read_to_end(s);
  EXPECT_TRUE(rest.empty());
}

TEST(TlsStream, ShutdownGivesPeerZeroFromReadSome) {
  run([]() -> task<> {
    auto l = tcp::listener::bind({"127.0.0.1", 0});
    auto client = [](std::uint16_t port) -> task<> {
      tls::stream s = co_await tls::connect("127.0.0.1", port, client_context());
      std::vector<std::byte> buf(3);
      co_await s.read_exact(buf);
      CO_ASSERT(to_string(buf) == "bye");
      const std::size_t n = co_await s.read_some(buf);
      EXPECT_EQ(n, 0u);
      // Reading again after close_notify still says 0, not an error.
      const std::size_t again = co_await s.read_some(buf);
      EXPECT_EQ(again, 0u);
      co_await s.shutdown();
    };
    task<> serving = serve_during(l, server_context(), bye_then_shutdown, tls::serve_options(),
                                  client(l.port()));
    co_await std::move(serving);
  });
}

// Writes, then drops the connection without close_notify (what an attacker cutting it does).
task<> partial_then_cut(tls::stream& s) {
  co_await s.write_all("partial");
  s.close();
}

TEST(TlsStream, CloseWithoutCloseNotifyIsTruncatedOnTheReader) {
  run([]() -> task<> {
    auto l = tcp::listener::bind({"127.0.0.1", 0});
    auto client = [](std::uint16_t port) -> task<> {
      tls::stream s = co_await tls::connect("127.0.0.1", port, client_context());
      std::vector<std::byte> buf(7);
      co_await s.read_exact(buf);
      CO_ASSERT(to_string(buf) == "partial");
      const failure f = co_await failure_of(s.read_some(buf));
      CO_ASSERT(f.thrown);
      EXPECT_EQ(f.code, make_error_code(tls::errc::truncated)) << f.what;
      EXPECT_EQ(f.what, "read 127.0.0.1:" + std::to_string(port) +
                            ": connection closed without close_notify (truncated)");
    };
    task<> serving =
        serve_during(l, server_context(), partial_then_cut, tls::serve_options(), client(l.port()));
    co_await std::move(serving);
  });
}

// Waits for "go", then answers "data", then echoes until the end.
task<> answer_after_go(tls::stream& s) {
  std::vector<std::byte> go(2);
  co_await s.read_exact(go);
  EXPECT_EQ(to_string(go), "go");
  co_await s.write_all("data");
  co_await echo(s);
}

TEST(TlsStream, ReadCancelledByTimeoutLeavesStreamUsable) {
  run([]() -> task<> {
    auto l = tcp::listener::bind({"127.0.0.1", 0});
    auto client = [](std::uint16_t port) -> task<> {
      tls::stream s = co_await tls::connect("127.0.0.1", port, client_context());
      std::vector<std::byte> buf(16);
      // Nothing comes until "go": the read times out and is cancelled.
      task<std::size_t> waiting = with_timeout(100ms, s.read_some(buf));
      const failure f = co_await failure_of(std::move(waiting));
      CO_ASSERT(f.thrown);
      EXPECT_EQ(f.code, std::errc::timed_out) << f.what;
      // The session is intact: the next read gets what the server sends now.
      co_await s.write_all("go");
      std::vector<std::byte> data(4);
      co_await s.read_exact(data);
      EXPECT_EQ(to_string(data), "data");
      const std::vector<std::byte> got = co_await round_trip(s, pattern(100'000, 9));
      CO_ASSERT(got == pattern(100'000, 9));
    };
    task<> serving =
        serve_during(l, server_context(), answer_after_go, tls::serve_options(), client(l.port()));
    co_await std::move(serving);
  });
}

// The server's reads come from lent receive buffers: the same on its side.
task<> server_read_times_out_then_works(tls::stream& s) {
  std::vector<std::byte> buf(16);
  task<std::size_t> waiting = with_timeout(100ms, s.read_some(buf));
  const failure f = co_await failure_of(std::move(waiting));
  EXPECT_TRUE(f.thrown);
  EXPECT_EQ(f.code, std::errc::timed_out) << f.what;
  co_await s.write_all("go");
  co_await echo(s);
}

TEST(TlsStream, ServerReadCancelledByTimeoutLeavesStreamUsable) {
  run([]() -> task<> {
    auto l = tcp::listener::bind({"127.0.0.1", 0});
    auto client = [](std::uint16_t port) -> task<> {
      tls::stream s = co_await tls::connect("127.0.0.1", port, client_context());
      std::vector<std::byte> go(2);
      co_await s.read_exact(go);
      CO_ASSERT(to_string(go) == "go");
      const std::vector<std::byte> got = co_await round_trip(s, pattern(200'000, 4));
      CO_ASSERT(got == pattern(200'000, 4));
    };
    task<> serving =
        serve_during(l, server_context(), server_read_times_out_then_works, {}, client(l.port()));
    co_await std::move(serving);
  });
}

// Asks for a TLS 1.3 key update (ours, and the client's in reply) in the middle of the echo.
task<> echo_with_key_update(tls::stream& s) {
  std::vector<std::byte> buf(64 * 1024);
  std::size_t total = 0;
  bool updated = false;
  for (;;) {
    const std::size_t n = co_await s.read_some(buf);
    if (n == 0) break;
    total += n;
    if (!updated && total > 500'000) {
      updated = SSL_key_update(static_cast<SSL*>(s.native_handle()), SSL_KEY_UPDATE_REQUESTED) == 1;
      EXPECT_TRUE(updated);
    }
    co_await s.write_all(std::span(buf).first(n));
  }
}

TEST(TlsStream, KeyUpdatesBothWaysMidStream) {
  // The reply to a key update is written by the reading side (OpenSSL answers while it reads):
  // the session must send it while both directions are busy.
  run([]() -> task<> {
    auto l = tcp::listener::bind({"127.0.0.1", 0});
    auto client = [](std::uint16_t port) -> task<> {
      tls::stream s = co_await tls::connect("127.0.0.1", port, client_context());
      CO_ASSERT(SSL_key_update(static_cast<SSL*>(s.native_handle()), SSL_KEY_UPDATE_REQUESTED) ==
                1);
      const std::vector<std::byte> data = pattern(2 << 20, 5);
      const std::vector<std::byte> got = co_await round_trip(s, data);
      CO_ASSERT(got == data);
    };
    task<> serving = serve_during(l, server_context(), echo_with_key_update, tls::serve_options(),
                                  client(l.port()));
    co_await std::move(serving);
  });
}

// Reads from `s` (which the caller destroys meanwhile); records how the read ended.
task<> read_pending(tls::stream& s, std::error_code& ended) {
  std::vector<std::byte> buf(16);
  task<std::size_t> reading = s.read_some(buf);
  const failure f = co_await failure_of(std::move(reading));
  ended = f.thrown ? f.code : std::error_code();
}

task<> destroy_after_a_turn(std::unique_ptr<tls::stream>& s) {
  co_await test::next_turn();
  co_await test::next_turn();
  s.reset();
}

// Waits for the client's end (its stream was destroyed: a reset or an end of stream).
task<> wait_for_end(tls::stream& s) {
  std::vector<std::byte> buf(16);
  co_await failure_of(s.read_some(buf));
}

TEST(TlsStream, DestroyedWhileReadPendingEndsTheRead) {
  run([]() -> task<> {
    auto l = tcp::listener::bind({"127.0.0.1", 0});
    auto client = [](std::uint16_t port) -> task<> {
      tls::stream connected = co_await tls::connect("127.0.0.1", port, client_context());
      auto s = std::make_unique<tls::stream>(std::move(connected));
      std::error_code ended;
      task<> reader = read_pending(*s, ended);
      task<> destroyer = destroy_after_a_turn(s);
      co_await when_all(std::move(reader), std::move(destroyer));
      EXPECT_EQ(ended, std::errc::operation_canceled);
    };
    task<> serving =
        serve_during(l, server_context(), wait_for_end, tls::serve_options(), client(l.port()));
    co_await std::move(serving);
  });
}

// The server's side reads from buffers the scheduler lends (io_uring): destroying its stream
// under a pending read must end the read there too.
TEST(TlsStream, ServerStreamDestroyedWhileReadPendingEndsTheRead) {
  run([]() -> task<> {
    auto l = tcp::listener::bind({"127.0.0.1", 0});
    auto connecting = [&]() -> task<tls::stream> {
      tls::stream s = co_await tls::connect("127.0.0.1", l.port(), client_context());
      co_return s;
    };
    auto accepting = [&]() -> task<std::unique_ptr<tls::stream>> {
      coronet::stream plain = co_await l.accept();
      auto s =
          std::make_unique<tls::stream>(tls::stream::server(std::move(plain), server_context()));
      co_await s->handshake();
      co_return s;
    };
    auto both = co_await when_all(connecting(), accepting());
    tls::stream& client = std::get<0>(both);
    std::unique_ptr<tls::stream>& server = std::get<1>(both);
    // One read first, so that the server's receive path is in use; the next one waits.
    co_await client.write_all("x");
    std::vector<std::byte> one(1);
    co_await server->read_exact(one);
    std::error_code ended;
    task<> reader = read_pending(*server, ended);
    task<> destroyer = destroy_after_a_turn(server);
    co_await when_all(std::move(reader), std::move(destroyer));
    EXPECT_EQ(ended, std::errc::operation_canceled);
    // The client sees the end: no close_notify came, so a truncation.
    std::vector<std::byte> buf(1);
    const failure f = co_await failure_of(client.read_some(buf));
    EXPECT_TRUE(f.thrown);
    EXPECT_TRUE(f.code == make_error_code(tls::errc::truncated) ||
                f.code == std::errc::connection_reset)
        << f.what;
  });
}

}  // namespace
}  // namespace coronet::tls_test
