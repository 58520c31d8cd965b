// Fuzz target: the HTTP server fed arbitrary bytes, in two passes over each input.
//
// 1. The request parser alone (http::detail::parser, request mode, the server's limits or small
//    ones), fed in pieces whose sizes come from the input, every pipelined message parsed and its
//    body read: deterministic, and fast enough to explore the framing (chunked, Content-Length,
//    smuggling shapes) widely.
// 2. The real server (http::server, its connection and exchange code) serving one connection
//    over a socketpair on the process's one scheduler: the bytes written in pieces, then the
//    write side closed; a buffered or a streaming handler chosen from the input, which reads the
//    body whole, in pieces, not at all, or throws.
//
// Invariants: the parser fails only with http::errc and a 4xx/5xx status, never uses more than
// it was given, keeps its limits, and always moves on. The server reports no unhandled
// exception, hands its handler only requests within the limits, and what it writes back is a
// sequence of well-formed responses (a 100 Continue, then one per request, then maybe an error
// response) that ends: no hang, no crash, no leak.
#include <algorithm>
#include <coroutine>
#include <cstdint>
#include <exception>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include "coronet/detail/event.hpp"
#include "coronet/error.hpp"
#include "coronet/http/error.hpp"
#include "coronet/http/server.hpp"
#include "coronet/when_all.hpp"
#include "fuzz_support.hpp"
#include "parser.hpp"

namespace {

using coronet::task;
using coronet::fuzz::fail;
namespace http = coronet::http;

struct deliberate_failure : std::runtime_error {
  deliberate_failure() : std::runtime_error("the handler fails on purpose") {}
};

// ---- 1. the parser alone --------------------------------------------------------------------

// Returns the methods of the heads parsed, in order.
std::vector<std::string> parse_requests(std::string_view data, http::detail::parse_limits limits,
                                        std::vector<std::size_t> splits) {
  std::vector<std::string> methods;
  http::request req;
  http::detail::parser p(req, limits);
  std::string_view rest = data;
  std::size_t split_at = 0;
  std::uint64_t body = 0;
  for (std::size_t steps = 0;; ++steps) {
    if (steps > 2 * data.size() + 16) fail("parser makes no progress");
    const auto st = p.current();
    if (st == http::detail::parser::state::failed) {
      const int status = p.error_status();
      if (p.error().category() != http::category() || status < 400 || status > 599)
        fail("parser failed without an http::errc and an error status");
      return methods;
    }
    if (st == http::detail::parser::state::done) {
      if (p.body_bytes() > limits.max_body_size) fail("body over the limit");
      if (body != p.body_bytes()) fail("body pieces do not add up to the body");
      if (p.upgrade()) return methods;  // the server closes after an Upgrade or CONNECT
      body = 0;
      p.next_message();
      continue;
    }
    if (rest.empty() && !p.paused()) {
      p.finish();
      const auto end = p.current();
      if (end != http::detail::parser::state::idle && end != http::detail::parser::state::failed)
        fail("finish() left a message open");
      return methods;
    }
    std::size_t n = rest.size();
    if (!splits.empty())
      n = std::min(n, std::max<std::size_t>(1, splits[split_at++ % splits.size()]));
    const std::size_t used = p.feed(rest.data(), n);
    if (used > n) fail("parser used more bytes than it was given");
    for (std::string_view piece : p.body_pieces()) {
      if (piece.data() < rest.data() || piece.data() + piece.size() > rest.data() + used)
        fail("a body piece outside the bytes just parsed");
      body += piece.size();
    }
    p.body_pieces().clear();
    rest.remove_prefix(used);
    // A head over the size limit completes in llhttp but fails here: the server refuses it
    // unread (an error response with a body, whatever the method).
    if (p.take_head_ready() && p.current() != http::detail::parser::state::failed) {
      methods.push_back(req.method);
      // llhttp reads "CONNECT \r\n" as an HTTP/0.9 request with an empty target: the server
      // refuses anything but HTTP/1.x (and the handler check below holds it to that).
      if (req.method.empty() || (req.target.empty() && req.version_major == 1))
        fail("a head without method or target",
             "method \"" + req.method + "\" target \"" + req.target + "\"");
      if (req.headers.size() > limits.max_headers) fail("more headers than the limit");
    }
  }
}

// ---- 2. the real server ---------------------------------------------------------------------

// Hands the server one connection, then waits until the server closes it.
class one_connection_listener {
 public:
  explicit one_connection_listener(coronet::stream s) : s_(std::move(s)) {}
  task<coronet::stream> accept() {
    if (s_.is_open()) co_return std::move(s_);
    co_await closed_.wait();
    coronet::throw_error(std::make_error_code(std::errc::operation_canceled), "accept");
  }
  void close() noexcept {
    try {
      closed_.set();
    } catch (...) {
      std::terminate();
    }
  }

