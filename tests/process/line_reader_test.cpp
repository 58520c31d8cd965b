// line_reader (process/src): the channel's receive buffer. Its memory is bounded by the message
// limit plus one read chunk, and a large line's memory is given back once it is consumed.
#include "line_reader.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <string>
#include <system_error>
#include <vector>

#include <coronet/process/channel.hpp>

namespace {

using coronet::process::channel_error;
using coronet::process::detail::line_reader;

struct fed {
  std::vector<std::string> lines;
  int too_long = 0;
  std::size_t max_capacity = 0;
};

// Gives `r` `count` bytes of `fill` and then `tail`, a read at a time, as the channel does:
// room(), commit(), then next_line() until it has nothing.
void feed(line_reader& r, fed& out, std::size_t count, char fill, std::string_view tail = {}) {
  auto drain = [&] {
    for (;;) {
      try {
        std::optional<std::string_view> l = r.next_line();
        if (!l) return;
        out.lines.emplace_back(l->size() > 64 ? std::string(l->size(), '#') : std::string(*l));
      } catch (const std::system_error& e) {
        EXPECT_EQ(e.code(), channel_error::message_too_long);
        ++out.too_long;
      }
    }
  };
  while (count > 0 || !tail.empty()) {
    std::span<char> room = r.room();
    out.max_capacity = std::max(out.max_capacity, r.capacity());
    std::size_t n = std::min({room.size(), count, std::size_t(line_reader::read_chunk)});
    std::memset(room.data(), fill, n);
    count -= n;
    if (count == 0 && n < room.size()) {
      const std::size_t t = std::min(tail.size(), room.size() - n);
      std::memcpy(room.data() + n, tail.data(), t);
      tail.remove_prefix(t);
      n += t;
    }
    r.commit(n);
    drain();
  }
}

TEST(ChannelLineReader, AnEndlessLineNeverGrowsTheBufferPastTheLimitAndAChunk) {
  constexpr std::size_t limit = std::size_t(8) << 20;
  line_reader r(limit);
  fed f;
  feed(r, f, 3 * limit, 'x', "\n{\"next\":1}\n");
  EXPECT_EQ(f.too_long, 1);
  ASSERT_EQ(f.lines.size(), 1u);
  EXPECT_EQ(f.lines[0], "{\"next\":1}");
  // The line is refused once over the limit: no more room than that (plus one read) is needed.
  EXPECT_LE(f.max_capacity, limit + line_reader::read_chunk);
  // And once it is dropped the buffer is small again.
  r.room();
  EXPECT_EQ(r.capacity(), line_reader::default_capacity);
}

TEST(ChannelLineReader, ALineOfExactlyTheLimitFits) {
  constexpr std::size_t limit = std::size_t(1) << 20;
  line_reader r(limit);
  fed f;
  feed(r, f, limit, 'y', "\n");
  EXPECT_EQ(f.too_long, 0);
  ASSERT_EQ(f.lines.size(), 1u);
  EXPECT_EQ(f.lines[0].size(), limit);
  EXPECT_LE(f.max_capacity, limit + line_reader::read_chunk);
}

TEST(ChannelLineReader, ALargeMessageGivesItsMemoryBackOnceConsumed) {
  line_reader r(coronet::process::channel::default_max_message);
  fed f;
  constexpr std::size_t large = std::size_t(40) << 20;
  feed(r, f, large, 'z', "\n{\"part\":");  // a large line, and the start of the next
  ASSERT_EQ(f.lines.size(), 1u);
  EXPECT_EQ(f.lines[0].size(), large);
  EXPECT_LE(f.max_capacity, 2 * large);  // geometric growth, never more than twice what it holds
  r.trim();                              // what the channel does once it has parsed the line
  EXPECT_EQ(r.capacity(), line_reader::default_capacity);
  feed(r, f, 0, ' ', "2}\n");  // the unconsumed start of the next line survived the shrink
  ASSERT_EQ(f.lines.size(), 2u);
  EXPECT_EQ(f.lines[1], "{\"part\":2}");
}

TEST(ChannelLineReader, MediumMessagesKeepTheirBuffer) {
  line_reader r(coronet::process::channel::default_max_message);
  fed f;
  feed(r, f, 300 * 1024, 'm', "\n");
  const std::size_t grown = r.capacity();
  EXPECT_GT(grown, line_reader::default_capacity);
  r.trim();
  EXPECT_EQ(r.capacity(), grown);  // no reallocation per message below keep_capacity
}

}  // namespace
