// permessage-deflate: the offer and answer on both sides (browser's, ws's and several offers,
// invalid ones declined, bad answers refused), RFC 7692's example bytes, round trips with and
// without context takeover, fragments, and the inflater's limit against a deflate bomb.
#include "deflate.hpp"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

namespace coronet::websocket::detail {
namespace {

using bytes = std::vector<unsigned char>;

std::span<const std::byte> as_span(std::string_view s) {
  return std::as_bytes(std::span(s));
}
std::span<const std::byte> as_span(const bytes& b) {
  return std::as_bytes(std::span(b));
}

bytes to_bytes(const std::string& s) {
  return bytes(s.begin(), s.end());
}

std::string compress(deflater& d, std::string_view message) {
  std::string out;
  d.compress(as_span(message), true, out);
  return out;
}

std::string decompress(inflater& i, const bytes& payload,
                       inflater::result expected = inflater::result::ok) {
  std::string out;
  EXPECT_EQ(i.decompress(as_span(payload), true, 1 << 20, out), expected);
  return out;
}

// Text that compresses as messages do: words repeated, not one byte repeated.
std::string sample_text(std::size_t size, unsigned seed) {
  static constexpr std::string_view words[] = {"websocket ", "frame ",   "coroutine ", "deflate ",
                                               "message ",   "{\"id\":", "42, ",       "\"ok\"} "};
  std::mt19937 rng(seed);
  std::string s;
  while (s.size() < size) {
    s += words[rng() % std::size(words)];
  }
  s.resize(size);
  return s;
}

std::string random_bytes_string(std::size_t size, unsigned seed) {
  std::mt19937 rng(seed);
  std::string s(size, '\0');
  for (char& c : s) {
    c = static_cast<char>(rng());
  }
  return s;
}

const deflate_params defaults{};

// ---- Negotiation, server side ------------------------------------------------------------------

TEST(DeflateNegotiation, BrowserOfferGetsTheDefaults) {
  std::string answer;
  auto p = accept_offer("permessage-deflate; client_max_window_bits", {}, answer);
  ASSERT_TRUE(p);
  EXPECT_EQ(answer, "permessage-deflate");
  EXPECT_FALSE(p->server_no_context_takeover);
  EXPECT_FALSE(p->client_no_context_takeover);
  EXPECT_EQ(p->server_max_window_bits, 15);
  EXPECT_EQ(p->client_max_window_bits, 15);
  // Firefox offers no parameter at all.
  EXPECT_TRUE(accept_offer("permessage-deflate", {}, answer));
  EXPECT_EQ(answer, "permessage-deflate");
}

TEST(DeflateNegotiation, ServerLimitsTheClientWindowOnlyWhenOffered) {
  deflate_options ours;
  ours.client_max_window_bits = 10;
  std::string answer;
  auto p = accept_offer("permessage-deflate; client_max_window_bits", ours, answer);
  ASSERT_TRUE(p);
  EXPECT_EQ(answer, "permessage-deflate; client_max_window_bits=10");
  EXPECT_EQ(p->client_max_window_bits, 10);
  // Without client_max_window_bits in the offer the client would deflate with 15: declined.
  EXPECT_FALSE(accept_offer("permessage-deflate", ours, answer));
  EXPECT_EQ(answer, "");
  // A smaller window the client offers is kept.
  p = accept_offer("permessage-deflate; client_max_window_bits=9", ours, answer);
  ASSERT_TRUE(p);
  EXPECT_EQ(p->client_max_window_bits, 9);
  EXPECT_EQ(answer, "permessage-deflate; client_max_window_bits=9");
}

TEST(DeflateNegotiation, OfferedParametersAreAnswered) {
  std::string answer;
  auto p = accept_offer(
      "permessage-deflate; server_no_context_takeover; client_no_context_takeover; "
      "server_max_window_bits=10; client_max_window_bits=12",
      {}, answer);
  ASSERT_TRUE(p);
  EXPECT_TRUE(p->server_no_context_takeover);
  EXPECT_TRUE(p->client_no_context_takeover);
  EXPECT_EQ(p->server_max_window_bits, 10);
  EXPECT_EQ(p->client_max_window_bits, 12);
  EXPECT_EQ(answer,
            "permessage-deflate; server_no_context_takeover; client_no_context_takeover; "
            "server_max_window_bits=10; client_max_window_bits=12");
  // Offered at 15, server_max_window_bits is still answered (RFC 7692 7.1.2.1).
  p = accept_offer("permessage-deflate; server_max_window_bits=15", {}, answer);
  ASSERT_TRUE(p);
  EXPECT_EQ(answer, "permessage-deflate; server_max_window_bits=15");
  // 8 is agreed (zlib deflates with 9, whose matches stay within 256 bytes).
  p = accept_offer("permessage-deflate; server_max_window_bits=8", {}, answer);
  ASSERT_TRUE(p);
  EXPECT_EQ(p->server_max_window_bits, 8);
}

TEST(DeflateNegotiation, OurOwnLimitsAreAnswered) {
  deflate_options ours;
  ours.server_no_context_takeover = true;
  ours.client_no_context_takeover = true;
  ours.server_max_window_bits = 11;
  std::string answer;
  auto p = accept_offer("permessage-deflate; server_max_window_bits=13", ours, answer);
  ASSERT_TRUE(p);
  EXPECT_TRUE(p->server_no_context_takeover);
  EXPECT_TRUE(p->client_no_context_takeover);
  EXPECT_EQ(p->server_max_window_bits, 11);  // the smaller of the two
  EXPECT_EQ(answer,
            "permessage-deflate; server_no_context_takeover; client_no_context_takeover; "
            "server_max_window_bits=11");
}

TEST(DeflateNegotiation, FirstAcceptableOfSeveralOffersIsTaken) {
  std::string answer;
  auto p = accept_offer(
      "x-webkit-deflate-frame, permessage-deflate; server_max_window_bits=7, "
      "permessage-deflate; server_no_context_takeover, permessage-deflate",
      {}, answer);
  ASSERT_TRUE(p);
  EXPECT_TRUE(p->server_no_context_takeover);
  EXPECT_EQ(answer, "permessage-deflate; server_no_context_takeover");
  // Another extension with parameters before ours, and empty list elements.
  p = accept_offer("foo; bar=\"a b\"; baz, , permessage-deflate ;client_max_window_bits", {},
                   answer);
  ASSERT_TRUE(p);
  EXPECT_EQ(answer, "permessage-deflate");
}

TEST(DeflateNegotiation, InvalidOffersAreDeclined) {
  for (std::string_view offer : {
           "permessage-deflate; foo",  // unknown
           "permessage-deflate; server_no_context_takeover; server_no_context_takeover",
           "permessage-deflate; client_max_window_bits; client_max_window_bits=10",
           "permessage-deflate; server_no_context_takeover=1",  // a flag with a value
           "permessage-deflate; server_max_window_bits",        // needs a value
           "permessage-deflate; server_max_window_bits=7",
           "permessage-deflate; server_max_window_bits=16",
           "permessage-deflate; server_max_window_bits=09",  // leading zero
           "permessage-deflate; client_max_window_bits=1O",
           "permessage-deflate; client_max_window_bits=\"\"",
           "permessage-deflate; client_max_window_bits=\"10 \"",
           "Permessage-Deflate",
           "x-webkit-deflate-frame",
           "",
       }) {
    std::string answer = "left over";
    EXPECT_FALSE(accept_offer(offer, {}, answer)) << offer;
    EXPECT_EQ(answer, "") << offer;
  }
  // An invalid offer does not hide a valid one after it.
  std::string answer;
  EXPECT_TRUE(accept_offer("permessage-deflate; foo, permessage-deflate", {}, answer));
}

TEST(DeflateNegotiation, SyntaxErrorsDeclineWhatFollows) {
  std::string answer;
  for (std::string_view offer : {"permessage-deflate;", "permessage-deflate; ;", ";",
                                 "permessage-deflate; client_max_window_bits=",
                                 "permessage-deflate; client_max_window_bits=\"10",
                                 "permessage-deflate client_max_window_bits", "\"x\""}) {
    EXPECT_FALSE(accept_offer(offer, {}, answer)) << offer;
  }
  // Before the error, a complete acceptable offer stands.
  EXPECT_TRUE(accept_offer("permessage-deflate, ;;", {}, answer));
}

TEST(DeflateNegotiation, QuotedValuesAreUnescaped) {
  std::string answer;
  auto p = accept_offer("permessage-deflate; client_max_window_bits=\"10\"", {}, answer);
  ASSERT_TRUE(p);
  EXPECT_EQ(p->client_max_window_bits, 10);
  p = accept_offer("permessage-deflate; server_max_window_bits=\"1\\1\"", {}, answer);
  ASSERT_TRUE(p);
  EXPECT_EQ(p->server_max_window_bits, 11);
  // Whitespace around '=' and ';' is optional whitespace.
  p = accept_offer("permessage-deflate\t;  server_max_window_bits = 12 ", {}, answer);
  ASSERT_TRUE(p);
  EXPECT_EQ(p->server_max_window_bits, 12);
}

TEST(DeflateNegotiation, DisabledAcceptsNothingAndOffersNothing) {
  deflate_options off;
  off.enabled = false;
  std::string answer;
  EXPECT_FALSE(accept_offer("permessage-deflate", off, answer));
  EXPECT_EQ(client_offer(off), "");
  EXPECT_FALSE(accept_response("permessage-deflate", off));
}

// ---- Negotiation, client side ------------------------------------------------------------------

TEST(DeflateNegotiation, ClientOfferLooksLikeABrowsers) {
  EXPECT_EQ(client_offer({}), "permessage-deflate; client_max_window_bits");
  deflate_options ours;
  ours.server_no_context_takeover = true;
  ours.client_no_context_takeover = true;
  ours.server_max_window_bits = 10;
  ours.client_max_window_bits = 9;
  EXPECT_EQ(client_offer(ours),
            "permessage-deflate; server_no_context_takeover; client_no_context_takeover; "
            "server_max_window_bits=10; client_max_window_bits=9");
}

TEST(DeflateNegotiation, ClientAcceptsValidResponses) {
  auto p = accept_response("permessage-deflate", {});
  ASSERT_TRUE(p);
  EXPECT_EQ(p->server_max_window_bits, 15);
  EXPECT_EQ(p->client_max_window_bits, 15);
  p = accept_response(
      "permessage-deflate; server_no_context_takeover; client_no_context_takeover; "
      "server_max_window_bits=9; client_max_window_bits=10",
      {});
  ASSERT_TRUE(p);
  EXPECT_TRUE(p->server_no_context_takeover);
  EXPECT_TRUE(p->client_no_context_takeover);
  EXPECT_EQ(p->server_max_window_bits, 9);
  EXPECT_EQ(p->client_max_window_bits, 10);
  // Our offered client window holds when the server does not answer it.
  deflate_options ours;
  ours.client_max_window_bits = 11;
  p = accept_response("permessage-deflate", ours);
  ASSERT_TRUE(p);
  EXPECT_EQ(p->client_max_window_bits, 11);
}

TEST(DeflateNegotiation, ClientRefusesBadResponses) {
  deflate_options ours;
  ours.server_max_window_bits = 10;
  ours.client_max_window_bits = 10;
  for (std::string_view response : {
           "permessage-deflate; client_max_window_bits",     // a value is required here
           "permessage-deflate; client_max_window_bits=12",  // larger than offered
           "permessage-deflate; server_max_window_bits=11",  // larger than offered
           "permessage-deflate; server_max_window_bits=16",
           "permessage-deflate; foo",
           "permessage-deflate; server_no_context_takeover; server_no_context_takeover",
           "permessage-deflate; client_no_context_takeover=x",
           "permessage-deflate, permessage-deflate",  // answered twice
           "x-webkit-deflate-frame",                  // not offered
           "permessage-deflate, foo",
           "permessage-deflate;",
           "",
       }) {
    EXPECT_FALSE(accept_response(response, ours)) << response;
  }
}

TEST(DeflateNegotiation, BothSidesAgreeOnTheSameParameters) {
  deflate_options client;
  client.client_no_context_takeover = true;
  client.server_max_window_bits = 12;
  client.client_max_window_bits = 11;
  deflate_options server;
  server.server_no_context_takeover = true;
  server.client_max_window_bits = 10;
  std::string answer;
  auto at_server = accept_offer(client_offer(client), server, answer);
  ASSERT_TRUE(at_server);
  auto at_client = accept_response(answer, client);
  ASSERT_TRUE(at_client);
  EXPECT_EQ(at_client->server_no_context_takeover, at_server->server_no_context_takeover);
  EXPECT_EQ(at_client->client_no_context_takeover, at_server->client_no_context_takeover);
  EXPECT_EQ(at_client->server_max_window_bits, 12);
  EXPECT_EQ(at_server->server_max_window_bits, 12);
  EXPECT_EQ(at_client->client_max_window_bits, 10);
  EXPECT_EQ(at_server->client_max_window_bits, 10);
  EXPECT_TRUE(at_server->server_no_context_takeover);
  EXPECT_TRUE(at_server->client_no_context_takeover);
}

// ---- RFC 7692's examples -----------------------------------------------------------------------

TEST(DeflateCodec, Rfc7692HelloAndSharedContext) {
  deflater d(defaults, true, 6, 8);
  // 7.2.3.1: "Hello" in one compressed block, the tail stripped.
  EXPECT_EQ(to_bytes(compress(d, "Hello")), (bytes{0xf2, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00}));
  // 7.2.3.2: the second "Hello" refers back into the first.
  EXPECT_EQ(to_bytes(compress(d, "Hello")), (bytes{0xf2, 0x00, 0x11, 0x00, 0x00}));

  inflater i(defaults, false);
  EXPECT_EQ(decompress(i, {0xf2, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00}), "Hello");
  EXPECT_EQ(decompress(i, {0xf2, 0x00, 0x11, 0x00, 0x00}), "Hello");
}

TEST(DeflateCodec, Rfc7692FragmentsStoredAndFinalBlocks) {
  inflater i(defaults, true);
  // 7.2.3.1: the same payload in two fragments.
  std::string out;
  EXPECT_EQ(i.decompress(as_span(bytes{0xf2, 0x48, 0xcd}), false, 100, out), inflater::result::ok);
  EXPECT_EQ(i.decompress(as_span(bytes{0xc9, 0xc9, 0x07, 0x00}), true, 100, out),
            inflater::result::ok);
  EXPECT_EQ(out, "Hello");
  // 7.2.3.3: a stored (uncompressed) block.
  EXPECT_EQ(decompress(i, {0x00, 0x05, 0x00, 0xfa, 0xff, 0x48, 0x65, 0x6c, 0x6c, 0x6f, 0x00}),
            "Hello");
  // 7.2.3.4: a block with BFINAL set ends the peer's stream; the 00 after it begins a new one.
  EXPECT_EQ(decompress(i, {0xf3, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00, 0x00}), "Hello");
  EXPECT_EQ(decompress(i, {0xf2, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00}), "Hello");
  // Without that 00 (what ws sends after a final block): the message ends with the stream.
  EXPECT_EQ(decompress(i, {0xf3, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00}), "Hello");
  EXPECT_EQ(decompress(i, {0xf2, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00}), "Hello");
}

// 7.2.3.4's way to flush, once per fragment: each fragment a stream of its own ending with a
// final block and the 00 after it. Every fragment is read, not only the first stream.
TEST(DeflateCodec, FinalBlockPerFragment) {
  auto final_block = [](std::string_view piece) {
    deflater fresh(defaults, false, 6, 8);
    bytes b = to_bytes(compress(fresh, piece));
    b[0] |= 1;  // BFINAL of its only block
    return b;
  };
  inflater i(defaults, true);
  std::string out;
  EXPECT_EQ(i.decompress(as_span(final_block("Hel")), false, 100, out), inflater::result::ok);
  EXPECT_EQ(i.decompress(as_span(final_block("lo, ")), false, 100, out), inflater::result::ok);
  EXPECT_EQ(i.decompress(as_span(final_block("world")), true, 100, out), inflater::result::ok);
  EXPECT_EQ(out, "Hello, world");
  // The same streams in one piece.
  bytes whole = final_block("Hel");
  for (std::string_view piece : {"lo, ", "world"}) {
    const bytes b = final_block(piece);
    whole.insert(whole.end(), b.begin(), b.end());
  }
  EXPECT_EQ(decompress(i, whole), "Hello, world");
  // A final block alone in the first fragment, its 00 in the second, an empty last one.
  out.clear();
  EXPECT_EQ(i.decompress(as_span(bytes{0xf3, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00}), false, 100, out),
            inflater::result::ok);
  EXPECT_EQ(i.decompress(as_span(bytes{0x00}), false, 100, out), inflater::result::ok);
  EXPECT_EQ(i.decompress({}, true, 100, out), inflater::result::ok);
  EXPECT_EQ(out, "Hello");
  EXPECT_EQ(decompress(i, {0xf2, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00}), "Hello");
  // The same without the 00: the empty last fragment adds nothing.
  out.clear();
  EXPECT_EQ(i.decompress(as_span(bytes{0xf3, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00}), false, 100, out),
            inflater::result::ok);
  EXPECT_EQ(i.decompress({}, true, 100, out), inflater::result::ok);
  EXPECT_EQ(out, "Hello");
  EXPECT_EQ(decompress(i, {0xf2, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00}), "Hello");
}

TEST(DeflateCodec, Rfc7692EmptyFragment) {
  inflater i(defaults, true);
  std::string out;
  // 7.2.3.6: an empty final fragment after a flushed one is the single byte 00.
  EXPECT_EQ(
      i.decompress(as_span(bytes{0xf2, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00, 0x00, 0x00, 0xff, 0xff}),
                   false, 100, out),
      inflater::result::ok);
  EXPECT_EQ(i.decompress(as_span(bytes{0x00}), true, 100, out), inflater::result::ok);
  EXPECT_EQ(out, "Hello");
  EXPECT_EQ(decompress(i, {0xf2, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00}), "Hello");
}

// ---- Round trips -------------------------------------------------------------------------------

// Messages of many sizes through one deflater and one inflater in turn, each as a whole.
void round_trip(const deflate_params& p, bool server_sends) {
  deflater d(p, server_sends, 6, 8);
  inflater i(p, !server_sends);
  for (std::size_t size : {0u, 1u, 5u, 100u, 1000u, 4096u, 70'000u, 300'000u}) {
    for (unsigned seed : {1u, 2u}) {
      const std::string message =
          seed == 1 ? sample_text(size, size) : random_bytes_string(size, size);
      std::string wire = compress(d, message);
      ASSERT_FALSE(wire.empty());
      std::string back;
      ASSERT_EQ(i.decompress(as_span(wire), true, message.size(), back), inflater::result::ok)
          << size;
      ASSERT_EQ(back, message) << size;
    }
  }
}

TEST(DeflateCodec, RoundTripsWithContextTakeover) {
  round_trip(defaults, true);
  round_trip(defaults, false);
}

TEST(DeflateCodec, RoundTripsWithoutContextTakeoverAndSmallWindows) {
  deflate_params p;
  p.server_no_context_takeover = true;
  p.client_no_context_takeover = true;
  p.server_max_window_bits = 9;
  p.client_max_window_bits = 8;
  round_trip(p, true);
  round_trip(p, false);
}

TEST(DeflateCodec, ContextTakeoverShrinksARepeatAndNoTakeoverRestarts) {
  const std::string message = sample_text(2000, 7);
  deflater with(defaults, false, 6, 8);
  const std::string first = compress(with, message);
  const std::string second = compress(with, message);
  EXPECT_LT(second.size() * 10, first.size());  // the whole message is one back reference

  deflate_params p;
  p.client_no_context_takeover = true;
  deflater without(p, false, 6, 8);
  EXPECT_EQ(compress(without, message), first);
  EXPECT_EQ(compress(without, message), first);  // the same bytes: nothing was kept

  // The receiving side of that: each message stands alone, so one lost does not matter.
  inflater fresh(p, true);
  EXPECT_EQ(decompress(fresh, to_bytes(first)), message);
  inflater other(p, true);
  EXPECT_EQ(decompress(other, to_bytes(first)), message);
  EXPECT_EQ(decompress(fresh, to_bytes(first)), message);
}

// A message compressed in fragments, and the wire cut anywhere, inflates to the same message.
TEST(DeflateCodec, FragmentsEitherWay) {
  const std::string message = sample_text(50'000, 3) + random_bytes_string(5'000, 3);
  for (int round = 0; round < 2; ++round) {  // the second with the context of the first
    deflater d(defaults, true, 6, 8);
    inflater i(defaults, false);
    for (int m = 0; m <= round; ++m) {
      std::string wire;
      for (std::size_t at = 0; at < message.size(); at += 7'000) {
        const std::size_t n = std::min<std::size_t>(7'000, message.size() - at);
        d.compress(as_span(std::string_view(message).substr(at, n)), at + n == message.size(),
                   wire);
      }
      std::string back;
      for (std::size_t at = 0; at < wire.size(); at += 333) {
        const std::size_t n = std::min<std::size_t>(333, wire.size() - at);
        ASSERT_EQ(i.decompress(as_span(std::string_view(wire).substr(at, n)), at + n == wire.size(),
                               message.size(), back),
                  inflater::result::ok);
      }
      ASSERT_EQ(back, message);
    }
  }
  // An empty last fragment still ends the message well (RFC 7692 7.2.3.6's single 00).
  deflater d(defaults, true, 6, 8);
  inflater i(defaults, false);
  std::string wire;
  d.compress(as_span(std::string_view("Hello")), false, wire);
  const std::size_t first = wire.size();
  d.compress({}, true, wire);
  EXPECT_EQ(wire.substr(first), std::string(1, '\0'));
  EXPECT_EQ(decompress(i, to_bytes(wire)), "Hello");
  EXPECT_EQ(decompress(i, to_bytes(compress(d, "Hello"))), "Hello");
}

// ---- Limits and bad data -----------------------------------------------------------------------

TEST(DeflateCodec, LimitIsExactAndCountsTheWholeMessage) {
  const std::string message = sample_text(10'000, 9);
  deflater d(defaults, true, 6, 8);
  const bytes wire = to_bytes(compress(d, message));
  {
    inflater i(defaults, false);
    std::string out;
    EXPECT_EQ(i.decompress(as_span(wire), true, 10'000, out), inflater::result::ok);
    EXPECT_EQ(out, message);
  }
  {
    inflater i(defaults, false);
    std::string out;
    EXPECT_EQ(i.decompress(as_span(wire), true, 9'999, out), inflater::result::too_big);
    EXPECT_LE(out.size(), 9'999u);
  }
  {
    // Two pieces, each under the limit alone, over it together.
    inflater i(defaults, false);
    std::string out;
    const std::size_t half = wire.size() / 2;
    EXPECT_EQ(i.decompress(as_span(bytes(wire.begin(), wire.begin() + half)), false, 6'000, out),
              inflater::result::ok);
    EXPECT_EQ(i.decompress(as_span(bytes(wire.begin() + half, wire.end())), true, 6'000, out),
              inflater::result::too_big);
    EXPECT_LE(out.size(), 6'000u);
  }
}

// About 128 KiB that inflate to 128 MiB (deflate gives at most about 1:1032): the inflater stops
// at the limit, having grown `out` to the limit and no further, without inflating the rest.
TEST(DeflateCodec, BombStopsAtTheLimit) {
  const std::string zeros(1 << 20, '\0');
  deflater d(defaults, false, 9, 9);
  std::string bomb;
  for (int i = 0; i < 128; ++i) {
    d.compress(as_span(zeros), i == 127, bomb);
  }
  EXPECT_LT(bomb.size(), 160u * 1024);

  constexpr std::size_t limit = 1 << 20;
  inflater i(defaults, true);
  std::string out;
  EXPECT_EQ(i.decompress(as_span(bomb), true, limit, out), inflater::result::too_big);
  EXPECT_LE(out.size(), limit);
  EXPECT_LE(out.capacity(), 2 * limit + 64 * 1024);  // not the 128 MiB the whole would take

  // 1 KiB of it, with a smaller limit.
  inflater small(defaults, true);
  out = std::string();
  EXPECT_EQ(
      small.decompress(as_span(std::string_view(bomb).substr(0, 1024)), false, 64 * 1024, out),
      inflater::result::too_big);
  EXPECT_LE(out.size(), 64u * 1024);
}

TEST(DeflateCodec, CorruptDataIsReported) {
  inflater i(defaults, true);
  // Block type 11 is reserved.
  EXPECT_EQ(decompress(i, {0xff, 0xff, 0xff}, inflater::result::corrupt), "");
  // A stored block whose length and its complement disagree.
  decompress(i, {0x00, 0x05, 0x00, 0x00, 0x00, 'H'}, inflater::result::corrupt);
  // A back reference before the start of the stream.
  inflater fresh(defaults, true);
  decompress(fresh, {0xf2, 0x00, 0x11, 0x00, 0x00}, inflater::result::corrupt);
  // Random bytes, many times: never anything but ok or corrupt, and no crash.
  for (unsigned seed = 0; seed < 200; ++seed) {
    inflater r(defaults, true);
    const std::string junk = random_bytes_string(64, seed);
    std::string out;
    const auto res = r.decompress(as_span(junk), true, 1 << 20, out);
    EXPECT_TRUE(res == inflater::result::corrupt || res == inflater::result::ok);
  }
}

}  // namespace
}  // namespace coronet::websocket::detail
