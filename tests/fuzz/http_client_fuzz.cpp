// Fuzz target: the HTTP client (http::client: its response reading, 1xx skipping, HEAD,
// chunked, Content-Length and close-delimited bodies, keep-alive pooling and the retry of a
// request on a pooled connection) fed arbitrary responses by a peer on a loopback TCP listener.
//
// The input gives the requests (one or two, GET or HEAD), the client's limits and buffer size,
// and the bytes the peer answers each request with (the first at a point chosen from the input),
// written in pieces; after the last the peer closes its side.
//
// Invariants: a request ends with a response or with a std::system_error of http::errc or an
// errno (never another exception, never an unhandled one); a response is final (101 or
// 200-999); a HEAD, 204 or 304 response has an empty body; a body read whole keeps the limit;
// nothing hangs.
#include <algorithm>
#include <coroutine>
#include <cstdint>
#include <exception>
#include <optional>
#include <stop_token>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include "coronet/cancellation.hpp"
#include "coronet/error.hpp"
#include "coronet/http/client.hpp"
#include "coronet/http/error.hpp"
#include "coronet/tcp_listener.hpp"
#include "coronet/when_all.hpp"
#include "fuzz_support.hpp"
#include "parser.hpp"

namespace {

using coronet::task;
using coronet::fuzz::fail;
namespace http = coronet::http;

struct yield_awaiter {
  bool await_ready() const noexcept { return false; }
  void await_suspend(std::coroutine_handle<> h) const { coronet::scheduler::current().schedule(h); }
  void await_resume() const noexcept {}
};

coronet::tcp::listener& listener() {
  // Made on the first run, on the process's scheduler, and kept: a listener per input would
  // cost a bind and leave its port behind.
  static auto* l = new coronet::tcp::listener(
      coronet::tcp::listener::bind(coronet::tcp::endpoint{"127.0.0.1", 0}));
  return *l;
}

struct script {
  std::vector<std::string_view> answers;  // what the peer writes after the n-th request
  std::size_t piece = 0;                  // written in pieces of this size (0: at once)
  std::vector<bool> heads;                // the requests' methods, HEAD or GET
  std::size_t next = 0;
};

// Reads one request head (the client sends GET and HEAD without a body); false at the end.
task<bool> read_request(coronet::stream& s) {
  std::string head;
  char buf[4096];
  while (head.find("\r\n\r\n") == std::string::npos) {
    const std::size_t n = co_await s.read_some(std::span<char>(buf));
    if (n == 0) co_return false;
    head.append(buf, n);
  }
  co_return true;
}

task<> write_answer(coronet::stream& s, std::string_view data, std::size_t piece) {
  while (piece > 0 && data.size() > piece) {
    co_await s.write_all(data.substr(0, piece));
    data.remove_prefix(piece);
    co_await yield_awaiter{};
  }
  co_await s.write_all(data);
}

// Whether `answer` holds a whole final response to a GET (or HEAD) that keeps the connection
// open: read by the client's own parser, as the client will. Only then does the peer wait for
// another request on the connection; otherwise it closes its side after the answer, or the
// client, waiting for the rest of a response, and the peer, waiting for a request, would wait
// for each other for ever.
bool keeps_connection(std::string_view answer, bool head) {
  http::response r;
  http::detail::parser p(r, http::detail::parse_limits{});
  p.expect_no_body(head);
  for (std::size_t steps = 0; steps < 2 * answer.size() + 16; ++steps) {
    const auto st = p.current();
    if (st == http::detail::parser::state::failed) return false;
    if (st == http::detail::parser::state::done) {
      if (r.status >= 200 || r.status == 101) return p.keep_alive() && !p.upgrade();
      p.next_message();
      continue;
    }
    if (answer.empty() && !p.paused()) return false;
    answer.remove_prefix(p.feed(answer.data(), answer.size()));
    p.body_pieces().clear();
  }
  return false;
}

// Serves the connections the client opens, one after the other, until cancelled.
task<> peer(script& sc) {
  for (;;) {
    coronet::stream s = co_await listener().accept();
    try {
      for (;;) {
        const bool got = co_await read_request(s);
        if (!got) break;
        const std::size_t i = sc.next++;
        if (i < sc.answers.size()) co_await write_answer(s, sc.answers[i], sc.piece);
        if (i + 1 >= sc.answers.size() || !keeps_connection(sc.answers[i], sc.heads[i]))
          s.shutdown();
      }
    } catch (const std::system_error& e) {
      if (coronet::is_cancellation(e)) throw;
      // The client reset the connection (it closes one whose response it did not finish).
    }
  }
}

void check_error(const std::system_error& e) {
  const auto& cat = e.code().category();
  if (cat != http::category() && cat != coronet::errno_category())
    fail("client: an error of an unexpected category", e.what());
  if (e.code() == http::errc::unsupported_url) fail("client: the URL was fine", e.what());
}

task<> requests(std::vector<bool> heads, http::client_options o) {
  const std::string url = "http://127.0.0.1:" + std::to_string(listener().port()) + "/fuzz";
  http::client c(o);
  for (const bool head : heads) {
    const char* method = head ? "HEAD" : "GET";
    try {
      http::incoming in = co_await c.open(method, url);
      const int status = in.status();
      if (status != 101 && (status < 200 || status > 999)) fail("client: a non-final response");
      const std::string body = co_await in.read_all();
      if (body.size() > o.max_body_size) fail("client: a body over the limit");
      if ((head || status == 204 || status == 304) && !body.empty())
        fail("client: a body where none can be");
    } catch (const std::system_error& e) {
      check_error(e);
    } catch (const std::exception& e) {
      fail("client: an unexpected exception", e.what());
    }
  }
}

task<> exercise(script sc, std::vector<bool> heads, http::client_options o) {
  std::stop_source stop;
  auto client = [&]() -> task<> {
    co_await requests(std::move(heads), o);
    stop.request_stop();  // ends the peer's accept (or the read it is in)
  };
  auto serve = [&]() -> task<> {
    try {
      co_await peer(sc);
    } catch (const std::system_error& e) {
      if (!coronet::is_cancellation(e)) throw;
    }
  };
  co_await coronet::when_all(coronet::with_stop_token(stop.get_token(), serve()), client());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const bool once = (coronet::fuzz::abort_on_unhandled_exceptions(), true);
  (void)once;
  coronet::fuzz::input in(data, size);
  const std::uint8_t config = in.byte();
  std::vector<bool> heads{(config & 1) != 0};
  if (config & 2) heads.push_back((config & 4) != 0);
  http::client_options o;
  o.connect_timeout = std::chrono::milliseconds(0);
  constexpr std::size_t buffers[] = {16 * 1024, 1, 7, 64};
  o.read_buffer_size = buffers[(config >> 3) & 3];
  if (config & 0x20) {
    o.max_header_size = 120;
    o.max_body_size = 16;
  }
  script sc;
  sc.heads = heads;
  constexpr std::size_t pieces[] = {0, 1, 5, 40};
  sc.piece = pieces[(config >> 6) & 3];
  const std::size_t cut = in.byte();
  std::string_view bytes = in.rest();
  if (heads.size() == 2) {
    // The first answer ends where the input says (a fraction of it), the second is the rest.
    const std::size_t first = bytes.size() * cut / 255;
    sc.answers = {bytes.substr(0, first), bytes.substr(first)};
  } else {
    sc.answers = {bytes};
  }
  coronet::fuzz::loop().run(exercise(sc, std::move(heads), o));
  return 0;
}
