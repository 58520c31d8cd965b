#include "connection.hpp"

#include <algorithm>
#include <charconv>
#include <cstring>
#include <stdexcept>

#include "coronet/cancellation.hpp"
#include "coronet/detail/native.hpp"
#include "coronet/error.hpp"
#include "coronet/http/error.hpp"
#include "date.hpp"
#include "request_target.hpp"
#ifdef CORONET_HAS_TLS
#include "coronet/tls/error.hpp"
#endif

namespace coronet::http::detail {
namespace {

// A request body left unread by its handler is read and dropped, so that the connection can
// serve the next request, when no more than this much of it is left; otherwise the connection
// is closed after the response.
constexpr std::uint64_t max_drain = 256 * 1024;
// After an error response: how long, and how much, the server keeps reading (and dropping) what
// the client still sends, so that closing does not reset the connection and destroy the
// response before the client read it (nginx's lingering close).
constexpr std::chrono::milliseconds linger_time{2000};
constexpr std::size_t linger_bytes = 1024 * 1024;
// A body this small is copied behind the head and both go out in one write.
constexpr std::size_t coalesce_limit = 64 * 1024;

void append_number(std::string& out, std::uint64_t n, int base = 10) {
  char digits[24];
  auto [end, ec] = std::to_chars(digits, digits + sizeof digits, n, base);
  out.append(digits, end);
}

bool is_plain_http(std::error_code ec) noexcept {
#ifdef CORONET_HAS_TLS
  return ec == tls::errc::plain_http;
#else
  (void)ec;
  return false;
#endif
}

bool framing_header(std::string_view name) noexcept {
  return iequals(name, "Content-Length") || iequals(name, "Transfer-Encoding") ||
         iequals(name, "Connection") || iequals(name, "Keep-Alive");
}

}  // namespace

connection::connection(std::shared_ptr<session> s, transport socket)
    : owner_(std::move(s)),
      session_(*owner_),
      server_(session_.server),
      socket_(std::move(socket)),
      parser_(req_, server_.limits),
      in_(server_.options.read_buffer_size, read_buffer::mode::lent) {
  next = session_.connections;
  if (next) next->prev = this;
  session_.connections = this;
  ++session_.count;
  ++server_.connections;
  if (server_.closing) closing_ = true;
}

connection::~connection() {
  if (prev) prev->next = next;
  if (next) next->prev = prev;
  if (session_.connections == this) session_.connections = next;
  --server_.connections;
  session_.connection_ended();
}

void connection::expire() noexcept {
  deadline_ = clock::time_point::max();
  timed_out_ = true;
  stop_.request_stop();
}

void connection::close_gracefully() noexcept {
  closing_ = true;
  graceful_.request_stop();
  // Waiting for a request that has not begun: nothing in flight, close now.
  if (parser_.current() == parser::state::idle && expiry_ == expiry::idle) stop_.request_stop();
}

void connection::set_deadline(expiry kind, std::chrono::milliseconds after) noexcept {
  expiry_ = kind;
  deadline_ = after.count() > 0 ? clock::now() + after : clock::time_point::max();
}

task<> connection::run() {
  // The server's own cancellation reaches this connection's operations through stop_, which the
  // sweeper and graceful close also use.
  std::stop_token outer = co_await this_task::stop_token();
  std::stop_callback forward(outer, [this]() noexcept { stop_.request_stop(); });
  int late_status = 0;
  bool ended_well = false;
  bool idle_end = false;
  try {
    co_await with_stop_token(stop_.get_token(), serve());
    ended_well = true;
  } catch (const std::system_error& e) {
    // A socket error (the client reset, ...) ends just this connection: that is what clients
    // do, and it is not the server's failure. A timeout gets the client a 408 if it was in the
    // middle of sending a request (Node does the same).
    if (is_cancellation(e) && outer.stop_requested()) throw;
    const auto st = parser_.current();
    if (timed_out_ && !head_sent_ && (st == parser::state::head || st == parser::state::body)) {
      late_status = 408;
    } else if (is_cancellation(e) && st == parser::state::idle && expiry_ == expiry::idle) {
      // Stopped while waiting for a request (close(), or the keep-alive timeout): an end as
      // clean as the client's own, and over TLS it gets close_notify too, or the client could
      // not tell it from a connection cut by someone on the path.
      idle_end = true;
    }
  } catch (...) {
    // Not a socket error and not the handler's (dispatch catches those): a bug or memory
    // exhaustion. It ends this connection only, and is reported, not swallowed.
    report_unhandled_exception(std::current_exception(), "http connection");
  }
  if (idle_end && socket_.secure()) {
    // The stop that ended the wait must not cancel the close_notify; the sweeper bounds it.
    std::stop_source fresh;
    stop_ = std::move(fresh);
    set_deadline(expiry::send, server_.options.send_timeout);
  }
  // An upgraded connection's socket went to its handler, which closed it.
  if (upgraded_) co_return;
  const bool clean = (ended_well && !peer_failed_) || idle_end;
  if (clean && socket_.secure() && socket_.socket().is_open()) {
    // close_notify: the client can tell that the connection ended, not that it was cut.
    try {
      co_await with_stop_token(stop_.get_token(), shutdown_sending());
    } catch (const std::system_error& e) {
      if (is_cancellation(e) && outer.stop_requested()) throw;
      // The client left first: nobody to tell.
    }
  }
  if (late_status != 0) {
    std::stop_source fresh;
    stop_ = std::move(fresh);
    try {
      co_await with_stop_token(stop_.get_token(), reject(late_status));
    } catch (const std::system_error& e) {
      if (is_cancellation(e) && outer.stop_requested()) throw;
    }
  }
  socket_.close();
}

task<> connection::serve() {
  if (socket_.secure()) {
    const bool secured = co_await handshake();
    if (!secured) co_return;
  }
  for (;;) {
    head_request_ = false;  // until begin_exchange() knows this request's method
    const bool got_request = co_await read_head();
    if (!got_request) co_return;
    ++requests_;
    if (parser_.current() == parser::state::failed) {
      co_await reject(parser_.error_status());
      co_return;
    }
    const int refusal = begin_exchange();
    if (refusal != 0) {
      co_await reject(refusal);
      co_return;
    }
    co_await dispatch();
    if (upgraded_) co_return;
    if (!keep_alive_ || closing_) {
      co_await close_after_response();
      co_return;
    }
    const bool drained = co_await drain_body();
    if (!drained) {
      co_await close_after_response();
      co_return;
    }
    parser_.next_message();
  }
}

int connection::begin_exchange() noexcept {
  expect_continue_ = continue_sent_ = false;
  started_ = head_sent_ = finished_ = false;
  keep_alive_ = false;
  framing_ = framing::none;
  body_left_ = 0;
  piece_at_ = 0;
  head_request_ = req_.method == "HEAD";
  // Only HTTP/1.x is served. llhttp reads a request line without a version as HTTP/0.9 and lets
  // "CONNECT \r\n" through with an empty target (found by tests/fuzz/http_server_fuzz): with a
  // Host line that reached the handler.
  if (req_.version_major != 1) return 505;
  if (req_.target.empty()) return 400;
  // coronet offers no tunnels: CONNECT is refused before any handler sees it (nginx answers it
  // with 405 as well), so that no handler's 2xx can tell a client a tunnel is open (with a
  // Content-Length it has no meaning after a 2xx to CONNECT, RFC 9110 9.3.6), and the
  // connection closes (the client may already be sending tunnel bytes).
  if (req_.method == "CONNECT") return 405;
  // RFC 9112 3.2: origin-form ("/a?b"), absolute-form ("http://host/a", whose authority
  // replaces Host and whose path is what request::path() gives the router), and asterisk-form
  // for OPTIONS; authority-form is CONNECT's alone. Any other target is refused.
  const auto absolute = split_absolute_form(req_.target);
  if (req_.target[0] != '/' && !(req_.target == "*" && req_.method == "OPTIONS") &&
      !(absolute.is && !absolute.authority.empty() && valid_authority(absolute.authority)))
    return 400;
  // RFC 9112 3.2: an HTTP/1.1 request without exactly one Host line gets 400 (as in Node), and
  // so does a Host that is no authority ("a b", "a/b", an unbracketed "::1"): a proxy in front
  // may route by it differently. (Transfer-Encoding in HTTP/1.0 and the other framing faults
  // are the parser's: see parser::check_head.)
  const std::size_t hosts = req_.headers.count("Host");
  if (hosts > 1 || (hosts == 0 && (req_.version_major > 1 || req_.version_minor >= 1))) return 400;
  if (hosts == 1 && !valid_authority(*req_.headers.find("Host"))) return 400;
  const auto expect = req_.headers.find("Expect");
  if (!expect) return 0;
  // Only 100-continue is defined (RFC 9110 10.1.1); anything else gets 417.
  if (!iequals(*expect, "100-continue")) return 417;
  expect_continue_ = req_.version_major == 1 && req_.version_minor >= 1;
  return 0;
}

task<bool> connection::read_head() {
  // The first request of a connection must arrive within the headers timeout, later ones
  // within the keep-alive timeout after the previous response.
  if (requests_ == 0) {
    set_deadline(expiry::idle, server_.options.headers_timeout);
  } else {
    set_deadline(expiry::idle, server_.options.keep_alive_timeout);
  }
  for (;;) {
    if (!in_.empty()) {
      advance();
      const auto st = parser_.current();
      if (st == parser::state::failed) co_return true;
      if (parser_.take_head_ready()) {
        // No body at all: finish the message now, so that no request deadline runs while the
        // handler works and the connection counts as ready for the next request.
        if (!parser_.chunked() && parser_.content_length() == 0) advance();
        co_return true;
      }
      continue;
    }
    if (closing_ && parser_.current() == parser::state::idle) co_return false;
    const std::size_t n = co_await receive();
    if (n == 0) {
      // The client closed: between requests that is how keep-alive ends; inside one it gave
      // up, and nobody is left to answer.
      co_return false;
    }
  }
}

void connection::advance() {
  const auto before = parser_.current();
  in_.feed(parser_);
  const auto after = parser_.current();
  if (before == parser::state::idle && after != parser::state::idle) {
    request_start_ = clock::now();
    const auto& o = server_.options;
    auto limit = o.headers_timeout;
    if (o.request_timeout.count() > 0 && (limit.count() == 0 || o.request_timeout < limit))
      limit = o.request_timeout;
    set_deadline(expiry::request_head, limit);
  }
  if (after == parser::state::body && before != parser::state::body) {
    // The rest of the request must arrive within the request timeout of its start.
    const auto t = server_.options.request_timeout;
    expiry_ = expiry::request_body;
    deadline_ = t.count() > 0 ? request_start_ + t : clock::time_point::max();
  }
  if (after == parser::state::done) {
    expiry_ = expiry::none;
    deadline_ = clock::time_point::max();
  }
}

task<> connection::flush() {
  if (out_.empty()) co_return;
  co_await send(out_);
  out_.clear();
}

task<std::size_t> connection::receive() {
  try {
    co_return co_await in_.fill(socket_);
  } catch (const std::system_error&) {
    peer_failed_ = true;
    throw;
  }
}

task<> connection::send(std::string_view data) {
  // A client that stops reading must not hold the connection (and its buffers) for ever.
  const auto saved_deadline = deadline_;
  const auto saved_expiry = expiry_;
  set_deadline(expiry::send, server_.options.send_timeout);
  try {
    if (socket_.secure()) {
      co_await socket_.secure_write(data);
    } else {
      co_await socket_.socket().write_all(data);
    }
  } catch (const std::system_error&) {
    peer_failed_ = true;
    throw;
  }
  deadline_ = saved_deadline;
  expiry_ = saved_expiry;
}

bool connection::input_pending() const noexcept {
  return socket_.peek() > 0;
}

task<> connection::close_after_response() {
  // Closing with unread bytes in the socket makes the kernel reset the connection, and the
  // reset can destroy the response before the client has read it: linger when bytes may be
  // there (a body left unread, pipelined requests, anything after "Connection: close").
  if (!in_.empty() || parser_.current() != parser::state::done || input_pending())
    co_await linger();
}

task<std::string_view> connection::read_body_some() {
  auto& pieces = parser_.body_pieces();
  for (;;) {
    if (piece_at_ < pieces.size()) co_return pieces[piece_at_++];
    pieces.clear();
    piece_at_ = 0;
    switch (parser_.current()) {
      case parser::state::done:
        co_return std::string_view();
      case parser::state::failed:
        throw_error(parser_.error(), "read request body");
      default:
        break;
    }
    if (!in_.empty() || parser_.paused()) {
      advance();
      continue;
    }
    if (expect_continue_ && !continue_sent_ && !started_) {
      // The client waits for this before it sends the body.
      continue_sent_ = true;
      co_await send(std::string_view("HTTP/1.1 100 Continue\r\n\r\n"));
    }
    const std::size_t n = co_await receive();
    if (n == 0) {
      parser_.finish();
      throw_error(make_error_code(errc::incomplete_message), "read request body");
    }
  }
}

task<> connection::read_body_all() {
  for (;;) {
    std::string_view piece = co_await read_body_some();
    if (piece.empty()) co_return;
    req_.body.append(piece);
  }
}

task<> connection::dispatch() {
  std::exception_ptr failure;
  try {
    if (server_.stream_handler) {
      exchange ex(*this);
      co_await server_.stream_handler(ex);
      if (!finished_) {
        if (!started_) throw std::logic_error("http: the handler returned without a response");
        co_await finish_response();
      }
    } else {
      co_await read_body_all();
      response r = co_await server_.handler(req_);
      co_await respond(r);
    }
  } catch (const std::system_error& e) {
    // This connection's timeout or the server's stop end the connection; a cancellation the
    // handler met on its own is its failure like any other.
    if (is_cancellation(e) && stop_.stop_requested()) throw;
    // The client reset or went away while the handler read the body or wrote the response:
    // the connection ends, quietly, as for any socket error.
    if (peer_failed_) throw;
    failure = std::current_exception();
  } catch (...) {
    failure = std::current_exception();
  }
  if (!failure) co_return;
  keep_alive_ = false;
  if (parser_.current() == parser::state::failed) {
    // The body was bad (too large, malformed, cut short): that, not the handler, is the error.
    if (!head_sent_) co_await reject(parser_.error_status());
    co_return;
  }
  if (server_.options.on_handler_error) {
    server_.options.on_handler_error(failure, req_);
  } else {
    std::string where = "http handler for " + req_.method + " " + req_.target;
    report_unhandled_exception(failure, where);
  }
  // Once bytes of the response went out, only closing tells the client it is incomplete.
  if (!head_sent_) co_await reject(500);
}

bool connection::body_drainable() const noexcept {
  const auto st = parser_.current();
  if (st == parser::state::done) return true;
  if (st == parser::state::failed) return false;
  // A client waiting for "100 Continue" that it never got may never send the body.
  if (expect_continue_ && !continue_sent_) return false;
  if (parser_.chunked()) return false;
  // Without Content-Length (and not chunked) a request has no body (RFC 9112 6.3).
  return parser_.content_length() - parser_.body_bytes() <= max_drain;
}

task<bool> connection::drain_body() {
  while (parser_.current() != parser::state::done) {
    const std::string_view piece = co_await read_body_some();
    if (piece.empty()) break;
  }
  co_return parser_.current() == parser::state::done;
}

void connection::format_head(int status, std::string_view reason, const fields& headers, framing f,
                             std::uint64_t length) {
  // Everything is checked before anything is written: a refused field must leave no half head
  // behind for the error response that follows.
  if (reason.find_first_of(std::string_view("\r\n\0", 3)) != std::string_view::npos)
    throw std::invalid_argument("http: reason phrase with CR, LF or NUL");
  for (auto [name, value] : headers)
    if (!framing_header(name)) check_field(name, value);
  const auto& o = server_.options;
  keep_alive_ = parser_.keep_alive() && !closing_ && !parser_.upgrade() &&
                !headers.has_token("Connection", "close") && f != framing::until_close &&
                (o.max_requests_per_connection == 0 || requests_ < o.max_requests_per_connection) &&
                body_drainable();
  framing_ = f;
  out_.append("HTTP/1.1 ");
  append_number(out_, static_cast<std::uint64_t>(status));
  out_.push_back(' ');
  out_.append(reason.empty() ? reason_phrase(status) : reason);
  out_.append("\r\n");
  bool has_date = false;
  for (auto [name, value] : headers) {
    if (framing_header(name)) continue;
    has_date = has_date || iequals(name, "Date");
    out_.append(name).append(": ").append(value).append("\r\n");
  }
  if (!has_date) out_.append("Date: ").append(http_date()).append("\r\n");
  if (keep_alive_) {
    out_.append("Connection: keep-alive\r\n");
    if (o.keep_alive_timeout.count() > 0) {
      out_.append("Keep-Alive: timeout=");
      append_number(out_, static_cast<std::uint64_t>((o.keep_alive_timeout.count() + 999) / 1000));
      out_.append("\r\n");
    }
  } else {
    out_.append("Connection: close\r\n");
  }
  if (f == framing::length) {
    out_.append("Content-Length: ");
    append_number(out_, length);
    out_.append("\r\n");
  } else if (f == framing::chunked) {
    out_.append("Transfer-Encoding: chunked\r\n");
  }
  out_.append("\r\n");
  started_ = true;
  body_left_ = length;
  // A HEAD response announces the length of the body it does not send.
  if (head_request_ && f == framing::length) body_left_ = 0;
}

namespace {
// A handler's status must be a final one: coronet sends no interim responses and switches no
// protocols, and a status line has three digits.
void check_status(int status) {
  if (status < 200 || status > 999)
    throw std::logic_error("http: a handler's response status must be 200-999, not " +
                           std::to_string(status));
}
}  // namespace

task<> connection::respond(const response& r) {
  if (started_) throw std::logic_error("http: the response was already started");
  if (r.status == 101) {
    co_await switch_protocols(r);
    co_return;
  }
  check_status(r.status);
  const bool no_body = response_has_no_body(r.status, head_request_ ? "HEAD" : "");
  const bool bodiless_status = response_has_no_body(r.status, "");
  format_head(r.status, r.reason, r.headers, bodiless_status ? framing::none : framing::length,
              r.body.size());
  if (!no_body && r.body.size() <= coalesce_limit) out_.append(r.body);
  head_sent_ = true;
  co_await flush();
  if (!no_body && r.body.size() > coalesce_limit) co_await send(r.body);
  finished_ = true;
}

task<> connection::switch_protocols(const response& r) {
  if (!r.upgrade) throw std::logic_error("http: a 101 response needs its upgrade handler");
  // RFC 9110 7.8: a server switches only to what the request asked for ("Connection: upgrade"
  // and an Upgrade header; llhttp's upgrade flag), and never on HEAD.
  if (!parser_.upgrade() || head_request_)
    throw std::logic_error("http: a 101 response to a request that asked for no upgrade");
  if (r.reason.find_first_of(std::string_view("\r\n\0", 3)) != std::string_view::npos)
    throw std::invalid_argument("http: reason phrase with CR, LF or NUL");
  for (auto [name, value] : r.headers)
    if (!framing_header(name)) check_field(name, value);
  out_.append("HTTP/1.1 101 ");
  out_.append(r.reason.empty() ? reason_phrase(101) : r.reason);
  out_.append("\r\n");
  for (auto [name, value] : r.headers) {
    if (framing_header(name)) continue;
    out_.append(name).append(": ").append(value).append("\r\n");
  }
  out_.append("Connection: Upgrade\r\n\r\n");
  started_ = head_sent_ = true;
  keep_alive_ = false;
  co_await flush();
  finished_ = true;
  // From here the connection is the handler's: its timeouts are its own, the sweeper leaves it
  // alone, and a graceful close reaches it as closing_token(); the server's cancellation still
  // reaches it through stop_.
  upgraded_ = true;
  set_deadline(expiry::none, std::chrono::milliseconds(0));
  received lent;
  std::string copy;
  in_.take_rest(lent, copy);
  std::function<task<>(upgraded)> hook = r.upgrade;
  upgraded conn(std::move(socket_), std::move(lent), std::move(copy), graceful_.get_token());
  task<> t = hook(std::move(conn));
  co_await std::move(t);
}

void connection::start_response(int status, const fields& headers,
                                std::optional<std::uint64_t> length) {
  if (started_) throw std::logic_error("http: the response was already started");
  check_status(status);
  framing f = framing::length;
  if (response_has_no_body(status, "")) {
    f = framing::none;
  } else if (!length) {
    f = req_.version_minor >= 1 || req_.version_major > 1 ? framing::chunked : framing::until_close;
  }
  format_head(status, {}, headers, f, length.value_or(0));
  if (head_request_ || f == framing::none) framing_ = framing::none;
}

task<> connection::write_body(std::string_view piece) {
  if (!started_) start_response(200, {}, std::nullopt);
  if (finished_) throw std::logic_error("http: write after the response was finished");
  if (framing_ == framing::none || piece.empty()) {
    // HEAD and bodiless statuses: the bytes are dropped (the head still goes out on finish).
    co_return;
  }
  if (framing_ == framing::length) {
    if (piece.size() > body_left_)
      throw std::logic_error("http: response body longer than its Content-Length");
    body_left_ -= piece.size();
  }
  if (framing_ == framing::chunked) {
    append_number(out_, piece.size(), 16);
    out_.append("\r\n");
  }
  head_sent_ = true;
  if (piece.size() <= coalesce_limit) {
    out_.append(piece);
    if (framing_ == framing::chunked) out_.append("\r\n");
    co_await flush();
  } else {
    co_await flush();
    co_await send(piece);
    if (framing_ == framing::chunked) co_await send(std::string_view("\r\n"));
  }
}

task<> connection::finish_response() {
  if (!started_) start_response(200, {}, std::uint64_t{0});
  if (finished_) co_return;
  if (framing_ == framing::length && body_left_ != 0) {
    // The client would wait for bytes that never come; closing tells it the body is cut short.
    keep_alive_ = false;
    head_sent_ = true;
    co_await flush();
    finished_ = true;
    throw std::logic_error("http: response body shorter than its Content-Length");
  }
  if (framing_ == framing::chunked) out_.append("0\r\n\r\n");
  head_sent_ = true;
  co_await flush();
  finished_ = true;
}

task<> connection::reject(int status) {
  // An error response, then the connection closes: what follows the bad bytes cannot be
  // trusted to be the start of another request.
  closing_ = true;
  out_.clear();
  started_ = false;
  response r(status, std::string(reason_phrase(status)) + "\n", "text/plain");
  // RFC 9110 15.5.6: a 405 says what is allowed. Only CONNECT gets one from the server itself,
  // and its target is no resource: nothing is (an empty Allow).
  if (status == 405) r.headers.add("Allow", "");
  format_head(status, {}, r.headers, framing::length, r.body.size());
  // A response to HEAD has no body, an error response neither (RFC 9110 9.3.2): its client
  // would read the text as the start of another response (found by tests/fuzz/http_server_fuzz:
  // a HEAD whose handler threw got "Internal Server Error" behind its 500). head_request_ is
  // the current request's once begin_exchange() ran, false when its head could not be read.
  if (!head_request_) out_.append(r.body);
  head_sent_ = true;
  finished_ = true;
  keep_alive_ = false;
  co_await flush();
  co_await linger();
}

task<> connection::shutdown_sending() {
  if (socket_.secure()) {
    co_await socket_.secure_shutdown();
  } else {
    socket_.socket().shutdown();
  }
}

task<bool> connection::handshake() {
  // The handshake is the start of the first request: a client that stalls in it is held off by
  // the headers timeout, as one that stalls in its headers (slowloris) is.
  set_deadline(expiry::request_head, server_.options.headers_timeout);
  bool plain_http = false;
  try {
    co_await socket_.handshake();
    set_deadline(expiry::idle, server_.options.keep_alive_timeout);
    co_return true;
  } catch (const std::system_error& e) {
    if (is_cancellation(e)) throw;
    // Any other failure is the client's (garbage, an unknown CA, a protocol it lacks): it just
    // loses its connection. nginx answers plain HTTP with a 400; so do we.
    peer_failed_ = true;
    plain_http = is_plain_http(e.code());
  }
  if (plain_http) co_await refuse_plain_http();
  co_return false;
}

task<> connection::refuse_plain_http() {
  static constexpr std::string_view answer =
      "HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain\r\nContent-Length: 49\r\n"
      "Connection: close\r\n\r\nThe plain HTTP request was sent to an HTTPS port\n";
  stream& s = socket_.socket();
  set_deadline(expiry::send, server_.options.send_timeout);
  co_await s.write_all(answer);
  s.shutdown();
  // Read what the client still sends, so that closing does not reset the answer away.
  set_deadline(expiry::linger, linger_time);
  std::size_t total = 0;
  while (total < linger_bytes) {
    received r = co_await s.receive();
    if (!r) break;
    total += r.size();
  }
}

task<> connection::linger() {
  co_await shutdown_sending();
  set_deadline(expiry::linger, linger_time);
  std::size_t total = 0;
  try {
    while (total < linger_bytes) {
      const std::size_t n = co_await receive();
      if (n == 0) break;
      total += n;
    }
  } catch (const std::system_error& e) {
    // The linger deadline (or a reset) ends it; the server's own stop goes on up.
    if (!is_cancellation(e) || !timed_out_) throw;
  }
  in_.clear();
}

}  // namespace coronet::http::detail
