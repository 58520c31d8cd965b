// Renegotiation is refused (contexts set SSL_OP_NO_RENEGOTIATION): OpenSSL's own client asks
// for it on a TLS 1.2 connection ("R" on s_client's stdin), fails, and the server goes on
// serving the next client.
#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <vector>

#include "coronet/core.hpp"
#include "coronet/io.hpp"
#include "coronet/process/child.hpp"
#include "coronet/process/read_to_end.hpp"
#include "coronet/process/spawn.hpp"
#include "tls_stream_support.hpp"

namespace coronet::tls_test {
namespace {

using namespace std::chrono_literals;

// Reads `s` into `text` until it holds `marker` after `after`; false at the end of stream.
task<bool> read_until(coronet::stream& s, std::string& text, std::string_view after,
                      std::string_view marker) {
  std::vector<char> buf(4096);
  for (;;) {
    const std::size_t at = text.find(after);
    if (at != std::string::npos && text.find(marker, at) != std::string::npos) co_return true;
    const std::size_t n = co_await s.read_some(std::span(buf));
    if (n == 0) co_return false;
    text.append(buf.data(), n);
  }
}

struct s_client_run {
  std::string out, err;
  bool handshake_seen = false;
  process::exit_status status;
};

// s_client over TLS 1.2; once its handshake is printed, "R" (renegotiate) on its stdin, which
// stays open: s_client ends only on its own, when the renegotiation fails (options.timeout
// kills it otherwise, and the test fails).
task<s_client_run> renegotiate_with_s_client(std::uint16_t port) {
  process::options o;
  o.in = process::stdio::pipe;
  o.out = process::stdio::pipe;
  o.err = process::stdio::pipe;
  o.timeout = 30s;
  process::child c = process::spawn("openssl",
                                    {"s_client", "-connect", "127.0.0.1:" + std::to_string(port),
                                     "-tls1_2", "-servername", "localhost"},
                                    o);
  s_client_run r;
  // The session summary ends with a line "---" after "SSL-Session:".
  r.handshake_seen = co_await read_until(c.out(), r.out, "SSL-Session:", "\n---\n");
  if (r.handshake_seen) co_await c.in().write_all("R\n");
  auto rest = co_await when_all(process::read_to_end(c.out()), process::read_to_end(c.err()));
  r.out += std::get<0>(rest);
  r.err = std::get<1>(rest);
  r.status = co_await c.wait();
  co_return r;
}

TEST(TlsRenegotiation, RefusedAndTheServerServesTheNextClient) {
  if (find_program("openssl").empty()) GTEST_SKIP() << "openssl is not installed";
  s_client_run r;
  std::vector<failure> handler_ended;
  run([&]() -> task<> {
    auto l = tcp::listener::bind({"127.0.0.1", 0});
    auto handler = [&](tls::stream& s) -> task<> {
      handler_ended.push_back(co_await failure_of(echo(s)));
    };
    auto client = [&](std::uint16_t port) -> task<> {
      r = co_await renegotiate_with_s_client(port);
      // The server is still there: a second client gets its echo.
      tls::stream s = co_await tls::connect("127.0.0.1", port, client_context());
      co_await s.write_all("after");
      std::vector<std::byte> buf(5);
      co_await s.read_exact(buf);
      CO_ASSERT(to_string(buf) == "after");
      co_await s.shutdown();
    };
    task<> serving =
        serve_during(l, server_context(), handler, tls::serve_options(), client(l.port()));
    co_await std::move(serving);
  });
  ASSERT_TRUE(r.handshake_seen) << r.out << r.err;
  EXPECT_NE(r.out.find("Protocol  : TLSv1.2"), std::string::npos) << r.out;
  EXPECT_FALSE(r.status.timed_out) << "s_client renegotiated (or hung): " << r.out << r.err;
  EXPECT_NE(r.err.find("RENEGOTIATING"), std::string::npos) << r.err;
  // OpenSSL's client names the refusal.
  EXPECT_NE(r.err.find("no renegotiation"), std::string::npos) << r.err;
  // The server's side: OpenSSL ignores the renegotiating ClientHello (a no_renegotiation
  // warning alert back), and s_client gives up with a fatal alert, which ends the handler's
  // read. The next client's connection is untouched.
  ASSERT_EQ(handler_ended.size(), 2u);
  EXPECT_EQ(handler_ended[0].code, make_error_code(tls::errc::protocol_error))
      << handler_ended[0].what;
  EXPECT_NE(handler_ended[0].what.find("alert handshake failure"), std::string::npos)
      << handler_ended[0].what;
  EXPECT_FALSE(handler_ended[1].thrown) << handler_ended[1].what;
}

}  // namespace
}  // namespace coronet::tls_test
