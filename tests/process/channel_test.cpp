// channel over a socketpair (Windows: a named pipe) inside one process: the wire format, many
// value kinds, large messages, concurrent senders, backpressure, bad and oversized lines, Node's
// internal messages, and the end of the channel from either side.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <chrono>
#include <cmath>
#include <limits>
#include <string>

#include "process_test_support.hpp"
#include "test_support.hpp"

namespace {

using namespace coronet::process;
using namespace std::chrono_literals;
using process_test::run_bounded;
namespace json = boost::json;

// Two connected channels.
struct channel_pair {
  channel a, b;
};
channel_pair make_pair() {
  auto [a, b] = process_test::stream_pair();
  return {channel(std::move(a)), channel(std::move(b))};
}

// A channel and the raw socket at its other end, to write exactly the bytes a test wants.
struct raw_pair {
  channel ch;
  coronet::stream raw;
};
raw_pair make_raw_pair(std::size_t max_message = channel::default_max_message) {
  auto [a, b] = process_test::stream_pair();
  return {channel(std::move(a), max_message), std::move(b)};
}

coronet::task<json::value> receive_one(channel& ch) {
  std::optional<json::value> m = co_await ch.receive();
  if (!m) throw std::runtime_error("end of channel instead of a message");
  co_return std::move(*m);
}

TEST(Channel, RoundTripsValuesOfEveryKind) {
  run_bounded([]() -> coronet::task<> {
    auto [a, b] = make_pair();
    const std::vector<json::value> values = {
        json::value("hello"),
        json::value(42),
        json::value(-7.25),
        json::value(true),
        json::value(nullptr),
        json::parse(R"({"nested":{"list":[1,2,{"deep":[[]]}],"s":"x"},"n":1e300})"),
        json::value("unicode: héllo wörld ✓ 日本語 😀 \u0001 \"quoted\" back\\slash\nnew line"),
        json::value(""),
        json::array(),
    };
    for (const auto& v : values) {
      co_await a.send(v);
      EXPECT_EQ(co_await receive_one(b), v) << json::serialize(v);
    }
  }());
}

TEST(Channel, WireFormatIsOneJsonValuePerLine) {
  run_bounded([]() -> coronet::task<> {
    auto [ch, raw] = make_raw_pair();
    json::value m = json::parse(R"({"a":[1,"two"]})");
    co_await ch.send(std::move(m));
    json::value s = "hi ✓";
    co_await ch.send(std::move(s));
    std::string expected = "{\"a\":[1,\"two\"]}\n\"hi ✓\"\n";
    std::string got(expected.size(), '\0');
    co_await raw.read_exact(std::as_writable_bytes(std::span(got)));
    EXPECT_EQ(got, expected);
  }());
}

TEST(Channel, NonFiniteNumbersAreSentAsNull) {
  // JSON has no Infinity or NaN (the peer's JSON.parse would throw on the line); JSON.stringify
  // writes null for them, and so does the channel. Found by tests/fuzz/ipc_channel_fuzz: 1e400
  // (read as infinity) went back out as "Infinity".
  run_bounded([]() -> coronet::task<> {
    auto [ch, raw] = make_raw_pair();
    json::value m = json::parse(R"({"big":1e400,"list":[-1e400,2]})");
    m.as_object()["nan"] = std::nan("");
    co_await ch.send(m);
    json::value top = std::numeric_limits<double>::infinity();
    co_await ch.send(top);
    const std::string expected = "{\"big\":null,\"list\":[null,2],\"nan\":null}\nnull\n";
    std::string got(expected.size(), '\0');
    co_await raw.read_exact(std::as_writable_bytes(std::span(got)));
    EXPECT_EQ(got, expected);
    // What was sent is left as it was.
    EXPECT_TRUE(std::isnan(m.at("nan").as_double()));
  }());
}

TEST(Channel, LargeMessagesBothWays) {
  run_bounded([]() -> coronet::task<> {
    auto [a, b] = make_pair();
    const std::string big(8 << 20, 'x');
    json::object o;
    o["payload"] = big;
    o["tail"] = "end";
    const json::value message = std::move(o);
    auto [ignored, got] = co_await coronet::when_all(a.send(message), receive_one(b));
    (void)ignored;
    EXPECT_EQ(got, message);
    auto [ignored2, back] = co_await coronet::when_all(b.send(got), receive_one(a));
    (void)ignored2;
    EXPECT_EQ(back.at("payload").as_string().size(), big.size());
  }());
}

TEST(Channel, ConcurrentSendsDoNotInterleave) {
  run_bounded([]() -> coronet::task<> {
    auto [a, b] = make_pair();
    constexpr int senders = 16;
    coronet::task_group group;
    for (int i = 0; i < senders; ++i) {
      // 1 MiB each: far more than a socket buffer, so every write_all takes many steps.
      json::value v = json::string(1 << 20, char('a' + i));
      group.spawn(a.send(std::move(v)));
    }
    std::vector<bool> seen(senders);
    for (int i = 0; i < senders; ++i) {
      json::value m = co_await receive_one(b);
      const std::string s(m.as_string());
      EXPECT_EQ(s.size(), std::size_t(1) << 20);
      const int who = s.empty() ? -1 : s[0] - 'a';
      if (who < 0 || who >= senders)
        throw std::runtime_error("a message from nobody: " + s.substr(0, 20));
      EXPECT_EQ(s.find_first_not_of(s[0]), std::string::npos) << "lines interleaved";
      EXPECT_EQ(who, i) << "sends started in this order";
      EXPECT_FALSE(seen[who]);
      seen[who] = true;
    }
    co_await group.join();
  }());
}

TEST(Channel, SendWaitsForTheReader) {
  run_bounded([]() -> coronet::task<> {
    auto [a, b] = make_pair();
    coronet::test::event sent;
    auto send_big = [](channel& a, coronet::test::event& sent) -> coronet::task<> {
      json::value v = json::string(32 << 20, 'b');  // far more than the socket buffers hold
      co_await a.send(std::move(v));
      sent.set();
    };
    coronet::task_group group;
    group.spawn(send_big(a, sent));
    // A bounded look for a wrong early completion: the reader has not read a byte.
    co_await coronet::sleep_for(50ms);
    EXPECT_FALSE(sent.is_set()) << "send completed with nobody reading: it buffered the message";
    json::value got = co_await receive_one(b);
    EXPECT_EQ(got.as_string().size(), std::size_t(32) << 20);
    co_await sent.wait();
    co_await group.join();
  }());
}

// A peer that never reads: no send completes before its line is in the socket, so the sender
// holds nothing beyond the message of the send in progress. A small send completes while the
// socket has room; one larger than any socket buffer waits for ever, so a send to an untrusted
// peer is bounded with with_timeout, and fails with timed_out (32 MiB cannot fit whatever the
// timeout, so the outcome does not depend on timing).
TEST(Channel, SendToAPeerThatNeverReadsWaitsUntilTheTimeout) {
  run_bounded([]() -> coronet::task<> {
    auto [a, b] = make_pair();
    json::value small = "fits";
    co_await a.send(small);
    json::value big = json::string(32 << 20, 'n');
    const std::error_code ec =
        co_await coronet::test::error_of(coronet::with_timeout(200ms, a.send(std::move(big))));
    EXPECT_EQ(ec, std::errc::timed_out) << ec.message();
    // The peer, reading at last, gets the message that fitted first.
    json::value first = co_await receive_one(b);
    EXPECT_EQ(first, json::value("fits"));
  }());
}

TEST(Channel, CancelledQueuedSendWritesNothing) {
  run_bounded([]() -> coronet::task<> {
    auto [a, b] = make_pair();
    coronet::task_group group;
    // The first send fills the socket and waits for the reader; the next two queue behind it.
    json::value big = json::string(16 << 20, 'A');
    group.spawn(a.send(big));
    std::stop_source cancel_b;
    json::value vb = "B", vc = "C";
    group.spawn(coronet::with_stop_token(
        cancel_b.get_token(), [](channel& a, json::value v) -> coronet::task<> {
          std::error_code ec = co_await coronet::test::error_of(a.send(std::move(v)));
          EXPECT_TRUE(ec == std::errc::operation_canceled) << ec.message();
        }(a, vb)));
    group.spawn(a.send(vc));
    co_await coronet::test::next_turn();  // all three have started
    co_await coronet::test::next_turn();
    cancel_b.request_stop();
    EXPECT_EQ((co_await receive_one(b)).as_string().size(), std::size_t(16) << 20);
    EXPECT_EQ(co_await receive_one(b), vc);  // B never went out
    co_await group.join();
  }());
}

TEST(Channel, ManySmallConcurrentSendsArriveInOrder) {
  run_bounded([]() -> coronet::task<> {
    auto [a, b] = make_pair();
    constexpr int n = 5000;
    coronet::task_group group;
    for (int i = 0; i < n; ++i) {
      json::value v = i;
      group.spawn(a.send(std::move(v)));
    }
    for (int i = 0; i < n; ++i) {
      json::value m = co_await receive_one(b);
      if (m != json::value(i))
        throw std::runtime_error("message " + std::to_string(i) + " is " + json::serialize(m));
    }
    co_await group.join();
  }());
}

TEST(Channel, BadLineIsAnErrorAndTheNextLineStillArrives) {
  run_bounded([]() -> coronet::task<> {
    auto [ch, raw] = make_raw_pair();
    co_await raw.write_all("{\"a\":1}\nnot json at all\n{\"unterminated\":\n\"ok\"\n");
    EXPECT_EQ(co_await receive_one(ch), json::parse(R"({"a":1})"));
    for (int i = 0; i < 2; ++i) {
      try {
        co_await ch.receive();
        ADD_FAILURE() << "a bad line was accepted";
      } catch (const std::system_error& e) {
        EXPECT_EQ(e.code(), channel_error::bad_message);
        EXPECT_TRUE(std::string(e.what()).starts_with("channel receive: bad message")) << e.what();
      }
    }
    EXPECT_EQ(co_await receive_one(ch), json::value("ok"));
  }());
}

TEST(Channel, OversizedLineIsAnErrorNotUnboundedMemory) {
  run_bounded([]() -> coronet::task<> {
    auto [ch, raw] = make_raw_pair(1024);
    // One line of 4 MiB (with a limit of 1 KiB), then a normal one; written by another task
    // because the socket holds less than the long line.
    auto writer = [](coronet::stream& raw) -> coronet::task<> {
      const std::string line = "\"" + std::string(4 << 20, 'z') + "\"\n";
      co_await raw.write_all(line);
      co_await raw.write_all("\"next\"\n");
    };
    coronet::task_group group;
    group.spawn(writer(raw));
    std::error_code ec = co_await coronet::test::error_of(ch.receive());
    EXPECT_EQ(ec, channel_error::message_too_long);
    EXPECT_EQ(co_await receive_one(ch), json::value("next"));
    co_await group.join();
    // A line over the limit that arrives whole is refused the same way.
    const std::string whole = "\"" + std::string(2000, 'w') + "\"\n\"after\"\n";
    co_await raw.write_all(whole);
    ec = co_await coronet::test::error_of(ch.receive());
    EXPECT_EQ(ec, channel_error::message_too_long);
    EXPECT_EQ(co_await receive_one(ch), json::value("after"));
  }());
}

// A peer writing one line that never ends: the error comes as soon as the limit is passed,
// while the peer is still writing (nothing waits for, or buffers, the whole line), and the
// line after it, whenever it comes, is the next message.
TEST(Channel, EndlessLineFailsEarlyAndTheChannelGoesOn) {
  run_bounded([]() -> coronet::task<> {
    auto [ch, raw] = make_raw_pair(4096);
    bool writer_done = false;
    auto writer = [](coronet::stream& raw, bool& done) -> coronet::task<> {
      const std::string piece(64 * 1024, 'z');
      // 16 MiB: far more than the socket buffers hold.
      for (int i = 0; i < 256; ++i) co_await raw.write_all(piece);
      co_await raw.write_all("\n\"after\"\n");
      done = true;
    };
    coronet::task_group group;
    group.spawn(writer(raw, writer_done));
    std::error_code ec = co_await coronet::test::error_of(ch.receive());
    EXPECT_EQ(ec, channel_error::message_too_long);
    EXPECT_FALSE(writer_done) << "the error waited for the end of the line";
    auto got1 = co_await receive_one(ch);
    EXPECT_EQ(got1, json::value("after"));
    // The writer's last completion may come after the reader has its bytes (IOCP delivers
    // them in no set order): it is awaited, not assumed.
    co_await group.join();
    EXPECT_TRUE(writer_done);
  }());
}

// Nesting deeper than max_depth() is a bad message, not a crash (nor a deep recursion), and the
// limit is the channel's to set.
TEST(Channel, NestingBeyondTheDepthLimitIsABadMessage) {
  run_bounded([]() -> coronet::task<> {
    auto [ch, raw] = make_raw_pair();
    auto nested = [](std::size_t depth) {
      return std::string(depth, '[') + std::string(depth, ']') + "\n";
    };
    EXPECT_EQ(ch.max_depth(), channel::default_max_depth);
    // 2 MB: written by another task, as the socket holds less.
    const std::string lines = nested(channel::default_max_depth) +
                              nested(channel::default_max_depth + 1) + nested(1000000) + "\"ok\"\n";
    auto writer = [](coronet::stream& raw, const std::string& bytes) -> coronet::task<> {
      co_await raw.write_all(bytes);
    };
    coronet::task_group group;
    group.spawn(writer(raw, lines));
    json::value deepest = co_await receive_one(ch);
    EXPECT_TRUE(deepest.is_array());
    for (int i = 0; i < 2; ++i) {
      try {
        co_await ch.receive();
        ADD_FAILURE() << "a line nested too deep was accepted";
      } catch (const std::system_error& e) {
        EXPECT_EQ(e.code(), channel_error::bad_message);
        EXPECT_TRUE(std::string(e.what()).starts_with("channel receive: bad message")) << e.what();
      }
    }
    auto got2 = co_await receive_one(ch);
    EXPECT_EQ(got2, json::value("ok"));
    co_await group.join();
    ch.set_max_depth(3);
    EXPECT_EQ(ch.max_depth(), 3u);
    const std::string shallow = nested(4) + nested(3);
    co_await raw.write_all(shallow);
    auto got3 = co_await coronet::test::error_of(ch.receive());
    EXPECT_EQ(got3, channel_error::bad_message);
    auto got4 = co_await receive_one(ch);
    EXPECT_EQ(got4, json::parse("[[[]]]"));
  }());
}

// Lines a hostile or broken peer may send: each is an error naming the message, and the
// channel goes on.
TEST(Channel, HostileLinesAreErrorsAndTheChannelGoesOn) {
  run_bounded([]() -> coronet::task<> {
    auto [ch, raw] = make_raw_pair();
    using namespace std::string_literals;
    const std::string lines[] = {
        "\"\xff\xfe\"",  // not UTF-8
        "\"\xc0\xaf\"",  // an over-long encoding of '/'
        "\"a\x01b\"",    // a control character in a string
        "\"a\0b\""s,     // NUL
        "1 2",           // two values on one line
        "[1,]",          // trailing comma
        "{\"a\"}",       // a member without a value
        "{\"a\":1",      // unterminated
        "\"\\ud800\"",   // a lone surrogate
        "NaN",           // not JSON
        "\x01",          // a control character alone
    };
    std::string all;
    for (const auto& l : lines) all += l + "\n";
    all += "\"ok\"\n";
    co_await raw.write_all(all);
    for (const auto& l : lines) {
      try {
        std::optional<json::value> got = co_await ch.receive();
        ADD_FAILURE() << "accepted: " << json::serialize(got.value_or(nullptr)) << " from "
                      << testing::PrintToString(l);
      } catch (const std::system_error& e) {
        EXPECT_EQ(e.code(), channel_error::bad_message) << testing::PrintToString(l);
        EXPECT_TRUE(std::string(e.what()).starts_with("channel receive: bad message")) << e.what();
      }
    }
    auto got5 = co_await receive_one(ch);
    EXPECT_EQ(got5, json::value("ok"));
  }());
}

TEST(Channel, NodeInternalMessagesAreSkipped) {
  run_bounded([]() -> coronet::task<> {
    auto [ch, raw] = make_raw_pair();
    co_await raw.write_all(
        "{\"cmd\":\"NODE_HANDLE_ACK\"}\n{\"cmd\":\"NODE_CLUSTER\",\"x\":1}\n"
        "{\"cmd\":\"mine\"}\n{\"cmd\":5}\n");
    EXPECT_EQ(co_await receive_one(ch), json::parse(R"({"cmd":"mine"})"));
    EXPECT_EQ(co_await receive_one(ch), json::parse(R"({"cmd":5})"));
  }());
}

TEST(Channel, MessagesSplitAcrossReadsAndJoinedInOne) {
  run_bounded([]() -> coronet::task<> {
    auto [ch, raw] = make_raw_pair();
    co_await raw.write_all("[1,");
    auto late = [](coronet::stream& raw) -> coronet::task<> {
      co_await coronet::test::next_turn();
      co_await raw.write_all("2]\n3\n4\n");
    };
    coronet::task_group group;
    group.spawn(late(raw));
    EXPECT_EQ(co_await receive_one(ch), json::parse("[1,2]"));
    EXPECT_EQ(co_await receive_one(ch), json::value(3));
    EXPECT_EQ(co_await receive_one(ch), json::value(4));
    co_await group.join();
  }());
}

TEST(Channel, PeerCloseEndsTheChannel) {
  run_bounded([]() -> coronet::task<> {
    auto [ch, raw] = make_raw_pair();
    co_await raw.write_all("\"last\"\n\"incomplete");
    raw.close();
    EXPECT_EQ(co_await receive_one(ch), json::value("last"));
    EXPECT_FALSE(co_await ch.receive());  // the piece without '\n' is not a message
    EXPECT_FALSE(co_await ch.receive());  // and the end stays the end
    EXPECT_FALSE(ch.is_connected());
  }());
}

TEST(Channel, DisconnectEndsBothSides) {
  run_bounded([]() -> coronet::task<> {
    auto [a, b] = make_pair();
    auto disconnect_later = [](channel& a) -> coronet::task<> {
      co_await coronet::test::next_turn();
      a.disconnect();
    };
    // a's own pending receive ends with nullopt; b sees the end too.
    auto [mine, ignored] = co_await coronet::when_all(a.receive(), disconnect_later(a));
    (void)ignored;
    EXPECT_FALSE(mine);
    EXPECT_FALSE(co_await b.receive());
    EXPECT_FALSE(a.is_connected());
    json::value v = 1;
    std::error_code ec = co_await coronet::test::error_of(a.send(std::move(v)));
    EXPECT_EQ(ec, channel_error::closed);
  }());
}

TEST(Channel, SendToAGonePeerFails) {
  run_bounded([]() -> coronet::task<> {
    auto [a, b] = make_pair();
    b.disconnect();
    json::value v = "anyone?";
    try {
      // The first send may still fit in the socket buffer of a peer that closed meanwhile;
      // the next ones fail.
      for (int i = 0; i < 3; ++i) co_await a.send(v);
      ADD_FAILURE() << "sends to a closed peer kept succeeding";
    } catch (const std::system_error& e) {
      EXPECT_EQ(e.code(), std::errc::broken_pipe) << e.what();
      EXPECT_STREQ(e.what(), "channel send: Broken pipe");
    }
  }());
}

TEST(Channel, ReceiveIsCancelSafe) {
  run_bounded([]() -> coronet::task<> {
    auto [a, b] = make_pair();
    std::error_code ec = co_await coronet::test::error_of(coronet::with_timeout(10ms, b.receive()));
    EXPECT_EQ(ec, std::errc::timed_out);
    json::value v = "after the cancel";
    co_await a.send(v);
    EXPECT_EQ(co_await receive_one(b), v);
  }());
}

TEST(Channel, DefaultConstructedIsNotConnected) {
  run_bounded([]() -> coronet::task<> {
    channel ch;
    EXPECT_FALSE(ch.is_connected());
    EXPECT_FALSE(co_await ch.receive());
    json::value v = 1;
    EXPECT_EQ(co_await coronet::test::error_of(ch.send(v)), channel_error::closed);
  }());
}

}  // namespace
