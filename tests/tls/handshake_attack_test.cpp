// Bad clients against tls::serve: garbage or plain text instead of a ClientHello, a hello cut
// short, clients that stall mid-handshake (one, and a thousand while a good client is served),
// and a TLS client talking to a port that does not speak TLS. Each ends its own connection
// (reported through on_handshake_error), never hangs, never stops the server, and leaves no
// descriptor behind.
#include <gtest/gtest.h>
#include <sys/resource.h>

#include <chrono>
#include <cstddef>
#include <functional>
#include <stdexcept>
#include <string>
#include <vector>

#include "coronet/core.hpp"
#include "coronet/io.hpp"
#include "proc_stats.hpp"    // tests/support: open_fd_count, scaled_down_build
#include "test_support.hpp"  // tests/support: prompt
#include "tls_stream_support.hpp"

namespace coronet::tls_test {
namespace {

using namespace std::chrono_literals;

// The server's limit for a handshake in these tests: short, so that stalls end quickly.
constexpr auto handshake_timeout = 300ms;
// A test-side guard on every wait for the server: far above the handshake timeout, so that only
// a hang trips it.
constexpr auto guard = 20s;

// One TLS record from `s`: its header (type, version, length) and its body.
task<std::vector<std::byte>> read_record(coronet::stream& s) {
  std::vector<std::byte> record(5);
  co_await s.read_exact(record);
  const std::size_t length =
      (std::to_integer<std::size_t>(record[3]) << 8) | std::to_integer<std::size_t>(record[4]);
  record.resize(5 + length);
  co_await s.read_exact(std::span(record).subspan(5));
  co_return record;
}

// A real client's first flight (its ClientHello record), captured from a tls::connect to a
// plain listener.
task<std::vector<std::byte>> capture_client_hello() {
  auto l = tcp::listener::bind({"127.0.0.1", 0});
  std::vector<std::byte> hello;
  auto connecting = [&]() -> task<> {
    co_await failure_of(tls::connect("127.0.0.1", l.port(), client_context()));
  };
  auto capturing = [&]() -> task<> {
    coronet::stream s = co_await l.accept();
    hello = co_await read_record(s);
    s.close();  // the client's handshake fails; it is not needed any more
  };
  co_await when_all(connecting(), capturing());
  co_return hello;
}

// Reads until the server ends the connection; true for an end of stream or a reset (what a
// server closing on unread bytes gives), false for another error.
task<bool> read_until_hang_up(coronet::stream& s) {
  std::vector<std::byte> buf(4096);
  for (;;) {
    std::size_t n = 0;
    try {
      n = co_await s.read_some(buf);
    } catch (const std::system_error& e) {
      co_return e.code() == std::errc::connection_reset;
    }
    if (n == 0) co_return true;
  }
}

// The server hangs up on `s` within `guard` (else the test fails with timed_out).
task<> expect_hang_up(coronet::stream& s) {
  task<bool> hang_up = with_timeout(guard, read_until_hang_up(s));
  const bool ended = co_await std::move(hang_up);
  CO_ASSERT(ended);
}

// One good client, served as usual: the server survived what came before.
task<> good_client(std::uint16_t port) {
  tls::stream s = co_await tls::connect("127.0.0.1", port, client_context());
  co_await s.write_all("still there?");
  std::vector<std::byte> buf(12);
  co_await s.read_exact(buf);
  CO_ASSERT(to_string(buf) == "still there?");
  co_await s.shutdown();
}

struct attack_report {
  std::vector<failure> handshake_errors;  // what on_handshake_error got
  int served = 0;                         // handlers run (the good client's)
};

// Serves a fresh listener (handshake timeout 300 ms) while `attack(port)` runs and then one good
// client; checks that the process has as many descriptors after as before.
attack_report under_attack(const std::function<task<>(std::uint16_t)>& attack,
                           std::chrono::milliseconds timeout = handshake_timeout) {
  attack_report report;
  localhost_cert();  // made before the count: it is cached for the process
  const std::size_t fds_before = test::open_fd_count();
  run([&]() -> task<> {
    auto l = tcp::listener::bind({"127.0.0.1", 0});
    tls::serve_options options;
    options.handshake_timeout = timeout;
    options.on_handshake_error = [&](std::exception_ptr e, const socket_address&) {
      try {
        std::rethrow_exception(e);
      } catch (const std::system_error& x) {
        report.handshake_errors.push_back({true, x.code(), x.what()});
      }
    };
    auto handler = [&](tls::stream& s) -> task<> {
      ++report.served;
      co_await echo(s);
    };
    auto client = [&](std::uint16_t port) -> task<> {
      co_await attack(port);
      task<> good = with_timeout(guard, good_client(port));
      co_await std::move(good);
    };
    task<> serving =
        serve_during(l, server_context(), handler, std::move(options), client(l.port()));
    co_await std::move(serving);
  });
  EXPECT_EQ(test::open_fd_count(), fds_before) << "descriptors left open";
  EXPECT_EQ(report.served, 1);
  return report;
}

// Sends `bytes` on a raw connection, then waits for the server to hang up.
task<> send_and_expect_hang_up(std::uint16_t port, std::span<const std::byte> data) {
  coronet::stream s = co_await tcp::connect("127.0.0.1", port);
  co_await s.write_all(data);
  co_await expect_hang_up(s);
}

void expect_one_error(const attack_report& r, std::error_code code) {
  ASSERT_EQ(r.handshake_errors.size(), 1u);
  EXPECT_EQ(r.handshake_errors[0].code, code) << r.handshake_errors[0].what;
}

TEST(TlsHandshakeAttack, GarbageInsteadOfClientHello) {
  std::vector<std::byte> garbage = pattern(64, 11);
  for (std::size_t i = 0; i < 4; ++i) garbage[i] = std::byte("\xde\xad\xbe\xef"[i]);
  const attack_report r = under_attack(
      [&](std::uint16_t port) -> task<> { co_await send_and_expect_hang_up(port, garbage); });
  expect_one_error(r, make_error_code(tls::errc::not_tls));
}

TEST(TlsHandshakeAttack, PlainTextOnTheTlsPort) {
  const attack_report r = under_attack([](std::uint16_t port) -> task<> {
    co_await send_and_expect_hang_up(port, bytes("hello, server\r\n"));
  });
  expect_one_error(r, make_error_code(tls::errc::not_tls));
}

TEST(TlsHandshakeAttack, PlainHttpOnTheTlsPort) {
  const attack_report r = under_attack([](std::uint16_t port) -> task<> {
    co_await send_and_expect_hang_up(port, bytes("GET / HTTP/1.1\r\nHost: x\r\n\r\n"));
  });
  expect_one_error(r, make_error_code(tls::errc::plain_http));
}

TEST(TlsHandshakeAttack, TruncatedClientHelloThenClose) {
  const attack_report r = under_attack([](std::uint16_t port) -> task<> {
    const std::vector<std::byte> hello = co_await capture_client_hello();
    CO_ASSERT(hello.size() > 100);
    coronet::stream s = co_await tcp::connect("127.0.0.1", port);
    co_await s.write_all(std::span(hello).first(50));
    s.shutdown();  // our end of stream, mid-hello
    co_await expect_hang_up(s);
  });
  ASSERT_EQ(r.handshake_errors.size(), 1u);
  EXPECT_EQ(r.handshake_errors[0].code, make_error_code(tls::errc::handshake_failed));
  EXPECT_NE(r.handshake_errors[0].what.find("connection closed during the handshake"),
            std::string::npos)
      << r.handshake_errors[0].what;
}

TEST(TlsHandshakeAttack, StalledMidHandshakeIsClosedAfterTheTimeout) {
  const attack_report r = under_attack([](std::uint16_t port) -> task<> {
    const std::vector<std::byte> hello = co_await capture_client_hello();
    coronet::stream s = co_await tcp::connect("127.0.0.1", port);
    co_await s.write_all(std::span(hello).first(50));
    co_await expect_hang_up(s);  // the server's handshake timeout, not ours
  });
  expect_one_error(r, std::make_error_code(std::errc::timed_out));
}

TEST(TlsHandshakeAttack, SilentClientIsClosedAfterTheTimeout) {
  const attack_report r = under_attack([](std::uint16_t port) -> task<> {
    coronet::stream s = co_await tcp::connect("127.0.0.1", port);
    co_await expect_hang_up(s);
  });
  expect_one_error(r, std::make_error_code(std::errc::timed_out));
}

// Restores RLIMIT_NOFILE at destruction.
class nofile_guard {
 public:
  nofile_guard() { ::getrlimit(RLIMIT_NOFILE, &saved_); }
  ~nofile_guard() { ::setrlimit(RLIMIT_NOFILE, &saved_); }
  nofile_guard(const nofile_guard&) = delete;
  nofile_guard& operator=(const nofile_guard&) = delete;
  // Raises the soft limit to at least `n`; false if the hard limit is lower.
  bool ensure_at_least(rlim_t n) {
    if (saved_.rlim_cur != RLIM_INFINITY && saved_.rlim_cur >= n) return true;
    if (saved_.rlim_max != RLIM_INFINITY && saved_.rlim_max < n) return false;
    rlimit r = saved_;
    r.rlim_cur = n;
    return ::setrlimit(RLIMIT_NOFILE, &r) == 0;
  }

