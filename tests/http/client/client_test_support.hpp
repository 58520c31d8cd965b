// Helpers shared by the HTTP client and router tests: a coronet::http::server on 127.0.0.1
// (port 0) in the same loop as the test's client, with a listener that records every connection
// it accepts (how a test proves reuse), and a hand-driven "raw" server that answers with exactly
// the bytes a test gives it (how a test plays a misbehaving server).
//
//   with_server(echo_target, [](served& s) -> task<> {
//     http::client c;
//     http::response r = co_await c.get(s.url("/hello"));
//     EXPECT_EQ(r.body, "/hello");
//     EXPECT_EQ(s.accepted(), 1u);
//   });
//
// Everything runs on one loop inside coronet::run; a test that hangs fails after
// `loop_deadline` with timed_out instead of waiting for CTest's limit.
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include "coronet/core.hpp"
#include "coronet/http.hpp"
#include "coronet/io.hpp"
#include "test_support.hpp"

namespace coronet::http_client_test {

using namespace std::chrono_literals;

// Far above what any test here takes on a loaded machine (milliseconds), far below CTest's.
inline constexpr std::chrono::seconds loop_deadline{20};

// A tcp::listener that remembers the client port of every connection it accepts: a server
// serving it shows how many connections a client opened.
class recording_listener {
 public:
  explicit recording_listener(std::string_view host = "127.0.0.1");

  task<stream> accept();
  void close() noexcept { inner_.close(); }
  std::uint16_t port() const noexcept { return inner_.port(); }
  const std::vector<std::uint16_t>& client_ports() const noexcept { return ports_; }

 private:
  tcp::listener inner_;
  std::vector<std::uint16_t> ports_;
};

// What a test body gets from with_server().
class served {
 public:
  served(http::server& srv, recording_listener& l, std::string host, std::string scheme = "http")
      : server(srv), listener(l), host_(std::move(host)), scheme_(std::move(scheme)) {}
  // "http://127.0.0.1:PORT" + target ("http://[::1]:PORT" + target on IPv6; https:// when
  // served over TLS).
  std::string url(std::string_view target) const;
  std::uint16_t port() const noexcept { return listener.port(); }
  // Connections the server accepted so far.
  std::size_t accepted() const noexcept { return listener.client_ports().size(); }

  http::server& server;
  recording_listener& listener;

 private:
  std::string host_;
  std::string scheme_;
};

// Runs coronet::run with an http::server (`h`, `o`) serving 127.0.0.1:0 (or `host`) beside
// `body`; closes the server once `body` ends and rethrows what `body` threw.
void with_server(http::server::handler h, std::function<task<>(served&)> body,
                 http::server_options o = {}, std::string host = "127.0.0.1");
void with_server(http::server::stream_handler h, std::function<task<>(served&)> body,
                 http::server_options o = {});

#ifdef CORONET_HAS_TLS
// The same over TLS: serve(listener, ctx), and served::url() says https://.
void with_https_server(http::server::handler h, tls::context ctx,
                       std::function<task<>(served&)> body, http::server_options o = {});
#endif

// Runs `body` alone in coronet::run, within loop_deadline.
void in_loop(std::function<task<>()> body);

// How a task failed: the code and what() of its std::system_error; code empty when it succeeded.
struct failure {
  std::error_code code;
  std::string what;
  bool failed() const noexcept { return bool(code); }
};
template <class T>
task<failure> failure_of(task<T> t) {
  try {
    co_await std::move(t);
  } catch (const std::system_error& e) {
    co_return failure{e.code(), e.what()};
  }
  co_return failure{};
}

// ---------------------------------------------------------------------------------------------
// Raw servers: a test accepts on a plain tcp::listener and writes what it likes.

// One request read from a raw connection: its head (up to and including the blank line) and
// its body (Content-Length, or chunked and decoded).
struct raw_request {
  std::string head;
  std::string body;
  std::string request_line() const { return head.substr(0, head.find("\r\n")); }
  // A header's value (first one, name compared case-insensitively), "" when absent.
  std::string header(std::string_view name) const;
};

// Reads one request from `s`, keeping bytes beyond it in `pending`. nullopt when the client
// closed the connection before a whole request arrived.
task<std::optional<raw_request>> read_request(stream& s, std::string& pending);

// Accepts one connection, reads one request and answers `reply` (bytes as given), then closes
// the connection unless `keep_open` (then returns the stream so the test can go on with it).
// The request read is stored in `*seen` when given.
task<stream> answer_once(tcp::listener& l, std::string reply, raw_request* seen = nullptr,
                         bool keep_open = false);

// "http://127.0.0.1:PORT" + target.
std::string local_url(std::uint16_t port, std::string_view target);

// Whether the machine can bind an IPv6 loopback socket.
bool have_ipv6_loopback();

// n bytes of varied printable text (so that a misplaced or repeated piece shows).
std::string pattern(std::size_t n);

}  // namespace coronet::http_client_test
