// Fuzz target: the process channel's reading side (Node's 'json' serialization: one JSON value
// per '\n'-ended line, NODE_* internal messages, NODE_HANDLE without a descriptor) fed
// arbitrary bytes through a real socketpair, in pieces chosen from the input, with a size limit
// chosen from the input.
//
// Invariants: receive() fails only with channel errors (bad_message, message_too_long) and goes
// on after them; it never gives an internal message or more messages than lines; it ends (the
// peer closed). Every message received, sent back, arrives as the same JSON value.
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>
#include <cmath>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

#include "coronet/process/channel.hpp"
#include "coronet/when_all.hpp"
#include "fuzz_support.hpp"

namespace {

using coronet::task;
using coronet::fuzz::fail;

struct yield_awaiter {
  bool await_ready() const noexcept { return false; }
  void await_suspend(std::coroutine_handle<> h) const { coronet::scheduler::current().schedule(h); }
  void await_resume() const noexcept {}
};

// Writes `data` in pieces of the given sizes (the rest at once), giving the reader a turn after
// each, then ends the stream.
task<> write_pieces(coronet::stream& s, std::string_view data, std::vector<std::size_t> sizes) {
  for (std::size_t n : sizes) {
    const std::string_view piece = data.substr(0, n);
    data.remove_prefix(piece.size());
    co_await s.write_all(piece);
    co_await yield_awaiter{};
  }
  co_await s.write_all(data);
  s.shutdown();
}

bool internal(const boost::json::value& v) {
  const auto* o = v.if_object();
  if (!o) return false;
  const auto* cmd = o->if_contains("cmd");
  return cmd && cmd->is_string() && cmd->get_string().starts_with("NODE_");
}

task<> receive_all(coronet::process::channel& ch, std::size_t lines,
                   std::vector<boost::json::value>& got) {
  // Each receive gives a message, an error for one line, or the end: never more than one per
  // line and two (the end, an oversized unterminated tail) beyond.
  for (std::size_t calls = 0;; ++calls) {
    if (calls > lines + 2) fail("channel: more receive results than lines");
    try {
      std::optional<boost::json::value> m = co_await ch.receive();
      if (!m) co_return;
      if (internal(*m)) fail("channel: an internal message reached the program");
      got.push_back(std::move(*m));
    } catch (const std::system_error& e) {
      if (e.code().category() != coronet::process::channel_category())
        fail("channel: unexpected receive error", e.what());
    }
  }
}

// `v` as the channel sends it: JSON has no Infinity or NaN (1e400 reads as infinity); like
// JSON.stringify, the channel writes null for them.
boost::json::value sent_as(boost::json::value v) {
  std::vector<boost::json::value*> todo{&v};
  while (!todo.empty()) {
    boost::json::value& x = *todo.back();
    todo.pop_back();
    if (x.is_double() && !std::isfinite(x.get_double())) x = nullptr;
    if (auto* a = x.if_array())
      for (auto& e : *a) todo.push_back(&e);
    if (auto* o = x.if_object())
      for (auto& kv : *o) todo.push_back(&kv.value());
  }
  return v;
}

// a == b, but for doubles within a few units in the last place: the channel writes the shortest
// text that reads back as the same double, but Boost.JSON 1.81's parser (here) is not exact
// (its precise mode came in 1.83), and can read that text as a neighbouring double.
bool same(const boost::json::value& a, const boost::json::value& b) {
  std::vector<std::pair<const boost::json::value*, const boost::json::value*>> todo{{&a, &b}};
  while (!todo.empty()) {
    const auto [x, y] = todo.back();
    todo.pop_back();
    if (x->kind() != y->kind()) return false;
    if (x->is_double()) {
      const double p = x->get_double(), q = y->get_double();
      if (p != q && !(std::abs(p - q) <= std::abs(p) * 1e-14)) return false;
    } else if (const auto* xa = x->if_array()) {
      const auto& ya = y->get_array();
      if (xa->size() != ya.size()) return false;
      for (std::size_t k = 0; k < xa->size(); ++k) todo.push_back({&(*xa)[k], &ya[k]});
    } else if (const auto* xo = x->if_object()) {
      const auto& yo = y->get_object();
      if (xo->size() != yo.size()) return false;
      for (auto xi = xo->begin(), yi = yo.begin(); xi != xo->end(); ++xi, ++yi) {
        if (xi->key() != yi->key()) return false;
        todo.push_back({&xi->value(), &yi->value()});
      }
    } else if (*x != *y) {
      return false;
    }
  }
  return true;
}

// Sends back what came, then disconnects.
task<> send_all(coronet::process::channel& ch, const std::vector<boost::json::value>& got) {
  for (const auto& v : got) co_await ch.send(v);
  ch.disconnect();
}

// What the peer gets: the NACKs the channel answered handle lines without a descriptor with,
// and the lines sent back.
task<> read_lines(coronet::stream& s, std::string& out) {
  char buf[16384];
  for (;;) {
    const std::size_t n = co_await s.read_some(std::span<char>(buf));
    if (n == 0) co_return;
    out.append(buf, n);
  }
}

task<> exercise(std::string_view data, std::vector<std::size_t> sizes, std::size_t max_message) {
  auto pair = coronet::fuzz::stream_pair();
  coronet::stream peer = std::move(pair.second);
  coronet::process::channel ch(std::move(pair.first), max_message);
  std::size_t lines = 0;
  for (char c : data) lines += c == '\n';
  std::vector<boost::json::value> got;
  co_await coronet::when_all(write_pieces(peer, data, std::move(sizes)),
                             receive_all(ch, lines, got));
  std::string back;
  co_await coronet::when_all(send_all(ch, got), read_lines(peer, back));
  std::size_t i = 0;
  std::string_view rest = back;
  while (!rest.empty()) {
    const std::size_t nl = rest.find('\n');
    if (nl == std::string_view::npos) fail("channel: a line sent without its end");
    const std::string_view line = rest.substr(0, nl);
    rest.remove_prefix(nl + 1);
    if (line == R"({"cmd":"NODE_HANDLE_NACK"})") continue;
    if (i >= got.size()) fail("channel: more lines sent than messages", std::string(line));
    boost::json::error_code ec;
    boost::json::parse_options po;
    po.max_depth = 4096;
    const boost::json::value v = boost::json::parse(line, ec, {}, po);
    if (ec) fail("channel: a line it sent does not parse", ec.message());
    if (!same(v, sent_as(got[i]))) fail("channel: sent back as another value", std::string(line));
    ++i;
  }
  if (i != got.size()) fail("channel: messages sent back went missing");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const bool once = (coronet::fuzz::abort_on_unhandled_exceptions(), true);
  (void)once;
  coronet::fuzz::input in(data, size);
  constexpr std::size_t limits[] = {coronet::process::channel::default_max_message, 16, 300};
  const std::size_t max_message = limits[in.below(3)];
  std::vector<std::size_t> sizes;
  for (std::size_t n = in.below(4); n > 0; --n) sizes.push_back(in.byte());
  coronet::fuzz::loop().run(exercise(in.rest(), std::move(sizes), max_message));
  return 0;
}
