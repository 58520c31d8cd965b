// A deflate bomb: a small permessage-deflate frame that inflates far past max_message_size is
// stopped at the limit (1009), promptly and without the server holding what it would inflate to.
#include <zlib.h>

#include <string>

#include "proc_stats.hpp"  // tests/support
#include "ws_raw.hpp"

namespace coronet::ws_test {
namespace {

// `zeros` zero bytes as one permessage-deflate message (raw deflate, RFC 7692's trailing
// 00 00 ff ff removed), compressed a MiB at a time so that the test never holds them inflated.
std::string deflated_zeros(std::size_t zeros) {
  z_stream z{};
  EXPECT_EQ(deflateInit2(&z, 9, Z_DEFLATED, -15, 9, Z_DEFAULT_STRATEGY), Z_OK);
  const std::string block(1 << 20, '\0');
  std::string out;
  char buf[64 * 1024];
  for (std::size_t left = zeros; left > 0;) {
    const std::size_t n = std::min(left, block.size());
    left -= n;
    z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(block.data()));
    z.avail_in = static_cast<uInt>(n);
    do {
      z.next_out = reinterpret_cast<Bytef*>(buf);
      z.avail_out = sizeof buf;
      deflate(&z, left == 0 ? Z_SYNC_FLUSH : Z_NO_FLUSH);
      out.append(buf, sizeof buf - z.avail_out);
    } while (z.avail_out == 0);
  }
  deflateEnd(&z);
  EXPECT_EQ(out.substr(out.size() - 4), std::string("\0\0\xff\xff", 4));
  out.resize(out.size() - 4);
  return out;
}

TEST(WebSocketDeflateBomb, InflatingPastTheLimitIs1009AndMemoryStaysBounded) {
  websocket::server_options o;
  o.max_message_size = 1 << 20;
  const std::size_t bomb_size = 256u << 20;  // 256 MiB of zeros
  const std::string bomb = deflated_zeros(bomb_size);
  ASSERT_LT(bomb.size(), 512u * 1024);  // a few hundred KiB on the wire
  const std::size_t rss_before = test::resident_bytes();
  expect_violation_with(
      "Sec-WebSocket-Extensions: permessage-deflate\r\n",
      [&](raw_ws& c) {
        ASSERT_NE(c.handshake()
                      .header("Sec-WebSocket-Extensions")
                      .value_or("")
                      .find("permessage-deflate"),
                  std::string::npos)
            << "permessage-deflate was not negotiated: " << c.handshake().head;
        test::stopwatch t;
        c.send(frame(0xc2, bomb));  // FIN, RSV1 (compressed), binary
        c.expect_close(1009);
        EXPECT_LT(t.elapsed(), test::prompt);
      },
      o);
  // The server inflated at most the limit (and zlib's window), never the bomb.
  EXPECT_LT(test::resident_bytes(), rss_before + (48u << 20))
      << "RSS grew by " << (test::resident_bytes() - rss_before) / 1024 << " KiB";
}

TEST(WebSocketDeflateBomb, CompressedMessageUnderTheLimitIsAccepted) {
  websocket::server_options o;
  o.max_message_size = 1 << 20;
  http_test::server_thread srv(websocket::accept(echo, o));
  raw_ws c(srv.port(), "Sec-WebSocket-Extensions: permessage-deflate\r\n");
  c.send(frame(0xc2, deflated_zeros(1 << 20)));  // exactly the limit
  const raw_frame f = c.read_frame();
  EXPECT_EQ(f.op, 0x2);
  EXPECT_EQ(f.rsv, 0x4) << "the echo of a large message goes out compressed";
  c.close_normally();
}

}  // namespace
}  // namespace coronet::ws_test
