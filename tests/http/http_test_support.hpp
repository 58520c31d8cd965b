// Helpers shared by the HTTP server tests: a coronet::http::server running on a thread of its
// own (listening on 127.0.0.1, port 0), and a blocking raw-socket client with a small, strict
// HTTP/1.1 response reader, so that the tests drive the server with exactly the bytes they
// mean, and read exactly what it sent, without going through coronet's own client.
//
//   coronet::http_test::server_thread srv([](coronet::http::request& req)
//                                             -> coronet::task<coronet::http::response> {
//     co_return coronet::http::response(200, req.target);
//   });
//   coronet::http_test::raw_client c(srv.port());
//   c.send("GET /hello HTTP/1.1\r\nHost: x\r\n\r\n");
//   auto r = c.read_response();   // r.status == 200, r.body == "/hello"
//
// The test thread is the client; the server's loop never blocks. Every wait is bounded
// (io_timeout by default) and throws std::runtime_error saying what it waited for, which
// GoogleTest reports as the test's failure.
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <exception>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <stop_token>
#include <string>
#include <string_view>
#include <thread>
#include <type_traits>
#include <utility>
#include <vector>

#include "coronet/core.hpp"
#include "coronet/http.hpp"
#include "coronet/http/server.hpp"
#include "coronet/io.hpp"
#include "test_support.hpp"  // tests/support: event, next_turn, unhandled_reports

namespace coronet::http_test {

using namespace std::chrono_literals;

// The bound of every wait for the server: far above any scheduling hiccup on a loaded machine,
// far below CTest's limit.
inline constexpr std::chrono::milliseconds io_timeout{5000};

// ---------------------------------------------------------------------------------------------
// Responses as the client reads them.

struct raw_response {
  std::string version;  // "HTTP/1.1"
  int status = 0;
  std::string reason;
  std::vector<std::pair<std::string, std::string>> headers;  // in order, as sent
  std::string body;                                          // de-chunked
  bool chunked = false;                                      // the body came chunked
  std::vector<std::size_t> chunk_sizes;  // of a chunked body, without the last 0
  bool until_close = false;              // the body ran until the close
  std::string head;                      // status line and headers, raw

  // The first value of `name` (case-insensitive), if any.
  std::optional<std::string> header(std::string_view name) const;
  std::size_t count(std::string_view name) const;
  bool has(std::string_view name) const { return count(name) > 0; }
  // Whether the Connection header says "close" / "keep-alive".
  bool says_close() const;
  bool says_keep_alive() const;
};

// Thrown when the server's bytes are not a well-formed HTTP/1.1 response.
struct bad_response : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// Parses one response from the front of `buffer` and removes it from there. `head_request`: the
// request was HEAD (no body follows). `eof`: the peer has closed (a body without a length ends
// there). nullopt when `buffer` does not hold a whole response yet. Strict: every line must end
// in CRLF, a chunked body must be framed exactly.
std::optional<raw_response> parse_response(std::string& buffer, bool head_request, bool eof);

// ---------------------------------------------------------------------------------------------
// A blocking TCP client on the test thread.

class raw_client {
 public:
  // Connects to 127.0.0.1:port.
  explicit raw_client(std::uint16_t port);
  ~raw_client();
  raw_client(const raw_client&) = delete;
  raw_client& operator=(const raw_client&) = delete;

  // Writes all of `bytes` (MSG_NOSIGNAL: a closed peer is an exception, not SIGPIPE).
  void send(std::string_view bytes);
  // Writes as much of `bytes` as possible; false if the peer closed or reset meanwhile.
  bool try_send(std::string_view bytes) noexcept;
  void shutdown_write();

  // The next response (interim 1xx ones included), read within `timeout`.
  raw_response read_response(bool head_request = false,
                             std::chrono::milliseconds timeout = io_timeout);
  // Reads until the server closes the connection; returns what arrived and was not consumed.
  std::string read_to_eof(std::chrono::milliseconds timeout = io_timeout);
  // Waits until the server closes the connection (EOF or reset); false if it still had not after
  // `timeout`. Bytes that arrive meanwhile are kept in pending().
  bool closed_within(std::chrono::milliseconds timeout);
  // Whether at least one byte (or the close) arrives within `timeout`.
  bool readable_within(std::chrono::milliseconds timeout);

  // Received and not consumed yet.
  const std::string& pending() const noexcept { return in_; }
  // For a protocol spoken after an upgrade (WebSocket frames), which the caller parses out of
  // buffer() itself: one more read, appended there, waiting up to `timeout` (throws past it);
  // false at the end of the stream.
  bool receive_more(std::chrono::milliseconds timeout = io_timeout) {
    return fill(std::chrono::steady_clock::now() + timeout, "more bytes");
  }
  std::string& buffer() noexcept { return in_; }
  bool eof() const noexcept { return eof_; }
  bool reset() const noexcept { return reset_; }
  coronet::native_handle_type fd() const noexcept { return fd_; }

 private:
  // One recv, waiting until `deadline`; false at end of stream (or reset). Throws on timeout.
  bool fill(std::chrono::steady_clock::time_point deadline, const char* waiting_for);