 private:
  coronet::stream s_;
  coronet::detail::event closed_;
};

struct yield_awaiter {
  bool await_ready() const noexcept { return false; }
  void await_suspend(std::coroutine_handle<> h) const { coronet::scheduler::current().schedule(h); }
  void await_resume() const noexcept {}
};

enum class mode { buffered, streaming, ignore_body, throws, streaming_length };

struct served {
  std::vector<std::string> methods;  // of the requests the handler got, in order
};

task<> handle(http::exchange& ex, mode m, served& log, const http::server_options& o) {
  http::request& req = ex.req();
  log.methods.push_back(req.method);
  if (req.method.empty() || req.target.empty() || req.version_major != 1)
    fail("server: a request without method/target or not HTTP/1.x");
  if (req.headers.size() > o.max_headers) fail("server: more headers than the limit");
  std::string body;
  if (m == mode::throws) throw deliberate_failure();
  if (m != mode::ignore_body) {
    for (;;) {
      const std::string_view piece = co_await ex.read_some();
      if (piece.empty()) break;
      body.append(piece);
      if (body.size() > o.max_body_size) fail("server: a body over the limit reached the handler");
    }
  }
  if (m == mode::streaming_length) {
    ex.start(200, {{"X-Mode", "length"}}, body.size());
    co_await ex.write(body);
  } else {
    ex.start(200, {{"X-Mode", "stream"}});
    co_await ex.write(req.target);
    co_await ex.write(body);
  }
  co_await ex.finish();
}

task<> write_request_bytes(coronet::stream& s, std::string_view data,
                           const std::vector<std::size_t>& splits) {
  for (std::size_t n : splits) {
    if (data.empty()) break;
    const std::string_view piece = data.substr(0, std::max<std::size_t>(1, n));
    data.remove_prefix(piece.size());
    co_await s.write_all(piece);
    co_await yield_awaiter{};
  }
  try {
    co_await s.write_all(data);
  } catch (const std::system_error&) {
    // The server may close before reading it all (after an error response and its linger):
    // that is allowed.
  }
  s.shutdown();
}

task<> read_responses(coronet::stream& s, std::string& out) {
  char buf[16384];
  for (;;) {
    std::size_t n = 0;
    try {
      n = co_await s.read_some(std::span<char>(buf));
    } catch (const std::system_error&) {
      co_return;  // a reset after the server closed with bytes unread
    }
    if (n == 0) co_return;
    out.append(buf, n);
  }
}

// The server's whole output must parse as responses, the n-th (interim ones aside) answering
// the n-th request the handler saw; one more may follow, the error response that ends the
// connection. `heads` are the methods of the requests the parser read (the same as the server's
// parser): the answer to a HEAD, the error response too, has no body.
void check_responses(std::string_view out, const served& log,
                     const std::vector<std::string>& heads) {
  http::response head;
  http::detail::parse_limits limits;
  limits.max_header_size = 1 << 20;
  http::detail::parser p(head, limits);
  std::size_t index = 0;
  std::string_view rest = out;
  for (std::size_t steps = 0;; ++steps) {
    if (steps > 2 * out.size() + 16) fail("response parser makes no progress");
    const auto st = p.current();
    if (st == http::detail::parser::state::failed)
      fail("server wrote a malformed response",
           p.error_reason() + " in:\n" + std::string(out.substr(0, 400)));
    if (st == http::detail::parser::state::done) {
      if (head.status >= 200) ++index;
      p.next_message();
      continue;
    }
    if (st == http::detail::parser::state::idle)
      p.expect_no_body(index < heads.size() && heads[index] == "HEAD");
    if (rest.empty() && !p.paused()) {
      p.finish();
      if (p.current() == http::detail::parser::state::failed)
        fail("server's response cut short", std::string(out.substr(0, 300)));
      // A response without a length (to HTTP/1.0) ends where the server closed.
      if (p.current() == http::detail::parser::state::done && head.status >= 200) ++index;
      break;
    }
    const std::size_t used = p.feed(rest.data(), rest.size());
    rest.remove_prefix(used);
    p.body_pieces().clear();
    if (p.take_head_ready() && (head.status < 100 || head.status > 599))
      fail("server wrote a bad status");
  }
  if (index < log.methods.size()) fail("server answered fewer requests than its handler got");
  if (index > log.methods.size() + 1) fail("server wrote more responses than requests");
}

task<> serve_bytes(std::string_view data, mode m, http::server_options o,
                   std::vector<std::size_t> splits, std::vector<std::string> heads) {
  auto pair = coronet::fuzz::stream_pair();
  coronet::stream server_end = std::move(pair.first);
  coronet::stream client_end = std::move(pair.second);
  served log;
  std::unique_ptr<http::server> srv;
  o.on_handler_error = [](std::exception_ptr e, const http::request&) {
    try {
      std::rethrow_exception(e);
    } catch (const deliberate_failure&) {
    } catch (const std::exception& x) {
      fail("server: the handler met an unexpected exception", x.what());
    }
  };
  if (m == mode::buffered) {
    srv = std::make_unique<http::server>(
        [&log](http::request& req) -> task<http::response> {
          log.methods.push_back(req.method);
          if (req.method.empty() || req.target.empty() || req.version_major != 1)
            fail("server: a request without method/target or not HTTP/1.x");
          co_return http::response(200, req.body, "text/plain");
        },
        o);
  } else {
    srv = std::make_unique<http::server>(
        [&log, m, &o](http::exchange& ex) -> task<> { return handle(ex, m, log, o); }, o);
  }
  one_connection_listener l(std::move(server_end));
  std::string out;
  auto client = [&]() -> task<> {
    co_await coronet::when_all(write_request_bytes(client_end, data, splits),
                               read_responses(client_end, out));
    srv->close();
  };
  co_await coronet::when_all(srv->serve(l), client());
  check_responses(out, log, heads);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const bool once = (coronet::fuzz::abort_on_unhandled_exceptions(), true);
  (void)once;
  coronet::fuzz::input in(data, size);
  const std::uint8_t config = in.byte();
  http::server_options o;
  if (config & 1) {  // small limits, reached by small inputs
    o.max_header_size = 200;
    o.max_headers = 4;
    o.max_body_size = 64;
  }
  const auto m = static_cast<mode>((config >> 1) % 5);
  std::vector<std::size_t> splits;
  for (std::size_t n = (config >> 4) & 3; n > 0; --n) splits.push_back(in.byte());
  const std::string_view bytes = in.rest();

  http::detail::parse_limits limits;
  limits.max_header_size = o.max_header_size;
  limits.max_headers = o.max_headers;
  limits.max_body_size = o.max_body_size;
  std::vector<std::string> heads = parse_requests(bytes, limits, splits);
  coronet::fuzz::loop().run(serve_bytes(bytes, m, o, std::move(splits), std::move(heads)));
  return 0;
}