 private:
  rlimit saved_{};
};

TEST(TlsHandshakeAttack, ThousandStalledHandshakesDoNotDelayAGoodClient) {
  const std::size_t n = test::scaled_down_build ? 100 : 1000;
  nofile_guard limit;
  // Both ends of each stalled connection live in this process.
  if (!limit.ensure_at_least(2 * n + 256))
    GTEST_SKIP() << "RLIMIT_NOFILE hard limit is below " << 2 * n + 256;
  localhost_cert();
  const std::size_t fds_before = test::open_fd_count();
  std::chrono::steady_clock::duration good_took{};
  int served = 0;
  run([&]() -> task<> {
    tcp::listen_options listening;
    listening.backlog = 4096;  // all of them connect at once: no SYN retries
    auto l = tcp::listener::bind({"127.0.0.1", 0}, listening);
    tls::serve_options options;
    // Longer than the test: the stalls are still there when the good client comes.
    options.handshake_timeout = 60s;
    auto handler = [&](tls::stream& s) -> task<> {
      ++served;
      co_await echo(s);
    };
    auto client = [&](std::uint16_t port) -> task<> {
      const std::vector<std::byte> hello = co_await capture_client_hello();
      std::vector<coronet::stream> stalled;
      stalled.reserve(n);
      for (std::size_t i = 0; i < n; ++i) {
        coronet::stream s = co_await tcp::connect("127.0.0.1", port);
        // Half send nothing; half send half a hello, which the server reads and waits on.
        if (i % 2 == 1) co_await s.write_all(std::span(hello).first(hello.size() / 2));
        stalled.push_back(std::move(s));
      }
      // The good client comes after all of them in the accept queue.
      const test::stopwatch watch;
      task<> good = with_timeout(test::prompt, good_client(port));
      co_await std::move(good);
      good_took = watch.elapsed();
    };
    task<> serving =
        serve_during(l, server_context(), handler, std::move(options), client(l.port()));
    co_await std::move(serving);
  });
  EXPECT_EQ(served, 1);
  EXPECT_LT(good_took, test::prompt);
  EXPECT_EQ(test::open_fd_count(), fds_before) << "descriptors left open";
  std::printf("%zu stalled handshakes: a good client was served in %.1f ms\n", n,
              std::chrono::duration<double, std::milli>(good_took).count());
}

// A TLS client against ports that do not speak TLS: a clear error, no hang.
failure tls_client_against(const std::function<task<>(coronet::stream)>& plain_server) {
  failure result;
  client_context();  // the system's trust store, read once before the count
  const std::size_t fds_before = test::open_fd_count();
  run([&]() -> task<> {
    auto l = tcp::listener::bind({"127.0.0.1", 0});
    auto serving = [&]() -> task<> {
      coronet::stream s = co_await l.accept();
      co_await plain_server(std::move(s));
    };
    auto client = [&]() -> task<> {
      task<tls::stream> connecting =
          with_timeout(guard, tls::connect("127.0.0.1", l.port(), client_context()));
      result = co_await failure_of(std::move(connecting));
    };
    co_await when_all(serving(), client());
  });
  EXPECT_EQ(test::open_fd_count(), fds_before) << "descriptors left open";
  return result;
}

task<> plain_echo(coronet::stream s) {
  std::vector<std::byte> buf(4096);
  for (;;) {
    std::size_t n = 0;
    try {
      n = co_await s.read_some(buf);
    } catch (const std::system_error&) {
      break;  // the client reset the connection
    }
    if (n == 0) break;
    co_await s.write_all(std::span(buf).first(n));
  }
}

task<> banner_then_wait(coronet::stream s) {
  co_await s.write_all("220 mail.example ESMTP ready\r\n");
  std::vector<std::byte> buf(4096);
  for (;;) {
    std::size_t n = 0;
    try {
      n = co_await s.read_some(buf);
    } catch (const std::system_error&) {
      break;
    }
    if (n == 0) break;
  }
}

TEST(TlsHandshakeAttack, TlsClientAgainstPlainEchoFailsClearly) {
  const failure f = tls_client_against(plain_echo);
  ASSERT_TRUE(f.thrown);
  // Our own ClientHello came back: a handshake message the client did not expect.
  EXPECT_EQ(f.code, make_error_code(tls::errc::handshake_failed)) << f.what;
  EXPECT_EQ(f.what.rfind("handshake 127.0.0.1:", 0), 0u) << f.what;
}

TEST(TlsHandshakeAttack, TlsClientAgainstPlainBannerIsNotTls) {
  const failure f = tls_client_against(banner_then_wait);
  ASSERT_TRUE(f.thrown);
  EXPECT_EQ(f.code, make_error_code(tls::errc::not_tls)) << f.what;
  EXPECT_EQ(f.what.rfind("handshake 127.0.0.1:", 0), 0u) << f.what;
}

TEST(TlsHandshakeAttack, TlsClientAgainstServerThatClosesFailsClearly) {
  const failure f = tls_client_against([](coronet::stream s) -> task<> {
    co_await read_record(s);  // all of it: a close on unread bytes would be a reset instead
    s.close();
  });
  ASSERT_TRUE(f.thrown);
  EXPECT_EQ(f.code, make_error_code(tls::errc::handshake_failed)) << f.what;
  EXPECT_NE(f.what.find("connection closed during the handshake"), std::string::npos) << f.what;
}

}  // namespace
}  // namespace coronet::tls_test
