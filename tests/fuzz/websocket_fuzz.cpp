// Fuzz target: a coronet WebSocket server connection (after the handshake: the connection state
// built over one end of a socketpair, as the server's accept builds it) fed input-chosen bytes
// as what the client sends, and echoing every message it receives.
//
// The first byte configures the run:
//   bit 0     permessage-deflate negotiated (the inflate path is fuzzed, and the echo deflates)
//   bit 1     no context takeover, both ways
//   bits 2-3  the client's window bits (9, 11, 13 or 15)
//   bit 4     structured frames (below) rather than raw bytes
//   bit 5     the handler reads with receive_fragment() rather than receive()
//   bits 6-7  how many write-size choices follow (the bytes go out in those pieces)
// Raw: the rest of the input is the byte stream (a frame parser's view: any header, any mask).
// Structured: the rest is frames, each `b0 ctl len payload[len & 0x7f]`: b0 the first header
// byte as sent (FIN, RSV, opcode: any); ctl bit 0 sends it unmasked, bit 1 has the harness
// deflate the payload (zlib, RFC 7692's trailer stripped, one stream for the whole input), so
// that valid compressed data of fuzzed content reaches the inflater; len bit 7 lies about the
// length (the header says len * 1031, the payload is len & 0x7f bytes).
//
// Invariants: no crash, leak or hang (the client half-closes once it has written everything, and
// reads until the server closes); every failure the handler sees is a std::system_error of the
// websocket category or an errno one; no message bigger than max_message_size, and text
// messages are UTF-8.
#include <zlib.h>

#include <cstdint>
#include <exception>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include "coronet/error.hpp"
#include "coronet/http/upgrade.hpp"
#include "coronet/websocket.hpp"
#include "coronet/when_all.hpp"
#include "fuzz_support.hpp"
#include "state.hpp"  // websocket/src
#include "utf8.hpp"   // websocket/src

namespace {

using coronet::task;
using coronet::fuzz::fail;
namespace websocket = coronet::websocket;

constexpr std::size_t max_message = 16 * 1024;

// The harness's own compressor for structured frames (RFC 7692 7.2.1).
class compressor {
 public:
  compressor() {
    if (deflateInit2(&z_, 6, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY) != Z_OK) fail("deflateInit2");
  }
  ~compressor() { deflateEnd(&z_); }
  compressor(const compressor&) = delete;
  compressor& operator=(const compressor&) = delete;

  std::string compress(std::string_view in) {
    std::string out(in.size() + 64, '\0');
    z_.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
    z_.avail_in = static_cast<uInt>(in.size());
    z_.next_out = reinterpret_cast<Bytef*>(out.data());
    z_.avail_out = static_cast<uInt>(out.size());
    deflate(&z_, Z_SYNC_FLUSH);
    out.resize(out.size() - z_.avail_out);
    if (out.size() >= 4 && out.compare(out.size() - 4, 4, std::string_view("\0\0\xff\xff", 4)) == 0)
      out.resize(out.size() - 4);
    return out;
  }

