// What a handshake agrees on, seen from both sides: the protocol version (and a failure when
// there is none in common), ALPN, the SNI name and a certificate picked by it, and session
// resumption (and none when the server issues no tickets).
#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "coronet/core.hpp"
#include "coronet/io.hpp"
#include "tls_stream_support.hpp"

namespace coronet::tls_test {
namespace {

// What the server's side saw of one connection.
struct server_view {
  std::string version, alpn, server_name, peer_subject;
  bool reused = false;
  int connections = 0;
};

// A handler that records what was negotiated, then echoes.
tls::tls_handler recording(server_view& seen) {
  return [&seen](tls::stream& s) -> task<> {
    seen.version = s.version();
    seen.alpn = s.alpn();
    seen.server_name = s.server_name();
    seen.reused = s.session_reused();
    seen.peer_subject = s.peer_certificate().subject();
    ++seen.connections;
    co_await echo(s);
  };
}

// One exchange (so that TLS 1.3's tickets, sent after the handshake, are read), then a clean
// close; returns the client's stream state before the close.
struct client_view {
  std::string version, alpn, peer_subject;
  bool reused = false;
};

task<client_view> exchange(std::uint16_t port, tls::context ctx, tls::connect_options options) {
  tls::stream s = co_await tls::connect("127.0.0.1", port, ctx, std::move(options));
  co_await s.write_all("ping");
  std::vector<std::byte> buf(4);
  co_await s.read_exact(buf);
  CO_ASSERT(to_string(buf) == "ping");
  client_view v{std::string(s.version()), std::string(s.alpn()), s.peer_certificate().subject(),
                s.session_reused()};
  co_await s.shutdown();
  std::vector<std::byte> rest = co_await read_to_end(s);
  CO_ASSERT(rest.empty());
  co_return v;
}

task<client_view> exchange(std::uint16_t port, tls::context ctx) {
  return exchange(port, std::move(ctx), tls::connect_options());
}

// Serves with `server` while `client` runs.
void serve_and_run(tls::context server, server_view& seen,
                   std::function<task<>(std::uint16_t)> client) {
  run([&]() -> task<> {
    auto l = tcp::listener::bind({"127.0.0.1", 0});
    task<> serving =
        serve_during(l, std::move(server), recording(seen), tls::serve_options(), client(l.port()));
    co_await std::move(serving);
  });
}

TEST(TlsNegotiation, Tls13ByDefault) {
  server_view seen;
  client_view got;
  serve_and_run(server_context(), seen, [&](std::uint16_t port) -> task<> {
    got = co_await exchange(port, client_context());
  });
  EXPECT_EQ(got.version, "TLSv1.3");
  EXPECT_EQ(seen.version, "TLSv1.3");
}

TEST(TlsNegotiation, MaxVersion12GivesTls12OnBothSides) {
  server_view seen;
  client_view got;
  serve_and_run(server_context(), seen, [&](std::uint16_t port) -> task<> {
    tls::context ctx = client_context();
    ctx.set_max_version(tls::version::tls1_2);
    got = co_await exchange(port, ctx);
  });
  EXPECT_EQ(got.version, "TLSv1.2");
  EXPECT_EQ(seen.version, "TLSv1.2");
}

TEST(TlsNegotiation, NoCommonVersionFailsBothSides) {
  tls::context server = server_context();
  server.set_min_version(tls::version::tls1_3);
  failure client_failure;
  std::error_code server_code;
  int server_errors = 0;
  run([&]() -> task<> {
    auto l = tcp::listener::bind({"127.0.0.1", 0});
    tls::serve_options options;
    options.on_handshake_error = [&](std::exception_ptr e, const socket_address&) {
      ++server_errors;
      try {
        std::rethrow_exception(e);
      } catch (const std::system_error& x) {
        server_code = x.code();
      }
    };
    auto client = [&](std::uint16_t port) -> task<> {
      tls::context ctx = client_context();
      ctx.set_max_version(tls::version::tls1_2);
      client_failure = co_await failure_of(tls::connect("127.0.0.1", port, ctx));
      // The server's side has failed too once we see our failure, or soon after: a second
      // connection proves the server is still serving, and lets its first one finish.
      tls::stream ok = co_await tls::connect("127.0.0.1", port, client_context());
      co_await ok.shutdown();
    };
    task<> serving = serve_during(l, server, echo, std::move(options), client(l.port()));
    co_await std::move(serving);
  });
  ASSERT_TRUE(client_failure.thrown);
  EXPECT_EQ(client_failure.code, make_error_code(tls::errc::handshake_failed))
      << client_failure.what;
  // "handshake 127.0.0.1:PORT: TLS handshake failed: <OpenSSL's reason>"
  EXPECT_EQ(client_failure.what.rfind("handshake 127.0.0.1:", 0), 0u) << client_failure.what;
  EXPECT_NE(client_failure.what.find(": TLS handshake failed: "), std::string::npos)
      << client_failure.what;
  EXPECT_NE(client_failure.what.find("protocol version"), std::string::npos) << client_failure.what;
  EXPECT_EQ(server_errors, 1);
  EXPECT_EQ(server_code, make_error_code(tls::errc::handshake_failed));
}

TEST(TlsNegotiation, AlpnPicksServersFirstChoiceTheClientOffered) {
  tls::context server = server_context();
  server.set_alpn({"h2", "http/1.1"});
  server_view seen;
  client_view got;
  serve_and_run(server, seen, [&](std::uint16_t port) -> task<> {
    tls::context ctx = client_context();
    ctx.set_alpn({"spdy/1", "http/1.1", "h2"});
    got = co_await exchange(port, ctx);
  });
  EXPECT_EQ(got.alpn, "h2");
  EXPECT_EQ(seen.alpn, "h2");
}

TEST(TlsNegotiation, AlpnWithNothingInCommonGoesOnWithout) {
  tls::context server = server_context();
  server.set_alpn({"http/1.1"});
  server_view seen;
  client_view got;
  serve_and_run(server, seen, [&](std::uint16_t port) -> task<> {
    tls::context ctx = client_context();
    ctx.set_alpn({"imap"});
    got = co_await exchange(port, ctx);
  });
  EXPECT_EQ(seen.connections, 1);
  EXPECT_EQ(got.alpn, "");
  EXPECT_EQ(seen.alpn, "");
}

TEST(TlsNegotiation, ServerSeesTheSniName) {
  server_view seen;
  serve_and_run(server_context(), seen, [&](std::uint16_t port) -> task<> {
    tls::connect_options o;
    o.server_name = "localhost";
    co_await exchange(port, client_context(), o);
  });
  EXPECT_EQ(seen.server_name, "localhost");
}

TEST(TlsNegotiation, NoSniForAnIpAddress) {
  server_view seen;
  serve_and_run(server_context(), seen,
                [&](std::uint16_t port) -> task<> { co_await exchange(port, client_context()); });
  EXPECT_EQ(seen.connections, 1);
  EXPECT_EQ(seen.server_name, "");
}

TEST(TlsNegotiation, ServerNameCallbackPicksAnotherCertificate) {
  const tls::key_pair other = issue(test_ca(), {"other.test"});
  tls::context other_ctx = server_context(other);
  tls::context server = server_context();
  std::vector<std::string> asked;
  server.set_server_name_callback([&](std::string_view name) -> std::optional<tls::context> {
    asked.emplace_back(name);
    if (name == "other.test") return other_ctx;
    return std::nullopt;
  });
  server_view seen;
  client_view to_other, to_localhost;
  serve_and_run(server, seen, [&](std::uint16_t port) -> task<> {
    tls::connect_options o;
    o.server_name = "other.test";
    to_other = co_await exchange(port, client_context(), o);
    tls::connect_options l;
    l.server_name = "localhost";
    to_localhost = co_await exchange(port, client_context(), l);
  });
  EXPECT_EQ(to_other.peer_subject, "CN=other.test");
  EXPECT_EQ(to_localhost.peer_subject, "CN=localhost");
  EXPECT_EQ(asked, (std::vector<std::string>{"other.test", "localhost"}));
}

TEST(TlsNegotiation, SecondConnectWithSameContextResumes) {
  server_view seen;
  client_view first, second;
  bool first_reused_on_server = true;
  serve_and_run(server_context(), seen, [&](std::uint16_t port) -> task<> {
    tls::context ctx = client_context();
    first = co_await exchange(port, ctx);
    first_reused_on_server = seen.reused;
    second = co_await exchange(port, ctx);
  });
  EXPECT_FALSE(first.reused);
  EXPECT_FALSE(first_reused_on_server);
  EXPECT_TRUE(second.reused);
  EXPECT_TRUE(seen.reused);
  EXPECT_EQ(second.version, "TLSv1.3");
}

// One exchange, then the stream is dropped without close_notify (a client closing an idle
// connection, or giving up on it, does that).
task<> exchange_then_drop(std::uint16_t port, tls::context ctx) {
  tls::stream s = co_await tls::connect("127.0.0.1", port, ctx);
  co_await s.write_all("ping");
  std::vector<std::byte> buf(4);
  co_await s.read_exact(buf);
  CO_ASSERT(to_string(buf) == "ping");
}

TEST(TlsNegotiation, ResumesAfterAConnectionDroppedWithoutCloseNotify) {
  // Since TLS 1.1 a connection that ends without close_notify does not forbid resuming its
  // session (RFC 5246, 7.2.1); OpenSSL still drops it then, unless told the close was clean.
  for (const tls::version v : {tls::version::tls1_3, tls::version::tls1_2}) {
    server_view seen;
    client_view second;
    serve_and_run(server_context(), seen, [&](std::uint16_t port) -> task<> {
      tls::context ctx = client_context();
      ctx.set_max_version(v);
      co_await exchange_then_drop(port, ctx);
      second = co_await exchange(port, ctx);
    });
    EXPECT_TRUE(second.reused) << second.version;
  }
}

TEST(TlsNegotiation, SecondConnectWithSameContextResumesOverTls12) {
  server_view seen;
  client_view second;
  serve_and_run(server_context(), seen, [&](std::uint16_t port) -> task<> {
    tls::context ctx = client_context();
    ctx.set_max_version(tls::version::tls1_2);
    co_await exchange(port, ctx);
    second = co_await exchange(port, ctx);
  });
  EXPECT_EQ(second.version, "TLSv1.2");
  EXPECT_TRUE(second.reused);
}

TEST(TlsNegotiation, NoResumptionWithoutSessionTickets) {
  tls::context server = server_context();
  server.set_session_tickets(false);
  server_view seen;
  client_view second;
  serve_and_run(server, seen, [&](std::uint16_t port) -> task<> {
    tls::context ctx = client_context();
    co_await exchange(port, ctx);
    second = co_await exchange(port, ctx);
  });
  EXPECT_EQ(seen.connections, 2);
  EXPECT_FALSE(second.reused);
  EXPECT_FALSE(seen.reused);
}

TEST(TlsNegotiation, AnotherClientContextDoesNotResume) {
  server_view seen;
  client_view second;
  serve_and_run(server_context(), seen, [&](std::uint16_t port) -> task<> {
    co_await exchange(port, client_context());
    second = co_await exchange(port, client_context());
  });
  EXPECT_FALSE(second.reused);
}

}  // namespace
}  // namespace coronet::tls_test
