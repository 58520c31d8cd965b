// Fuzz target: a TLS server (tls::stream over a socketpair) fed input-chosen bytes, in one of two
// ways chosen by the first byte:
//
// 1. Raw: the input is what a client sends, in pieces whose sizes the input chooses, then the
//    end of the stream. Explores the ClientHello parsing and the handshake's error paths.
// 2. Man in the middle: a real coronet client and server, with a relay between them that passes
//    the server's bytes through and changes the client's from an input-chosen offset (bytes
//    flipped, dropped, inserted, or the stream cut there). The client sends input-chosen
//    plaintext after its handshake. This drives the record path (decryption, lengths, alerts,
//    truncation) with bytes no one could make valid without the keys.
//
// Invariants: every failure is a std::system_error with a tls::errc or an errno (never another
// exception, a crash or a leak); the server ends (no hang); and what the server reads is always
// a prefix of what the client sent: a changed record is refused, never delivered.
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <exception>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include "coronet/error.hpp"
#include "coronet/tls.hpp"
#include "coronet/when_all.hpp"
#include "coronet/with_timeout.hpp"
#include "fuzz_support.hpp"

namespace {

using coronet::task;
using coronet::fuzz::fail;
namespace tls = coronet::tls;

const tls::context& server_context() {
  static const tls::context ctx = [] {
    tls::context c = tls::context::server();
    c.use(tls::make_self_signed({"localhost"}));
    return c;
  }();
  return ctx;
}

const tls::context& client_context() {
  static const tls::context ctx = [] {
    tls::context c = tls::context::client();
    c.disable_verification_unsafe();
    return c;
  }();
  return ctx;
}

// A failure the server may meet: its own TLS errors, or the socket's.
void check_failure(std::string_view who) {
  try {
    throw;
  } catch (const std::system_error& e) {
    const auto& cat = e.code().category();
    if (cat != tls::category() && cat != std::system_category() && cat != std::generic_category() &&
        cat != coronet::coronet_category() && cat != coronet::errno_category())
      fail("an unexpected error category", std::string(who) + ": " + e.what());
  } catch (const std::exception& e) {
    fail("not a std::system_error", std::string(who) + ": " + e.what());
  }
}

// The server: handshake, then everything it can read, appended to `got`. The handshake has a
// time limit, as under tls::serve: a man in the middle that drops a byte of a handshake message
// leaves both ends waiting for the rest, which no protocol can tell from a slow network.
task<> serve(coronet::stream s, std::string& got) {
  tls::stream t = tls::stream::server(std::move(s), server_context());
  try {
    co_await coronet::with_timeout(std::chrono::milliseconds(200), t.handshake());
    char buf[4096];
    for (;;) {
      const std::size_t n = co_await t.read_some(std::span<char>(buf));
      if (n == 0) break;
      got.append(buf, n);
    }
  } catch (...) {
    check_failure("server");
  }
}

// ---- 1. raw bytes ---------------------------------------------------------------------------

task<> send_raw(coronet::stream& s, std::string_view data, std::vector<std::size_t> splits) {
  try {
    for (std::size_t n : splits) {
      if (data.empty()) break;
      const std::string_view piece = data.substr(0, std::max<std::size_t>(1, n));
      data.remove_prefix(piece.size());
      co_await s.write_all(piece);
    }
    co_await s.write_all(data);
  } catch (const std::system_error&) {
    // The server closed after refusing what came first: allowed.
  }
  s.shutdown();
  // Read what the server answers (alerts) until it closes: it must close.
  char buf[4096];
  for (;;) {
    std::size_t n = 0;
    try {
      n = co_await s.read_some(std::span<char>(buf));
    } catch (const std::system_error&) {
      break;
    }
    if (n == 0) break;
  }
}

task<> raw(std::string_view data, std::vector<std::size_t> splits) {
  auto [server_end, client_end] = coronet::fuzz::stream_pair();
  std::string got;
  task<> server = serve(std::move(server_end), got);
  task<> client = send_raw(client_end, data, std::move(splits));
  co_await coronet::when_all(std::move(server), std::move(client));
  if (!got.empty()) fail("raw bytes made a server deliver plaintext");
}

// ---- 2. a man in the middle -----------------------------------------------------------------

enum class change { flip, drop, insert, cut };

struct tamper {
  std::size_t offset = 0;  // in the client's byte stream
  change how = change::flip;
  std::string bytes;  // insert: these; flip: XOR masks
};

task<> client_side(coronet::stream s, std::string_view plaintext) {
  try {
    tls::stream t = tls::stream::client(std::move(s), client_context(), "localhost");
    co_await t.handshake();
    co_await t.write_all(plaintext);
    co_await t.shutdown();
    char buf[256];
    for (;;) {
      const std::size_t n = co_await t.read_some(std::span<char>(buf));
      if (n == 0) break;
    }
  } catch (...) {
    check_failure("client");
  }
}

// Passes bytes from `from` to `to`, changing them per `t` when `tampering`.
task<> relay(coronet::stream& from, coronet::stream& to, const tamper* t) {
  std::size_t at = 0;  // bytes of `from` seen so far
  bool done = false;
  char buf[4096];
  try {
    for (;;) {
      const std::size_t n = co_await from.read_some(std::span<char>(buf));
      if (n == 0) break;
      std::string piece(buf, n);
      if (t && !done && at + n > t->offset) {
        const std::size_t k = t->offset - std::min(t->offset, at);
        done = true;
        switch (t->how) {
          case change::flip:
            for (std::size_t i = 0; i < t->bytes.size() && k + i < piece.size(); ++i)
              piece[k + i] = static_cast<char>(piece[k + i] ^ (t->bytes[i] | 1));
            break;
          case change::drop:
            piece.erase(k, std::max<std::size_t>(1, t->bytes.size()));
            break;
          case change::insert:
            piece.insert(k, t->bytes.empty() ? std::string(1, '\0') : t->bytes);
            break;
          case change::cut:
            piece.resize(k);
            break;
        }
        at += n;
        co_await to.write_all(piece);
        if (t->how == change::cut) break;
        continue;
      }
      at += n;
      co_await to.write_all(piece);
    }
  } catch (const std::system_error&) {
    // One side gave up (a refused record): the relay stops too.
  }
  to.shutdown();
}

task<> middle(tamper t, std::string plaintext) {
  auto [client_end, relay_client] = coronet::fuzz::stream_pair();
  auto [relay_server, server_end] = coronet::fuzz::stream_pair();
  std::string got;
  task<> server = serve(std::move(server_end), got);
  task<> client = client_side(std::move(client_end), plaintext);
  task<> up = relay(relay_client, relay_server, &t);
  task<> down = relay(relay_server, relay_client, nullptr);
  co_await coronet::when_all(std::move(server), std::move(client), std::move(up), std::move(down));
  if (got.size() > plaintext.size() || plaintext.compare(0, got.size(), got) != 0)
    fail("the server delivered plaintext the client never sent");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const bool once = (coronet::fuzz::abort_on_unhandled_exceptions(), true);
  (void)once;
  coronet::fuzz::input in(data, size);
  const std::uint8_t config = in.byte();
  if ((config & 1) == 0) {
    std::vector<std::size_t> splits;
    for (std::size_t n = (config >> 1) & 7; n > 0; --n) splits.push_back(in.byte());
    coronet::fuzz::loop().run(raw(in.rest(), std::move(splits)));
    return 0;
  }
  tamper t;
  t.how = static_cast<change>((config >> 1) & 3);
  t.offset = std::size_t(in.byte()) << 8 | in.byte();
  t.bytes = std::string(in.take(in.below(8)));
  std::string plaintext(in.rest());
  coronet::fuzz::loop().run(middle(std::move(t), std::move(plaintext)));
  return 0;
}
