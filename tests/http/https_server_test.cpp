// http::server over TLS (serve(listener, tls::context)): the same responses as plain HTTP,
// keep-alive and pipelining inside one TLS session, large bodies both ways, ALPN, the headers
// timeout covering the handshake, plain HTTP on the TLS port, a TLS client on a plain port,
// graceful close with close_notify, and the body limit. Clients: coronet's tls::stream and
// http::client on the test's thread (the server runs on its own).
#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <vector>

#include "coronet/timer.hpp"
#include "coronet/tls/detail/plain_blocks.hpp"  // tls/internal
#include "coronet/tls/error.hpp"
#include "https_test_support.hpp"
#include "read_buffer.hpp"  // http/src: owned_read_buffers

namespace coronet::http_test {
namespace {

using clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

// Answers with the method, target and body size, and the body's text for short bodies.
task<http::response> describe(http::request& req) {
  co_return http::response(
      200, req.method + " " + req.target + " " + std::to_string(req.body.size()), "text/plain");
}

http::client_options trusting_options() {
  http::client_options o;
  o.tls = trusting_client();
  return o;
}

std::string https_url(std::uint16_t port, std::string_view target) {
  return "https://127.0.0.1:" + std::to_string(port) + std::string(target);
}

TEST(HttpsServer, CoronetClientGetsTheSameResponseAsPlain) {
  server_thread plain(describe);
  server_thread secure(describe, {}, https_context());
  on_client_loop([&]() -> task<> {
    http::client c(trusting_options());
    http::response p =
        co_await c.request("POST", "http://127.0.0.1:" + std::to_string(plain.port()) + "/a?b=1",
                           http::fields(), "xyz");
    http::response s =
        co_await c.request("POST", https_url(secure.port(), "/a?b=1"), http::fields(), "xyz");
    EXPECT_EQ(s.status, 200);
    EXPECT_EQ(s.body, "POST /a?b=1 3");
    EXPECT_EQ(s.body, p.body);
    EXPECT_EQ(s.headers.get("Content-Type"), p.headers.get("Content-Type"));
    EXPECT_EQ(s.headers.get("Content-Length"), p.headers.get("Content-Length"));
  });
}

TEST(HttpsServer, KeepAliveServesSeveralRequestsOnOneTlsConnection) {
  server_thread srv(describe, {}, https_context());
  on_client_loop([&]() -> task<> {
    tls::stream s = co_await connect_tls(srv.port());
    std::string pending;
    for (int i = 0; i < 3; ++i) {
      const std::string target = "/r" + std::to_string(i);
      co_await s.write_all(get(target));
      raw_response r = co_await read_response(s, pending);
      EXPECT_EQ(r.body, "GET " + target + " 0");
      EXPECT_TRUE(r.says_keep_alive()) << r.head;
      EXPECT_EQ(srv.connection_count(), 1u);
    }
  });
}

TEST(HttpsServer, PipelinedRequestsAreAnsweredInOrder) {
  server_thread srv(describe, {}, https_context());
  on_client_loop([&]() -> task<> {
    tls::stream s = co_await connect_tls(srv.port());
    // All three in one TLS record: the server must not drop what it decrypted beyond the first.
    co_await s.write_all(get("/one") + post("/two", "22") + get("/three", "Connection: close\r\n"));
    std::string pending;
    raw_response one = co_await read_response(s, pending);
    raw_response two = co_await read_response(s, pending);
    raw_response three = co_await read_response(s, pending);
    EXPECT_EQ(one.body, "GET /one 0");
    EXPECT_EQ(two.body, "POST /two 2");
    EXPECT_EQ(three.body, "GET /three 0");
    EXPECT_TRUE(three.says_close());
    EXPECT_EQ(pending, "");
    // Then close_notify: read_some() says 0 rather than failing with truncated.
    std::string rest = co_await read_to_end(s);
    EXPECT_EQ(rest, "");
  });
}

TEST(HttpsServer, LargeChunkedRequestAndLargeResponseArriveIntact) {
  const std::string upload = text(1024 * 1024, 7);  // max_body_size exactly
  const std::string download = text(8 * 1024 * 1024, 8);
  server_thread srv(
      [&](http::request& req) -> task<http::response> {
        if (req.target == "/big") co_return http::response(200, download);
        co_return http::response(
            200, req.body == upload ? "same" : "changed " + std::to_string(req.body.size()));
      },
      {}, https_context());
  on_client_loop([&]() -> task<> {
    http::client c(trusting_options());
    std::size_t sent = 0;
    http::body_source source = [&]() -> task<std::string> {
      // Pieces of uneven size, so that chunk and record boundaries do not line up.
      const std::size_t n = std::min<std::size_t>(upload.size() - sent, 10'007);
      std::string piece = upload.substr(sent, n);
      sent += n;
      co_return piece;
    };
    http::response up =
        co_await c.request("POST", https_url(srv.port(), "/up"), http::fields(), source);
    EXPECT_EQ(up.status, 200);
    EXPECT_EQ(up.body, "same");
    http::response down = co_await c.get(https_url(srv.port(), "/big"));
    EXPECT_EQ(down.body.size(), download.size());
    EXPECT_TRUE(down.body == download) << "the 8 MiB body changed on the way";
  });
}

TEST(HttpsServer, AlpnPicksHttp11OverH2) {
  server_thread srv(describe, {}, https_context());
  on_client_loop([&]() -> task<> {
    tls::context ctx = trusting_client();
    ctx.set_alpn({"h2", "http/1.1"});
    tls::stream s = co_await connect_tls(srv.port(), ctx, "localhost");
    EXPECT_EQ(s.alpn(), "http/1.1");
    co_await s.write_all(get("/alpn"));
    std::string pending;
    raw_response r = co_await read_response(s, pending);
    EXPECT_EQ(r.body, "GET /alpn 0");
  });
}

TEST(HttpsServer, ClientWithoutAlpnIsServed) {
  server_thread srv(describe, {}, https_context());
  on_client_loop([&]() -> task<> {
    tls::stream s = co_await connect_tls(srv.port());
    EXPECT_EQ(s.alpn(), "");
    co_await s.write_all(get("/"));
    std::string pending;
    raw_response r = co_await read_response(s, pending);
    EXPECT_EQ(r.status, 200);
  });
}

// A client that connects and says nothing is closed after headers_timeout: the handshake is the
// start of the first request.
TEST(HttpsServer, HeadersTimeoutClosesASilentClient) {
  http::server_options o;
  o.headers_timeout = 300ms;
  server_thread srv(describe, o, https_context());
  raw_client c(srv.port());
  const clock::time_point start = clock::now();
  EXPECT_TRUE(c.closed_within(io_timeout));
  EXPECT_GE(clock::now() - start, 250ms);
  EXPECT_EQ(c.pending(), "");
}

TEST(HttpsServer, HeadersTimeoutClosesAClientStalledMidHandshake) {
  http::server_options o;
  o.headers_timeout = 300ms;
  server_thread srv(describe, o, https_context());
  raw_client c(srv.port());
  // A handshake record header announcing 512 bytes, and the start of a ClientHello: the server
  // waits for the rest of the record, which never comes.
  const std::string partial_hello("\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03", 11);
  const clock::time_point start = clock::now();
  c.send(partial_hello);
  EXPECT_TRUE(c.closed_within(io_timeout));
  EXPECT_GE(clock::now() - start, 250ms);
}

TEST(HttpsServer, PlainHttpOnTheTlsPortGets400ThenEof) {
  server_thread srv(describe, {}, https_context());
  raw_client c(srv.port());
  c.send(get("/plain"));
  const raw_response r = c.read_response();
  EXPECT_EQ(r.version, "HTTP/1.1");
  EXPECT_EQ(r.status, 400);
  EXPECT_TRUE(r.says_close());
  EXPECT_EQ(r.body, "The plain HTTP request was sent to an HTTPS port\n");
  EXPECT_EQ(c.read_to_eof(), "");
  EXPECT_TRUE(c.eof());
  // The server goes on serving TLS clients.
  on_client_loop([&]() -> task<> {
    tls::stream s = co_await connect_tls(srv.port());
    co_await s.write_all(get("/after"));
    std::string pending;
    raw_response after = co_await read_response(s, pending);
    EXPECT_EQ(after.body, "GET /after 0");
  });
}

// The plain server answers the ClientHello with a 400, whose "HTTP/1.1" OpenSSL reads as a
// record of an unknown version: the error says the peer does not speak TLS.
TEST(HttpsServer, TlsClientOnAPlainPortFailsClearly) {
  server_thread srv(describe);
  const std::string where = "127.0.0.1:" + std::to_string(srv.port());
  const std::string why = ": the peer does not speak TLS: wrong version number";
  on_client_loop([&]() -> task<> {
    try {
      tls::stream s = co_await connect_tls(srv.port());
      ADD_FAILURE() << "a handshake with a plain HTTP server succeeded";
    } catch (const std::system_error& e) {
      EXPECT_EQ(e.code(), tls::errc::not_tls) << e.what();
      EXPECT_EQ(std::string(e.what()), "handshake " + where + why);
    }
    http::client c(trusting_options());
    try {
      co_await c.get(https_url(srv.port(), "/"));
      ADD_FAILURE() << "an https:// request to a plain HTTP server succeeded";
    } catch (const std::system_error& e) {
      EXPECT_EQ(e.code(), tls::errc::not_tls) << e.what();
      EXPECT_EQ(std::string(e.what()), "GET https://" + where + "/: handshake " + where + why);
    }
  });
}

// close() lets the request in progress finish: its client reads the whole response, then the
// server's close_notify (no truncation).
TEST(HttpsServer, GracefulCloseFinishesTheResponseThenSendsCloseNotify) {
  notification entered;
  test::event gate;  // on the server's thread
  server_thread srv(
      [&](http::request& req) -> task<http::response> {
        if (req.target == "/slow") {
          entered.notify();
          co_await gate.wait();
        }
        co_return http::response(200, text(100'000, 3));
      },
      {}, https_context());
  on_client_loop([&]() -> task<> {
    tls::stream busy = co_await connect_tls(srv.port());
    tls::stream idle = co_await connect_tls(srv.port());
    co_await idle.write_all(get("/idle"));
    std::string idle_pending;
    raw_response first = co_await read_response(idle, idle_pending);
    EXPECT_TRUE(first.says_keep_alive());
    co_await busy.write_all(get("/slow"));
    // Blocking the client's loop is harmless here: nothing else runs on it.
    EXPECT_TRUE(entered.wait());
    srv.close();
    // The idle connection ends at once, cleanly.
    std::string idle_rest = co_await read_to_end(idle);
    EXPECT_EQ(idle_rest, "");
    srv.call([&] { gate.set(); });
    std::string pending;
    raw_response r = co_await read_response(busy, pending);
    EXPECT_EQ(r.status, 200);
    EXPECT_TRUE(r.body == text(100'000, 3));
    EXPECT_TRUE(r.says_close()) << r.head;
    std::string rest = co_await read_to_end(busy);
    EXPECT_EQ(rest, "");
  });
  EXPECT_TRUE(srv.wait_stopped());
  EXPECT_EQ(srv.serve_error(), nullptr);
}

// The keep-alive timeout ends an idle TLS connection with close_notify: the client tells the
// server's goodbye from a cut.
TEST(HttpsServer, KeepAliveTimeoutEndsWithCloseNotify) {
  http::server_options o;
  o.keep_alive_timeout = 200ms;
  server_thread srv(describe, o, https_context());
  on_client_loop([&]() -> task<> {
    tls::stream s = co_await connect_tls(srv.port());
    co_await s.write_all(get("/once"));
    std::string pending;
    raw_response r = co_await read_response(s, pending);
    EXPECT_EQ(r.body, "GET /once 0");
    std::string rest = co_await read_to_end(s);  // throws tls::errc::truncated without it
    EXPECT_EQ(rest, "");
  });
}

TEST(HttpsServer, BodyTooLargeGets413) {
  http::server_options o;
  o.max_body_size = 1000;
  server_thread srv(describe, o, https_context());
  on_client_loop([&]() -> task<> {
    tls::stream s = co_await connect_tls(srv.port());
    co_await s.write_all(post("/big", std::string(2000, 'x')));
    std::string pending;
    raw_response r = co_await read_response(s, pending);
    EXPECT_EQ(r.status, 413);
    EXPECT_TRUE(r.says_close());
    http::client c(trusting_options());
    http::response declared = co_await c.request("POST", https_url(srv.port(), "/big"),
                                                 http::fields(), std::string(1001, 'y'));
    EXPECT_EQ(declared.status, 413);
    http::response fits = co_await c.request("POST", https_url(srv.port(), "/fits"), http::fields(),
                                             std::string(1000, 'z'));
    EXPECT_EQ(fits.body, "POST /fits 1000");
  });
}

// Keep-alive connections waiting for their next request hold no read buffer: neither one of
// their own (owned_read_buffers) nor a block of decrypted bytes (plain_blocks_held), so that
// idle HTTPS connections cost what plain ones do.
TEST(HttpsServer, IdleKeepAliveConnectionsHoldNoReadBuffer) {
  constexpr int idle_connections = 200;
  http::server_options o;
  o.keep_alive_timeout = 60s;  // however slow the machine, none times out before the check
  server_thread srv(describe, o, https_context());
  on_client_loop([&]() -> task<> {
    // The clients read with read_some into their own buffers: neither count is theirs. Each
    // step goes over all connections before the next, so that the delayed ACKs overlap.
    const tls::context ctx = trusting_client();  // once: contexts are shared
    std::vector<tls::stream> streams;
    streams.reserve(idle_connections);
    for (int i = 0; i < idle_connections; ++i) {
      tls::stream s = co_await connect_tls(srv.port(), ctx, "localhost");
      streams.push_back(std::move(s));
    }
    for (int i = 0; i < idle_connections; ++i) {
      const std::string request = get("/idle" + std::to_string(i));
      co_await streams[i].write_all(request);
    }
    for (int i = 0; i < idle_connections; ++i) {
      std::string pending;
      raw_response r = co_await read_response(streams[i], pending);
      EXPECT_EQ(r.body, "GET /idle" + std::to_string(i) + " 0");
    }
    EXPECT_EQ(srv.connection_count(), static_cast<std::size_t>(idle_connections));
    EXPECT_EQ(http::detail::owned_read_buffers.load(), 0u);
    // A connection gives its block back once its next read starts, on the server's thread,
    // shortly after the response left: polled, within io_timeout.
    const auto deadline = clock::now() + io_timeout;
    while (tls::detail::plain_blocks_held() != 0 && clock::now() < deadline)
      co_await sleep_for(1ms);
    EXPECT_EQ(tls::detail::plain_blocks_held(), 0u);
  });
}

}  // namespace
}  // namespace coronet::http_test
