// Frames RFC 6455 forbids, sent by hand to a coronet server after a good handshake: each gets
// the close code the RFC asks for, then the TCP close, and the server goes on serving others
// (expect_violation, ws_raw.hpp). Also what is allowed and looks odd: control frames between a
// message's fragments, headers one byte at a time, many frames in one segment.
#include <string>

#include "ws_raw.hpp"

namespace coronet::ws_test {
namespace {

using namespace std::string_literals;

constexpr std::uint16_t protocol_error = 1002;
constexpr std::uint16_t invalid_payload = 1007;
constexpr std::uint16_t too_big = 1009;

TEST(WebSocketBadFrames, UnmaskedClientFrameIs1002) {
  expect_violation(frame(0x81, "hello", false), protocol_error);
}

TEST(WebSocketBadFrames, Rsv2OrRsv3Is1002) {
  expect_violation(frame(0x81 | 0x20, "x"), protocol_error);
  expect_violation(frame(0x81 | 0x10, "x"), protocol_error);
}

TEST(WebSocketBadFrames, Rsv1WithoutDeflateIs1002) {
  // No Sec-WebSocket-Extensions was offered: RSV1 means nothing on this connection.
  expect_violation(frame(0x81 | 0x40, "x"), protocol_error);
}

TEST(WebSocketBadFrames, UnknownOpcodesAre1002) {
  for (std::uint8_t op : {3, 4, 5, 6, 7, 0xb, 0xc, 0xd, 0xe, 0xf}) {
    SCOPED_TRACE("opcode " + std::to_string(op));
    expect_violation(frame(static_cast<std::uint8_t>(0x80 | op), "x"), protocol_error);
  }
}

TEST(WebSocketBadFrames, FragmentedControlFrameIs1002) {
  expect_violation(frame(0x09, "ping"), protocol_error);  // a ping without FIN
}

TEST(WebSocketBadFrames, ControlFrameOver125BytesIs1002) {
  expect_violation(frame(0x89, std::string(126, 'p')), protocol_error);
}

TEST(WebSocketBadFrames, ContinuationWithoutAStartIs1002) {
  expect_violation(frame(0x80, "orphan"), protocol_error);
}

TEST(WebSocketBadFrames, NewDataFrameInsideAFragmentedMessageIs1002) {
  expect_violation(frame(0x01, "part one") + frame(0x81, "a new message"), protocol_error);
}

TEST(WebSocketBadFrames, SixtyFourBitLengthWithTopBitIs1002) {
  // Only the header: the length says 2^63 + 5, which no payload could follow.
  expect_violation(frame(0x82, "", true, (std::uint64_t{1} << 63) + 5), protocol_error);
}

TEST(WebSocketBadFrames, InvalidUtf8TextIs1007) {
  expect_violation(frame(0x81, "caf\xc3\x28"), invalid_payload);
}

TEST(WebSocketBadFrames, InvalidUtf8AcrossFragmentsIs1007) {
  // A valid lead byte ends the first fragment, the second brings an impossible continuation.
  expect_violation(frame(0x01, "ok \xe2\x82") + frame(0x80, "\x28 more"), invalid_payload);
}

TEST(WebSocketBadFrames, InvalidUtf8FailsBeforeTheMessageEnds) {
  // The bad fragment is the only one sent: the close must come without waiting for the rest.
  expect_violation(frame(0x01, "fine so far") + frame(0x00, "\xff\xfe"), invalid_payload);
}

TEST(WebSocketBadFrames, TextEndingInsideACharacterIs1007) {
  expect_violation(frame(0x81, "euro \xe2\x82"), invalid_payload);
  expect_violation(frame(0x01, "euro ") + frame(0x80, "\xe2"), invalid_payload);
}

TEST(WebSocketBadFrames, CloseWithAOneBytePayloadIs1002) {
  expect_violation(frame(0x88, "\x03"), protocol_error);
}

TEST(WebSocketBadFrames, InvalidCloseCodesAre1002) {
  for (std::uint16_t code : {0, 999, 1004, 1005, 1006, 1015, 2999, 5000}) {
    SCOPED_TRACE("close code " + std::to_string(code));
    expect_violation(frame(0x88, close_payload(code, "x")), protocol_error);
  }
}

TEST(WebSocketBadFrames, CloseReasonNotUtf8Is1007) {
  expect_violation(frame(0x88, close_payload(1000, "bad \xc0\xaf")), invalid_payload);
}

TEST(WebSocketBadFrames, HeaderAnnouncingTooBigIs1009BeforeThePayload) {
  websocket::server_options o;
  o.max_message_size = 1000;
  // Only the header of a 1001-byte message: the close must not wait for its payload.
  expect_violation(frame(0x82, "", true, 1001), too_big, o);
}

TEST(WebSocketBadFrames, FragmentsAddingUpPastTheLimitAre1009) {
  websocket::server_options o;
  o.max_message_size = 1000;
  const std::string piece(400, 'a');
  expect_violation(frame(0x02, piece) + frame(0x00, piece) + frame(0x00, piece), too_big, o);
}

TEST(WebSocketBadFrames, MessageAtTheLimitIsAccepted) {
  // The other side of the limit: exactly max_message_size goes through.
  websocket::server_options o;
  o.max_message_size = 1000;
  http_test::server_thread srv(websocket::accept(echo, o));
  raw_ws c(srv.port());
  const std::string piece(500, 'b');
  c.send(frame(0x02, piece) + frame(0x80, piece));
  const raw_frame f = c.read_frame();
  EXPECT_EQ(f.op, 0x2);
  EXPECT_EQ(f.payload, piece + piece);
  c.close_normally();
}

TEST(WebSocketFrames, ControlFramesInsideAFragmentedMessageAreAnswered) {
  http_test::server_thread srv(websocket::accept(echo));
  raw_ws c(srv.port());
  c.send(frame(0x01, "Hello, "));
  c.send(frame(0x89, "are you there?"));
  // The pong comes before the message is complete: pings are answered as they arrive.
  const raw_frame pong = c.read_frame();
  EXPECT_EQ(pong.op, 0xa);
  EXPECT_EQ(pong.payload, "are you there?");
  c.send(frame(0x8a, "unsolicited pong") + frame(0x00, "World") + frame(0x89, "") +
         frame(0x80, "!"));
  const raw_frame empty_pong = c.read_frame();
  EXPECT_EQ(empty_pong.op, 0xa);
  EXPECT_EQ(empty_pong.payload, "");
  const raw_frame m = c.read_frame();
  EXPECT_EQ(m.op, 0x1);
  EXPECT_EQ(m.payload, "Hello, World!");
  c.close_normally();
}

TEST(WebSocketFrames, HeadersArrivingOneByteAtATime) {
  http_test::server_thread srv(websocket::accept(echo));
  raw_ws c(srv.port());
  // 16-bit and 64-bit length forms too, so that every header size is split everywhere.
  const std::string medium(300, 'm');
  const std::string large(70'000, 'L');
  const std::string bytes = frame(0x81, "tiny") + frame(0x82, medium) + frame(0x82, large);
  const std::size_t headers_end = bytes.size() - large.size();
  for (std::size_t i = 0; i < headers_end; ++i) {
    c.socket().send(bytes.substr(i, 1));
    // TCP_NODELAY is on in raw_client: each byte is a segment of its own.
  }
  c.send(bytes.substr(headers_end));
  EXPECT_EQ(c.read_frame().payload, "tiny");
  EXPECT_EQ(c.read_frame().payload, medium);
  EXPECT_EQ(c.read_frame().payload, large);
  c.close_normally();
}

TEST(WebSocketFrames, ManyFramesInOneSegment) {
  http_test::server_thread srv(websocket::accept(echo));
  raw_ws c(srv.port());
  std::string burst;
  for (int i = 0; i < 500; ++i) burst += frame(0x81, "m" + std::to_string(i));
  c.send(burst);
  for (int i = 0; i < 500; ++i) ASSERT_EQ(c.read_frame().payload, "m" + std::to_string(i));
  c.close_normally();
}

}  // namespace
}  // namespace coronet::ws_test