 private:
  z_stream z_{};
};

std::string build_frames(coronet::fuzz::input& in) {
  static constexpr char key[4] = {'\x12', '\x34', '\x56', '\x78'};
  compressor zip;
  std::string out;
  while (in.size() > 0) {
    const std::uint8_t b0 = in.byte();
    const std::uint8_t ctl = in.byte();
    const std::uint8_t len = in.byte();
    std::string payload(in.take(len & 0x7f));
    if (ctl & 2) payload = zip.compress(payload);
    const bool masked = (ctl & 1) == 0;
    const std::uint64_t n = (len & 0x80) ? std::uint64_t{len & 0x7fu} * 1031 : payload.size();
    out.push_back(static_cast<char>(b0));
    const char m = masked ? '\x80' : '\0';
    if (n < 126) {
      out.push_back(static_cast<char>(m | static_cast<char>(n)));
    } else if (n <= 0xffff) {
      out.push_back(static_cast<char>(m | 126));
      out.push_back(static_cast<char>(n >> 8));
      out.push_back(static_cast<char>(n));
    } else {
      out.push_back(static_cast<char>(m | 127));
      for (int i = 7; i >= 0; --i) out.push_back(static_cast<char>(n >> (8 * i)));
    }
    if (masked) {
      out.append(key, 4);
      for (std::size_t i = 0; i < payload.size(); ++i) payload[i] ^= key[i % 4];
    }
    out.append(payload);
  }
  return out;
}

// A failure the handler may see: the protocol's, or the socket's.
void check_failure() {
  try {
    throw;
  } catch (const std::system_error& e) {
    const auto& cat = e.code().category();
    if (cat != websocket::category() && cat != std::system_category() &&
        cat != std::generic_category() && cat != coronet::coronet_category() &&
        cat != coronet::errno_category())
      fail("an unexpected error category", e.what());
  } catch (const std::exception& e) {
    fail("not a std::system_error", e.what());
  }
}

void check_message(websocket::message_type type, std::string_view data, bool whole) {
  if (whole && data.size() > max_message) fail("a message past max_message_size");
  if (whole && type == websocket::message_type::text) {
    websocket::detail::utf8_validator v;
    if (!v.feed(data) || !v.finish()) fail("a text message that is not UTF-8");
  }
}

task<> serve(websocket::connection& ws, bool fragments) {
  try {
    for (;;) {
      if (fragments) {
        std::optional<websocket::fragment> f = co_await ws.receive_fragment();
        if (!f) break;
        check_message(f->type, f->data, false);
        co_await ws.send_fragment(f->type, std::as_bytes(std::span(f->data)), f->last);
      } else {
        std::optional<websocket::message> m = co_await ws.receive();
        if (!m) break;
        check_message(m->type, m->data, true);
        co_await ws.send(*m);
      }
    }
  } catch (...) {
    check_failure();
  }
  ws.abort();
}

task<> write_side(coronet::stream& s, std::string bytes, std::vector<std::size_t> pieces) {
  try {
    std::string_view rest = bytes;
    for (std::size_t n : pieces) {
      if (rest.empty()) break;
      const std::string_view piece = rest.substr(0, n + 1);
      rest.remove_prefix(piece.size());
      co_await s.write_all(piece);
    }
    co_await s.write_all(rest);
  } catch (const std::system_error&) {
    // The server closed after refusing what came first.
  }
  s.shutdown();
}

task<> read_side(coronet::stream& s) {
  char buf[16384];
  try {
    for (;;) {
      const std::size_t n = co_await s.read_some(std::span<char>(buf));
      if (n == 0) break;
    }
  } catch (const std::system_error&) {
  }
}

task<> exercise(std::uint8_t config, std::string bytes, std::vector<std::size_t> pieces) {
  auto [server_end, client_end] = coronet::fuzz::stream_pair();
  websocket::options o;
  o.max_message_size = max_message;
  o.close_timeout = std::chrono::milliseconds(100);
  o.deflate.threshold = 16;
  std::optional<websocket::detail::deflate_params> params;
  if (config & 1) {
    params.emplace();
    params->server_no_context_takeover = params->client_no_context_takeover = (config & 2) != 0;
    params->client_max_window_bits = 9 + 2 * ((config >> 2) & 3);
  }
  coronet::http::upgraded up(coronet::http::detail::transport(std::move(server_end)), {}, {}, {});
  auto st = std::make_shared<websocket::detail::state>(std::move(up), true, o);
  st->set_handshake({}, coronet::http::response(101), {}, params);
  websocket::connection ws(st);
  task<> server = serve(ws, (config & 0x20) != 0);
  task<> writer = write_side(client_end, std::move(bytes), std::move(pieces));
  task<> reader = read_side(client_end);
  co_await coronet::when_all(std::move(server), std::move(writer), std::move(reader));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const bool once = (coronet::fuzz::abort_on_unhandled_exceptions(), true);
  (void)once;
  coronet::fuzz::input in(data, size);
  const std::uint8_t config = in.byte();
  std::vector<std::size_t> pieces;
  for (std::size_t n = config >> 6; n > 0; --n) pieces.push_back(in.byte());
  std::string bytes = (config & 0x10) ? build_frames(in) : std::string(in.rest());
  coronet::fuzz::loop().run(exercise(config, std::move(bytes), std::move(pieces)));
  return 0;
}