  coronet::native_handle_type fd_ = -1;  // a SOCKET on Windows
  std::string in_;
  bool eof_ = false;
  bool reset_ = false;
};

// Request text helpers.
// "GET target HTTP/1.1\r\nHost: test\r\n<extra>\r\n" (extra: whole lines, each ending in CRLF).
std::string get(std::string_view target, std::string_view extra = {});
// A POST with a Content-Length body.
std::string post(std::string_view target, std::string_view body, std::string_view extra = {});
// `body` as chunks of `piece` bytes (the last may be shorter), then the last chunk.
std::string chunked(std::string_view body, std::size_t piece);

// One request on a new connection, its response.
raw_response fetch(std::uint16_t port, std::string_view request_bytes, bool head_request = false);

// Request smuggling and hostile input: `bad` then a pipelined "GET /smuggled" on a new connection
// to a server whose handler answers every request. Checks the answer is `status` with its
// reason, "Connection: close", then EOF with nothing more: after bad bytes nothing on the
// connection can be trusted, so the follow-up must never reach the handler nor be answered.
void expect_rejected(std::string_view bad, int status);

// n bytes of a seed-dependent pseudo-random printable text.
std::string text(std::size_t n, std::uint32_t seed = 1);

// ---------------------------------------------------------------------------------------------
// Synchronisation between the server's thread and the test's.

// A one-shot, thread-safe notification.
class notification {
 public:
  void notify();
  // True once notified; false if `timeout` passed first.
  bool wait(std::chrono::milliseconds timeout = io_timeout);
  bool notified() const;

 private:
  mutable std::mutex m_;
  std::condition_variable cv_;
  bool set_ = false;
};

// A thread-safe list of values handlers record (targets seen, errors...).
template <class T>
class recorder {
 public:
  void add(T v) {
    std::lock_guard lock(m_);
    items_.push_back(std::move(v));
  }
  std::vector<T> all() const {
    std::lock_guard lock(m_);
    return items_;
  }
  std::size_t size() const {
    std::lock_guard lock(m_);
    return items_.size();
  }

 private:
  mutable std::mutex m_;
  std::vector<T> items_;
};

// ---------------------------------------------------------------------------------------------
// A coronet::http::server serving a tcp::listener on 127.0.0.1 (port 0) inside coronet::run, on
// a thread of its own (over TLS when given a tls::context). The destructor cancels serve() if it
// still runs and joins the thread.

class server_thread {
 public:
  explicit server_thread(http::server::handler h, http::server_options o = {});
  explicit server_thread(http::server::stream_handler h, http::server_options o = {});
#ifdef CORONET_HAS_TLS
  // HTTPS: serve(listener, tls) instead (tls: a tls::context::server() with a certificate).
  server_thread(http::server::handler h, http::server_options o, tls::context tls);
  server_thread(http::server::stream_handler h, http::server_options o, tls::context tls);
#endif
  ~server_thread();
  server_thread(const server_thread&) = delete;
  server_thread& operator=(const server_thread&) = delete;

  std::uint16_t port() const noexcept {
    return port_;
  }

  // Runs `fn` on the server's thread and returns its result (or rethrows its exception).
  template <class F>
  std::invoke_result_t<F&> call(F fn) {
    using R = std::invoke_result_t<F&>;
    auto done = std::make_shared<std::promise<R>>();
    auto result = done->get_future();
    const bool posted = remote_.post([done, fn = std::move(fn)]() mutable {
      try {
        if constexpr (std::is_void_v<R>) {
          fn();
          done->set_value();
        } else {
          done->set_value(fn());
        }
      } catch (...) {
        done->set_exception(std::current_exception());
      }
    });
    if (!posted) throw std::runtime_error("server_thread::call: the server's loop has ended");
    if (result.wait_for(io_timeout) != std::future_status::ready)
      throw std::runtime_error("server_thread::call: the server's loop did not run the call");
    return result.get();
  }

  // server::close() (graceful), on the server's thread.
  void close();
  // Cancels serve().
  void cancel();
  // Waits for serve() to return: true if it did within `timeout`.
  bool wait_stopped(std::chrono::milliseconds timeout = io_timeout);
  bool stopped() const;
  // How serve() ended: nullptr when it returned, its exception otherwise. Only once stopped().
  std::exception_ptr serve_error() const;
  std::size_t connection_count();

 private:
  void start(std::unique_ptr<http::server> srv);
  task<> serve(tcp::listener& l);

  std::unique_ptr<http::server> server_;
#ifdef CORONET_HAS_TLS
  std::optional<tls::context> tls_;
#endif
  std::thread thread_;
  remote_scheduler remote_;
  std::uint16_t port_ = 0;
  std::stop_source serve_stop_;  // used on the server's thread only
  test::event* quit_ = nullptr;  // lives in main()'s frame, on the server's thread
  mutable std::mutex m_;
  std::condition_variable cv_;
  bool stopped_ = false;
  std::exception_ptr serve_error_;
};

}  // namespace coronet::http_test
