#include <algorithm>

#include "connection.hpp"
#include "coronet/cancellation.hpp"
#include "coronet/error.hpp"
#include "coronet/task_group.hpp"
#include "coronet/timer.hpp"
#ifdef CORONET_HAS_TLS
#include "coronet/tls/stream.hpp"
#endif

namespace coronet::http {
namespace detail {
namespace {

// How often the sweeper looks for connections past their deadline: an eighth of the shortest
// timeout in force (so a timeout fires at most 12.5% late), between 5 ms and 1 s.
clock::duration sweep_interval(const server_options& o) {
  std::chrono::milliseconds shortest{2000};  // the linger time after an error response
  for (auto t : {o.headers_timeout, o.request_timeout, o.keep_alive_timeout, o.send_timeout})
    if (t.count() > 0) shortest = std::min(shortest, t);
  return std::clamp<clock::duration>(shortest / 8, std::chrono::milliseconds(5),
                                     std::chrono::seconds(1));
}

// Owns its session like the connections do, for the same reason.
task<> sweep(std::shared_ptr<session> s) {
  co_await s->sweep();
}

// Whatever one connection meets (even memory exhaustion making its buffer) ends that connection
// only: coronet::serve reports it (as "http connection") and goes on.
task<> serve_connection(std::shared_ptr<session> s, stream socket) {
  transport t = s->secure ? s->secure(std::move(socket)) : transport(std::move(socket));
  connection c(std::move(s), std::move(t));
  co_await c.run();
}

task<> join_sweeper(task_group& g) {
  co_await g.join();
}

}  // namespace

server_state::server_state(server::handler h, server::stream_handler sh, server_options o)
    : handler(std::move(h)), stream_handler(std::move(sh)), options(std::move(o)) {
  limits.max_header_size = options.max_header_size;
  limits.max_headers = options.max_headers;
  limits.max_body_size = options.max_body_size;
  if (options.read_buffer_size < 1024) options.read_buffer_size = 1024;
}

session::session(std::shared_ptr<server_state> s, std::function<void()> close)
    : state(std::move(s)), server(*state), close_listener(std::move(close)) {
  next = server.sessions;
  if (next) next->prev = this;
  server.sessions = this;
}

session::~session() {
  if (prev) prev->next = next;
  if (next) next->prev = prev;
  if (server.sessions == this) server.sessions = next;
}

void session::close_gracefully() noexcept {
  if (accepting) close_listener();
  for (connection* c = connections; c; c = c->next) c->close_gracefully();
}

void session::connection_ended() noexcept {
  --count;
}

task<> session::sweep() {
  const clock::duration every = sweep_interval(server.options);
  for (;;) {
    co_await sleep_for(every);
    const clock::time_point now = clock::now();
    for (connection* c = connections; c; c = c->next)
      if (c->deadline() <= now) c->expire();
  }
}

}  // namespace detail

request& exchange::req() noexcept {
  return c_->req();
}
task<std::string_view> exchange::read_some() {
  return c_->read_body_some();
}
task<> exchange::read_body() {
  return c_->read_body_all();
}
task<> exchange::respond(const response& r) {
  return c_->respond(r);
}
void exchange::start(int status, fields headers, std::optional<std::uint64_t> content_length) {
  c_->start_response(status, headers, content_length);
}
task<> exchange::write(std::string_view piece) {
  return c_->write_body(piece);
}
task<> exchange::finish() {
  return c_->finish_response();
}
bool exchange::started() const noexcept {
  return c_->response_started();
}

server::server(handler h, server_options options)
    : state_(std::make_shared<detail::server_state>(std::move(h), nullptr, std::move(options))) {}

server::server(stream_handler h, server_options options)
    : state_(std::make_shared<detail::server_state>(nullptr, std::move(h), std::move(options))) {}

server::~server() = default;

void server::close() noexcept {
  state_->closing = true;
  for (detail::session* s = state_->sessions; s; s = s->next) s->close_gracefully();
}

std::size_t server::connection_count() const noexcept {
  return state_->connections;
}
const server_options& server::options() const noexcept {
  return state_->options;
}

#ifdef CORONET_HAS_TLS
task<> server::serve_impl(coronet::detail::listener_ref l, tls::context ctx) {
  // HTTP/1.1 is all this server speaks: a client offering h2 first must not get it.
  ctx.set_alpn({"http/1.1"});
  auto secure = [ctx](stream s) {
    return detail::transport(tls::stream::server(std::move(s), ctx));
  };
  return serve_impl(std::move(l), std::move(secure));
}
#endif

task<> server::serve_impl(coronet::detail::listener_ref l) {
  return serve_impl(std::move(l), std::function<detail::transport(stream)>());
}

task<> server::serve_impl(coronet::detail::listener_ref l,
                          std::function<detail::transport(stream)> secure) {
  auto owned = std::make_shared<detail::session>(state_, l.close);
  owned->secure = std::move(secure);
  detail::session& s = *owned;
  task_group sweeper;
  sweeper.spawn(with_stop_token(s.sweep_stop.get_token(), detail::sweep(owned)));
  serve_options o;
  // Cancelled: no grace, every connection stops now. close() is the graceful way: it closes the
  // listener and asks idle connections to end and busy ones to end after their response, and
  // serve() then waits for them however long they take (their own timeouts bound it).
  o.drain_timeout = std::chrono::milliseconds(0);
  o.on_error = [](std::exception_ptr e) {
    report_unhandled_exception(std::move(e), "http connection");
  };
  std::exception_ptr failure;
  if (state_->closing) {
    l.close();  // close() came before this serve() started
  } else {
    // The handler and the task are locals, not temporaries of the co_await expression: GCC 12
    // destroyed the lambda temporary (and its copy of `owned`) twice there, freeing the session
    // while connections still used it (docs/architecture.md: one co_await per statement, no
    // temporaries with destructors inside it).
    connection_handler handler(
        [owned](stream socket) { return detail::serve_connection(owned, std::move(socket)); });
    task<> serving = coronet::detail::serve(l, std::move(handler), std::move(o));
    try {
      co_await std::move(serving);
    } catch (...) {
      failure = std::current_exception();
    }
  }
  s.accepting = false;
  s.sweep_stop.request_stop();
  co_await coronet::detail::shielded(detail::join_sweeper(sweeper));
  if (failure) std::rethrow_exception(failure);
}

}  // namespace coronet::http
