#include "coronet/http/client.hpp"

#include <algorithm>
#include <charconv>
#include <stdexcept>

#include "client_connection.hpp"
#include "coronet/error.hpp"
#include "coronet/http/error.hpp"
#include "coronet/tcp_connect.hpp"
#include "coronet/with_timeout.hpp"
#ifdef CORONET_HAS_TLS
#include "coronet/tls/connect.hpp"
#endif
#include "url.hpp"

namespace coronet::http {
namespace {

// A body this small goes out in the same write as the head.
constexpr std::size_t coalesce_limit = 64 * 1024;

using target = detail::url;
using detail::parse_url;

bool idempotent(std::string_view method) {
  return method == "GET" || method == "HEAD" || method == "PUT" || method == "DELETE" ||
         method == "OPTIONS" || method == "TRACE";
}

// "connect 127.0.0.1:8888" out of "connect 127.0.0.1:8888: Connection refused".
std::string context_of(const std::system_error& e) {
  std::string what = e.what();
  const std::string suffix = ": " + e.code().message();
  if (what.size() >= suffix.size() &&
      what.compare(what.size() - suffix.size(), suffix.size(), suffix) == 0)
    what.resize(what.size() - suffix.size());
  return what;
}

[[noreturn]] void throw_parse_error(const detail::parser& p, std::string_view what) {
  std::string context(what);
  if (!p.error_reason().empty()) context += " (" + p.error_reason() + ")";
  throw_error(p.error(), context);
}

}  // namespace

namespace detail {
struct request_args {
  std::string method;
  std::string url;
  fields headers;
  std::string body;
  body_source source;
  std::string what() const { return method + " " + url; }
};
}  // namespace detail

namespace {

#ifdef CORONET_HAS_TLS
task<detail::transport> connect_tls(detail::client_pool& pool, const target& t) {
  tls::connect_options o;
  o.server_name = t.host;
  o.timeout = pool.options.connect_timeout;
  tls::stream s = co_await tls::connect(t.host, t.port, pool.tls_context(), std::move(o));
  co_return detail::transport(std::move(s));
}
#endif

task<detail::transport> open_connection(detail::client_pool& pool, const target& t) {
#ifdef CORONET_HAS_TLS
  if (t.secure) co_return co_await connect_tls(pool, t);
#endif
  const std::string where = t.host + ":" + std::to_string(t.port);
  if (pool.options.connect_timeout.count() <= 0) {
    stream s = co_await tcp::connect(t.host, t.port);
    co_return detail::transport(std::move(s));
  }
  try {
    stream s = co_await with_timeout(pool.options.connect_timeout, tcp::connect(t.host, t.port));
    co_return detail::transport(std::move(s));
  } catch (const std::system_error& e) {
    if (e.code() != std::errc::timed_out) throw;
  }
  throw_error(std::make_error_code(std::errc::timed_out), "connect " + where);
}

std::string request_head(const detail::request_args& a, const target& t) {
  std::string out;
  out.reserve(128 + a.body.size());
  out.append(a.method).append(" ").append(t.request_target).append(" HTTP/1.1\r\n");
  if (!a.headers.contains("Host")) out.append("Host: ").append(t.host_header).append("\r\n");
  // Userinfo in the URL ("http://user:pass@host/") is sent as Basic credentials, as Node does,
  // unless the caller set an Authorization header of its own.
  if (!t.authorization.empty() && !a.headers.contains("Authorization"))
    out.append("Authorization: ").append(t.authorization).append("\r\n");
  for (auto [name, value] : a.headers) {
    if (iequals(name, "Content-Length") || iequals(name, "Transfer-Encoding")) continue;
    check_field(name, value);
    out.append(name).append(": ").append(value).append("\r\n");
  }
  if (a.source) {
    out.append("Transfer-Encoding: chunked\r\n");
  } else if (!a.body.empty() || a.method == "POST" || a.method == "PUT" || a.method == "PATCH") {
    out.append("Content-Length: ").append(std::to_string(a.body.size())).append("\r\n");
  }
  out.append("\r\n");
  return out;
}

task<> write(detail::client_connection& c, std::string_view data) {
  if (c.socket.secure()) {
    co_await c.socket.secure_write(data);
  } else {
    co_await c.socket.socket().write_all(data);
  }
}

// `out`: request_head()'s.
task<> send_request(detail::client_connection& c, const detail::request_args& a, std::string out) {
  if (a.body.size() <= coalesce_limit) {
    out.append(a.body);
    co_await write(c, out);
  } else {
    co_await write(c, out);
    co_await write(c, a.body);
  }
  if (!a.source) co_return;
  for (;;) {
    std::string piece = co_await a.source();
    out.clear();
    char size[20];
    auto [end, ec] = std::to_chars(size, size + sizeof size, piece.size(), 16);
    out.append(size, end).append("\r\n").append(piece).append("\r\n");
    if (piece.empty()) out.append("\r\n");  // "0\r\n" + "\r\n": the last chunk, no trailers
    co_await write(c, out);
    if (piece.empty()) break;
  }
}

// Reads until a final (not 1xx) response head has been parsed.
task<> read_head(detail::client_connection& c, bool head_request) {
  auto& p = c.reader;
  p.expect_no_body(head_request);
  for (;;) {
    if (!c.in.empty() || p.paused()) {
      c.in.feed(p);
    } else {
      const std::size_t n = co_await c.in.fill(c.socket);
      if (n == 0) {
        p.finish();
        if (p.current() != detail::parser::state::failed)  // nothing of a response came
          throw_error(make_error_code(errc::incomplete_message), "read response");
      } else {
        c.got_bytes = true;
      }
    }
    if (p.current() == detail::parser::state::failed) throw_parse_error(p, "read response");
    if (!p.take_head_ready()) continue;
    if (c.head.status >= 200 || c.head.status == 101) co_return;
    // An interim response (100 Continue, 103 Early Hints): skip it, the final one follows.
    while (p.current() == detail::parser::state::body) c.in.feed(p);  // it has no body
    if (p.current() == detail::parser::state::failed) throw_parse_error(p, "read response");
    p.next_message();
  }
}

// Runs `t` (within the client's overall timeout) and names the request in its errors.
template <class T>
task<T> in_context(const client_options& o, std::string what, task<T> t) {
  std::error_code code;
  std::string context;
  bool verbatim = false;  // the cause's text does not end in its code's words
  try {
    if (o.timeout.count() > 0) co_return co_await with_timeout(o.timeout, std::move(t));
    co_return co_await std::move(t);
  } catch (const std::system_error& e) {
    if (is_cancellation(e)) throw;
    code = e.code();
    context = context_of(e);
    verbatim = context == e.what();
    if (code == std::errc::timed_out && context == "operation timed out")
      context = "no response within " + std::to_string(o.timeout.count()) + " ms";
  }
  // Errors from reading the body already name the request (incoming says it for open()).
  if (context.rfind(what, 0) != 0) context = what + ": " + context;
  // The cause's text goes on after its code's words (TLS errors: "handshake 127.0.0.1:8443:
  // certificate verify failed: ..."): the request's name, then that text as it is.
  if (verbatim) throw coronet::detail::described_error(code, std::move(context));
  throw_error(code, context);
}

}  // namespace

incoming::incoming(std::unique_ptr<detail::client_connection> c,
                   std::shared_ptr<detail::client_pool> pool, std::string what)
    : conn_(std::move(c)), pool_(std::move(pool)), what_(std::move(what)) {
  head_ = std::move(conn_->head);
}

incoming::incoming(incoming&&) noexcept = default;
incoming& incoming::operator=(incoming&&) noexcept = default;
incoming::~incoming() = default;

task<std::string_view> incoming::read_some() {
  if (!conn_) co_return std::string_view();
  detail::client_connection& c = *conn_;
  auto& p = c.reader;
  auto& pieces = p.body_pieces();
  for (;;) {
    if (c.piece_at < pieces.size()) co_return pieces[c.piece_at++];
    pieces.clear();
    c.piece_at = 0;
    if (p.current() == detail::parser::state::done) {
      if (p.keep_alive() && !p.upgrade()) pool_->give(std::move(conn_));
      conn_.reset();
      co_return std::string_view();
    }
    if (p.current() == detail::parser::state::failed)
      throw_parse_error(p, what_ + ": read response body");
    if (!c.in.empty() || p.paused()) {
      c.in.feed(p);
      continue;
    }
    const std::size_t n = co_await c.in.fill(c.socket);
    if (n == 0) p.finish();  // ends a body delimited by the close, fails any other
  }
}

task<std::string> incoming::read_all() {
  std::string body;
  const std::uint64_t limit = pool_->options.max_body_size;
  for (;;) {
    const std::string_view piece = co_await read_some();
    if (piece.empty()) break;
    if (body.size() + piece.size() > limit)
      throw_error(make_error_code(errc::body_too_large), what_ + ": read response body");
    body.append(piece);
  }
  co_return body;
}

client::client(client_options options)
    : pool_(std::make_shared<detail::client_pool>(std::move(options))) {}

client::~client() = default;

void client::close_idle() noexcept {
  pool_->clear();
}
std::size_t client::idle_connections() const noexcept {
  return pool_->idle_count();
}
const client_options& client::options() const noexcept {
  return pool_->options;
}

task<incoming> client::exchange(detail::request_args& a) {
  // The method goes on the request line as it is: anything but a token could split it.
  if (!is_token(a.method))
    throw std::invalid_argument("http: invalid method \"" + detail::printable(a.method) + "\"");
  const target t = parse_url(a.url);
  // Before connecting: a header the caller got wrong (CR or LF in a value could inject lines)
  // fails with invalid_argument, and nothing of the request reaches the server.
  const std::string head = request_head(a, t);
  const bool retry_allowed = idempotent(a.method) && !a.source;
  for (int attempt = 0;; ++attempt) {
    std::unique_ptr<detail::client_connection> c;
    if (attempt == 0) c = pool_->take(t.key);
    const bool reused = c != nullptr;
    if (!c) {
      detail::transport s = co_await open_connection(*pool_, t);
      c = std::make_unique<detail::client_connection>(std::move(s), t.key, pool_->options,
                                                      pool_->limits);
    }
    try {
      co_await send_request(*c, a, head);
      co_await read_head(*c, a.method == "HEAD");
      co_return incoming(std::move(c), pool_, a.what());
    } catch (const std::system_error& e) {
      // A pooled connection the server closed while it sat idle fails before any byte of the
      // response: try once more on a new one, when repeating the request is harmless.
      if (!reused || !retry_allowed || c->got_bytes || is_cancellation(e)) throw;
    }
  }
}

task<response> client::read_whole(detail::request_args& a) {
  incoming in = co_await exchange(a);
  std::string body = co_await in.read_all();
  response r = std::move(in.head_);
  r.body = std::move(body);
  co_return r;
}

task<response> client::get(std::string_view url, fields headers) {
  return request("GET", url, std::move(headers), std::string());
}

task<response> client::request(std::string_view method, std::string_view url, fields headers,
                               std::string body) {
  detail::request_args a{
      std::string(method), std::string(url), std::move(headers), std::move(body), {}};
  co_return co_await in_context(pool_->options, a.what(), read_whole(a));
}

task<response> client::request(std::string_view method, std::string_view url, fields headers,
                               body_source source) {
  detail::request_args a{
      std::string(method), std::string(url), std::move(headers), {}, std::move(source)};
  co_return co_await in_context(pool_->options, a.what(), read_whole(a));
}

task<incoming> client::open(std::string_view method, std::string_view url, fields headers,
                            std::string body) {
  detail::request_args a{
      std::string(method), std::string(url), std::move(headers), std::move(body), {}};
  co_return co_await in_context(pool_->options, a.what(), exchange(a));
}

task<upgrade_result> client::upgrade_exchange(detail::request_args& a) {
  const target t = parse_url(a.url, true);
  if (!a.headers.contains("Connection")) a.headers.add("Connection", "Upgrade");
  const std::string head = request_head(a, t);
  detail::transport s = co_await open_connection(*pool_, t);
  auto c = std::make_unique<detail::client_connection>(std::move(s), t.key, pool_->options,
                                                       pool_->limits);
  co_await send_request(*c, a, head);
  co_await read_head(*c, false);
  upgrade_result out;
  if (c->head.status == 101) {
    out.head = std::move(c->head);
    // What the server sent right behind its head (its first frames) is the new protocol's.
    received lent;
    std::string copy;
    c->in.take_rest(lent, copy);
    out.connection = upgraded(std::move(c->socket), std::move(lent), std::move(copy), {});
    co_return out;
  }
  incoming in(std::move(c), pool_, a.what());
  std::string body = co_await in.read_all();
  out.head = std::move(in.head_);
  out.head.body = std::move(body);
  co_return out;
}

task<upgrade_result> client::upgrade(std::string_view url, fields headers) {
  detail::request_args a{"GET", std::string(url), std::move(headers), {}, {}};
  co_return co_await in_context(pool_->options, a.what(), upgrade_exchange(a));
}

task<response> get(std::string_view url, client_options options) {
  client c(std::move(options));
  co_return co_await c.get(url);
}

}  // namespace coronet::http
