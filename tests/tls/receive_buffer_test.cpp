// tls::stream::receive() holds a plaintext block only while the view it returned may be in use:
// a stream waiting for its peer holds none (detail::plain_blocks_held), so that many idle TLS
// connections (wss:// WebSockets, HTTPS keep-alive) cost no 16 KiB read buffer each; nor does
// OpenSSL keep record buffers for a stream that waits, on either side.
#include <gtest/gtest.h>
#include <malloc.h>
#include <openssl/crypto.h>
#include <openssl/ssl.h>

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <cstdlib>
#include <span>
#include <string>
#include <vector>

#include "coronet/core.hpp"
#include "coronet/io.hpp"
#include "coronet/tls/detail/plain_blocks.hpp"  // tls/internal
#include "test_support.hpp"                     // tests/support: next_turn
#include "tls_stream_support.hpp"

namespace coronet::tls_test {
namespace {

constexpr int idle_connections = 200;

struct receive_counts {
  int started = 0;            // receive() calls the handlers started
  std::size_t most_held = 0;  // plain_blocks_held() while a handler used a view
};

// Echoes by receive(), counting each receive it starts.
task<> echo_by_receive(tls::stream& s, receive_counts& counts) {
  for (;;) {
    ++counts.started;
    const std::span<const std::byte> got = co_await s.receive();
    if (got.empty()) break;
    counts.most_held = std::max(counts.most_held, tls::detail::plain_blocks_held());
    co_await s.write_all(got);
  }
}

// Opens the connections, echoes one message on each, and checks the count once every handler
// waits in its second receive(). Each step goes over all connections before the next, so that
// the peers' delayed ACKs (TLS 1.3 sends its session tickets before the echo) overlap.
task<> open_idle_connections(std::uint16_t port, receive_counts& counts) {
  const tls::context ctx = client_context();  // once: it loads the system's trust store
  std::vector<tls::stream> streams;
  streams.reserve(idle_connections);
  for (int i = 0; i < idle_connections; ++i) {
    tls::stream s = co_await tls::connect("127.0.0.1", port, ctx);
    streams.push_back(std::move(s));
  }
  for (int i = 0; i < idle_connections; ++i) {
    const std::string message = "message " + std::to_string(i);
    co_await streams[i].write_all(message);
  }
  for (int i = 0; i < idle_connections; ++i) {
    const std::string message = "message " + std::to_string(i);
    std::string echoed(message.size(), '\0');
    const std::span<std::byte> into = std::as_writable_bytes(std::span(echoed));
    co_await streams[i].read_exact(into);  // into the client's buffer: no block on this side
    CO_ASSERT(echoed == message);
  }
  // A handler counts a receive() before starting it, and the receive runs to its wait without
  // giving up the thread: once all have counted their second, all wait.
  while (counts.started < 2 * idle_connections) co_await test::next_turn();
  EXPECT_GE(counts.most_held, 1u);  // the count sees the block a handler uses
  EXPECT_EQ(tls::detail::plain_blocks_held(), 0u);
  for (tls::stream& s : streams) co_await s.shutdown();
}

TEST(TlsReceive, IdleStreamsWaitingInReceiveHoldNoPlaintextBlock) {
  run([]() -> task<> {
    auto l = tcp::listener::bind({"127.0.0.1", 0});
    receive_counts counts;
    auto handler = [&counts](tls::stream& s) { return echo_by_receive(s, counts); };
    task<> serving = serve_during(l, server_context(), handler, tls::serve_options(),
                                  open_idle_connections(l.port(), counts));
    co_await std::move(serving);
  });
}

// A read after receive() ends the view it returned: read_some gives the block back too, and
// the next receive() decrypts into a block again.
TEST(TlsReceive, ReadSomeAfterReceiveGivesTheBlockBack) {
  run([]() -> task<> {
    auto l = tcp::listener::bind({"127.0.0.1", 0});
    auto client = [](std::uint16_t port) -> task<> {
      tls::stream s = co_await tls::connect("127.0.0.1", port, client_context());
      co_await s.write_all("one");
      const std::span<const std::byte> first = co_await s.receive();
      CO_ASSERT(to_string(first) == "one");
      EXPECT_EQ(tls::detail::plain_blocks_held(), 1u);
      co_await s.write_all("two");
      std::string second(3, '\0');
      const std::span<std::byte> into = std::as_writable_bytes(std::span(second));
      co_await s.read_exact(into);
      EXPECT_EQ(second, "two");
      EXPECT_EQ(tls::detail::plain_blocks_held(), 0u);
      co_await s.shutdown();
      const std::span<const std::byte> end = co_await s.receive();
      EXPECT_TRUE(end.empty());
      EXPECT_EQ(tls::detail::plain_blocks_held(), 0u);
    };
    task<> serving =
        serve_during(l, server_context(), echo, tls::serve_options(), client(l.port()));
    co_await std::move(serving);
  });
}

// OpenSSL's heap in use, counted through CRYPTO_set_mem_functions.
std::atomic<long> openssl_bytes{0};
void* counted_malloc(std::size_t n, const char*, int) {
  void* p = std::malloc(n);
  if (p) openssl_bytes += static_cast<long>(malloc_usable_size(p));
  return p;
}
void* counted_realloc(void* p, std::size_t n, const char*, int) {
  const long before = p ? static_cast<long>(malloc_usable_size(p)) : 0;
  void* q = std::realloc(p, n);
  if (q) openssl_bytes += static_cast<long>(malloc_usable_size(q)) - before;
  return q;
}
void counted_free(void* p, const char*, int) {
  if (p) openssl_bytes -= static_cast<long>(malloc_usable_size(p));
  std::free(p);
}

constexpr int waiting_pairs = 20;

task<> read_until_close_notify(tls::stream& s, int& ended) {
  std::vector<std::byte> buf(64);
  for (;;) {
    const std::size_t n = co_await s.read_some(buf);
    if (n == 0) break;
  }
  ++ended;
}

task<> receive_until_close_notify(tls::stream& s, int& ended) {
  for (;;) {
    const std::span<const std::byte> got = co_await s.receive();
    if (got.empty()) break;
  }
  ++ended;
}

// The bytes SSL_free_buffers frees from `streams`: what OpenSSL still held for them.
long held_by_openssl(std::vector<tls::stream>& streams) {
  const long before = openssl_bytes.load();
  for (tls::stream& s : streams) SSL_free_buffers(static_cast<SSL*>(s.native_handle()));
  return before - openssl_bytes.load();
}

// Pairs in one process, a request and its echo on each (the server's session tickets come
// first), then both sides wait in a read: OpenSSL frees nothing more from them, because it
// holds no record buffer for a waiting stream (client or server).
TEST(TlsReceive, WaitingStreamsLeaveOpenSslNoRecordBuffer) {
  // Only before OpenSSL's first allocation in this process (CTest runs each test alone).
  if (CRYPTO_set_mem_functions(counted_malloc, counted_realloc, counted_free) != 1)
    GTEST_SKIP() << "OpenSSL allocated before this test: run it alone to count its heap";
  run([]() -> task<> {
    const tls::context sctx = server_context();
    const tls::context cctx = client_context();
    auto l = tcp::listener::bind({"127.0.0.1", 0});
    std::vector<tls::stream> clients, servers;
    for (int i = 0; i < waiting_pairs; ++i) {
      task<coronet::stream> accepting = l.accept();
      coronet::stream c0 = co_await tcp::connect("127.0.0.1", l.port());
      coronet::stream s0 = co_await std::move(accepting);
      tls::stream c = tls::stream::client(std::move(c0), cctx, "localhost");
      tls::stream s = tls::stream::server(std::move(s0), sctx);
      task<> client_side = c.handshake();
      task<> server_side = s.handshake();
      co_await when_all(std::move(client_side), std::move(server_side));
      co_await c.write_all("hello");
      const std::span<const std::byte> got = co_await s.receive();
      co_await s.write_all(got);
      std::string back(5, '\0');
      const std::span<std::byte> into = std::as_writable_bytes(std::span(back));
      co_await c.read_exact(into);
      CO_ASSERT(back == "hello");
      clients.push_back(std::move(c));
      servers.push_back(std::move(s));
    }
    int ended = 0;
    for (int i = 0; i < waiting_pairs; ++i) {
      spawn(read_until_close_notify(clients[i], ended));
      spawn(receive_until_close_notify(servers[i], ended));
    }
    co_await test::next_turn();  // each reader ran to its wait
    EXPECT_EQ(held_by_openssl(clients), 0);
    EXPECT_EQ(held_by_openssl(servers), 0);
    for (tls::stream& c : clients) co_await c.shutdown();
    for (tls::stream& s : servers) co_await s.shutdown();
    while (ended < 2 * waiting_pairs) co_await test::next_turn();
  });
}

}  // namespace
}  // namespace coronet::tls_test
