// connection: one accepted socket served request after request, and the server state the
// connections of one server share.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <stop_token>
#include <string>
#include <string_view>

#include "coronet/http/detail/transport.hpp"
#include "coronet/http/server.hpp"
#include "parser.hpp"
#include "read_buffer.hpp"

namespace coronet::http::detail {

using clock = std::chrono::steady_clock;

class session;

class server_state {
 public:
  server_state(server::handler h, server::stream_handler sh, server_options o);

  server::handler handler;
  server::stream_handler stream_handler;
  server_options options;
  parse_limits limits;
  bool closing = false;
  session* sessions = nullptr;  // intrusive list of running serve() calls
  std::size_t connections = 0;
};

// One serve() call: its listener and its connections.
class session {
 public:
  session(std::shared_ptr<server_state> s, std::function<void()> close_listener);
  ~session();
  session(const session&) = delete;
  session& operator=(const session&) = delete;

  void close_gracefully() noexcept;
  // Expires the connections whose deadline has passed; runs until `stop` is requested.
  task<> sweep();
  void connection_ended() noexcept;

  // Shared with the server object and every connection: a connection may outlive both the
  // serve() call and the server (destroyed unfinished at scheduler shutdown, say).
  std::shared_ptr<server_state> state;
  server_state& server;
  std::function<void()> close_listener;
  // HTTPS: makes each accepted socket a TLS stream (empty: plain HTTP).
  std::function<transport(stream)> secure;
  class connection* connections = nullptr;  // intrusive list
  std::size_t count = 0;
  bool accepting = true;
  std::stop_source sweep_stop;
  session* prev = nullptr;
  session* next = nullptr;
};

class connection {
 public:
  connection(std::shared_ptr<session> s, transport socket);
  ~connection();
  connection(const connection&) = delete;
  connection& operator=(const connection&) = delete;

  // Serves requests until the peer or the server ends the connection; never throws but for
  // the cancellation of the server itself.
  task<> run();

  // For the sweeper and graceful close.
  clock::time_point deadline() const noexcept { return deadline_; }
  void expire() noexcept;
  void close_gracefully() noexcept;
  void stop() noexcept { stop_.request_stop(); }

  // For exchange.
  request& req() noexcept { return req_; }
  task<std::string_view> read_body_some();
  task<> read_body_all();
  task<> respond(const response& r);
  void start_response(int status, const fields& headers, std::optional<std::uint64_t> length);
  task<> write_body(std::string_view piece);
  task<> finish_response();
  bool response_started() const noexcept { return started_; }

  connection* prev = nullptr;
  connection* next = nullptr;

 private:
  enum class framing { none, length, chunked, until_close };
  enum class expiry { none, idle, request_head, request_body, send, linger };

  task<> serve();
  // A 101 with its upgrade handler: the head, then the handler with the connection.
  task<> switch_protocols(const response& r);
  // TLS: the handshake, within the headers timeout; false if it failed (the connection ends).
  task<bool> handshake();
  // A plain HTTP request on the TLS port: answered 400 on the socket itself, as nginx does.
  task<> refuse_plain_http();
  // Half-closes (TLS: after close_notify).
  task<> shutdown_sending();
  task<bool> read_head();
  task<> dispatch();
  task<bool> drain_body();
  task<> reject(int status);
  task<> linger();
  task<> flush();
  task<std::size_t> receive();
  task<> send(std::string_view data);
  bool input_pending() const noexcept;
  task<> close_after_response();
  void advance();
  void set_deadline(expiry kind, std::chrono::milliseconds after) noexcept;
  void format_head(int status, std::string_view reason, const fields& headers, framing f,
                   std::uint64_t length);
  bool body_drainable() const noexcept;
  // Resets the per-exchange state for a new request; returns 0, or the status refusing it
  // (400 without a Host or with one that is no authority, or for a target of the wrong form;
  // 405 for CONNECT; 417 for an Expect it cannot meet; 505 for no HTTP/1.x).
  int begin_exchange() noexcept;

  std::shared_ptr<session> owner_;
  session& session_;
  server_state& server_;
  transport socket_;
  request req_;
  parser parser_;
  read_buffer in_;
  std::size_t piece_at_ = 0;
  std::string out_;
  std::stop_source stop_;
  // Requested by a graceful close: what an upgraded connection sees as closing_token().
  std::stop_source graceful_;
  bool upgraded_ = false;  // socket_ was handed to an upgrade handler

  clock::time_point deadline_ = clock::time_point::max();
  clock::time_point request_start_{};
  expiry expiry_ = expiry::none;
  bool timed_out_ = false;
  bool peer_failed_ = false;  // a read or write on the socket failed
  bool closing_ = false;
  std::size_t requests_ = 0;

  // The exchange in progress.
  bool expect_continue_ = false;
  bool continue_sent_ = false;
  bool started_ = false;    // a response head is formatted
  bool head_sent_ = false;  // and handed to the socket
  bool finished_ = false;   // the whole response is handed to the socket
  bool keep_alive_ = false;
  bool head_request_ = false;
  framing framing_ = framing::none;
  std::uint64_t body_left_ = 0;  // bytes a Content-Length response still owes
};

}  // namespace coronet::http::detail
