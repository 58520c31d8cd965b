// Request smuggling and hostile input, case by case: every message that two HTTP/1.1 parsers
// could frame differently (a proxy in front of coronet, and coronet) is refused with 400 (or
// 413/414/431/501 where a limit or an unknown coding is the fault), the connection is closed,
// and a request pipelined after it is never served. server_errors_test.cpp has the first
// cases (conflicting lengths, Content-Length with chunked, bare LF, ...); these extend them.
// docs/reliability.md has the table of statuses.
#include <gtest/gtest.h>

#include <string>

#include "http_test_support.hpp"

namespace coronet::http_test {
namespace {

using namespace std::string_literals;

struct hostile {
  const char* name;
  std::string bytes;
  int status;
};

std::ostream& operator<<(std::ostream& os, const hostile& h) {
  return os << h.name;
}

const std::string post_head = "POST / HTTP/1.1\r\nHost: test\r\n";
const std::string chunked_head = post_head + "Transfer-Encoding: chunked\r\n\r\n";

std::vector<hostile> content_length_cases() {
  return {
      // RFC 9112 6.3: a repeated Content-Length, even with the same value, could be read as
      // either line by another parser; llhttp (and Node) refuse it.
      {"SameTwice", post_head + "Content-Length: 5\r\nContent-Length: 5\r\n\r\nhello", 400},
      {"SameValueList", post_head + "Content-Length: 5, 5\r\n\r\nhello", 400},
      {"CommaAlone", post_head + "Content-Length: 5,\r\n\r\nhello", 400},
      {"PlusSign", post_head + "Content-Length: +5\r\n\r\nhello", 400},
      {"InnerSpace", post_head + "Content-Length: 5 5\r\n\r\nhello", 400},
      {"Hex", post_head + "Content-Length: 0x5\r\n\r\nhello", 400},
      {"Empty", post_head + "Content-Length:\r\n\r\nhello", 400},
      {"Fraction", post_head + "Content-Length: 5.0\r\n\r\nhello", 400},
      // More digits than 64 bits hold: an overflow, not a length.
      {"Overflow", post_head + "Content-Length: 99999999999999999999\r\n\r\n", 400},
      // Lengths that fit in 64 bits are refused against the body limit (1 MiB by default)
      // before any byte of the body is read, let alone a buffer of that size allocated.
      {"TwoToThe63", post_head + "Content-Length: 9223372036854775808\r\n\r\n", 413},
      {"Uint64Max", post_head + "Content-Length: 18446744073709551615\r\n\r\n", 413},
  };
}

std::vector<hostile> transfer_encoding_cases() {
  return {
      // RFC 9112 7.1: chunked is applied once at most.
      {"ChunkedTwice", post_head + "Transfer-Encoding: chunked, chunked\r\n\r\n0\r\n\r\n", 400},
      {"ChunkedOnTwoLines",
       post_head + "Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
       400},
      // RFC 9112 6.3: chunked not the final coding of a request: its length cannot be known,
      // the server MUST answer 400 and close. A coding coronet does not know before a final
      // chunked is 501 (server_errors_test: TransferCodingGzipThenChunked).
      {"ChunkedNotLast", post_head + "Transfer-Encoding: chunked, gzip\r\n\r\n0\r\n\r\n", 400},
      {"Xchunked", post_head + "Transfer-Encoding: xchunked\r\n\r\n0\r\n\r\n", 400},
      {"ChunkedX", post_head + "Transfer-Encoding: chunkedx\r\n\r\n0\r\n\r\n", 400},
      {"Identity", post_head + "Transfer-Encoding: identity\r\n\r\n", 400},
      {"EmptyValue", post_head + "Transfer-Encoding:\r\n\r\n0\r\n\r\n", 400},
      {"CommaOnly", post_head + "Transfer-Encoding: ,\r\n\r\n0\r\n\r\n", 400},
      // RFC 9112 6.1: Transfer-Encoding in HTTP/1.0 is faulty framing, a length beside it too
      // (server_errors_test: Http10WithTransferEncoding, without one).
      {"Http10ChunkedWithLength",
       "POST / HTTP/1.0\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400},
  };
}

std::vector<hostile> chunk_cases() {
  return {
      {"SizeLeadingSpace", chunked_head + " 3\r\nabc\r\n0\r\n\r\n", 400},
      {"SizeNegative", chunked_head + "-3\r\nabc\r\n0\r\n\r\n", 400},
      {"SizeHexPrefix", chunked_head + "0x3\r\nabc\r\n0\r\n\r\n", 400},
      {"SizeEmpty", chunked_head + "\r\nabc\r\n0\r\n\r\n", 400},
      {"SizeOverflow16Digits", chunked_head + "10000000000000000\r\nabc\r\n0\r\n\r\n", 400},
      {"ExtensionControlChar", chunked_head + "3;a\x01=b\r\nabc\r\n0\r\n\r\n", 400},
      {"ExtensionNul", chunked_head + "3;a=\0\r\nabc\r\n0\r\n\r\n"s, 400},
      {"ExtensionBareLf", chunked_head + "3;a=b\nabc\r\n0\r\n\r\n", 400},
      {"ExtensionBareCr", chunked_head + "3;a=b\rabc\r\n0\r\n\r\n", 400},
      {"ExtensionUnterminatedQuote", chunked_head + "3;a=\"b\r\nabc\r\n0\r\n\r\n", 400},
      // 16 KiB of extensions a message at most (Node's bound since CVE-2024-22019), counted
      // over all the chunks: many small ones add up.
      {"ExtensionsAddUp",
       [] {
         std::string r = chunked_head;
         for (int i = 0; i < 40; ++i) r += "1;" + std::string(500, 'e') + "\r\nx\r\n";
         return r + "0\r\n\r\n";
       }(),
       413},
      {"DataNotFollowedByCrlf", chunked_head + "3\r\nabcde\r\n0\r\n\r\n", 400},
      {"LastChunkBareLf", chunked_head + "0\n\r\n", 400},
      {"TrailerObsFold", chunked_head + "0\r\nX-T: a\r\n b\r\n\r\n", 400},
  };
}

std::vector<hostile> head_cases() {
  return {
      // RFC 9112 5.2: a server may unfold obs-fold or reject it; coronet rejects (strict, as a
      // proxy in front may not unfold the same way).
      {"ObsFoldSpace", "GET / HTTP/1.1\r\nHost: test\r\nX-A: a\r\n folded\r\n\r\n", 400},
      {"ObsFoldTab", "GET / HTTP/1.1\r\nHost: test\r\nX-A: a\r\n\tfolded\r\n\r\n", 400},
      {"ObsFoldOfTransferEncoding",
       post_head + "X-A: a\r\nTransfer-Encoding:\r\n chunked\r\nContent-Length: 3\r\n\r\nabc", 400},
      {"FirstHeaderLineFolded", "GET / HTTP/1.1\r\n Host: test\r\n\r\n", 400},
      {"ControlCharInValue", "GET / HTTP/1.1\r\nHost: test\r\nX-A: a\x01z\r\n\r\n", 400},
      {"EscapeInValue", "GET / HTTP/1.1\r\nHost: test\r\nX-A: a\x1bz\r\n\r\n", 400},
      {"DelInValue", "GET / HTTP/1.1\r\nHost: test\r\nX-A: a\x7fz\r\n\r\n", 400},
      {"NulInName", "GET / HTTP/1.1\r\nHost: test\r\nX\0A: 1\r\n\r\n"s, 400},
      {"TabBeforeColon", "GET / HTTP/1.1\r\nHost: test\r\nX-A\t: 1\r\n\r\n", 400},
      {"SpaceBeforeColonContentLength", post_head + "Content-Length : 3\r\n\r\nabc", 400},
      {"EmptyHeaderName", "GET / HTTP/1.1\r\nHost: test\r\n: v\r\n\r\n", 400},
      {"UnknownMethod", "FROB / HTTP/1.1\r\nHost: test\r\n\r\n", 400},
      {"MethodWithControlChar", "GE\x01T / HTTP/1.1\r\nHost: test\r\n\r\n", 400},
      {"NulInTarget", "GET /a\0b HTTP/1.1\r\nHost: test\r\n\r\n"s, 400},
      {"ControlCharInTarget", "GET /a\x01z HTTP/1.1\r\nHost: test\r\n\r\n", 400},
      {"TabInTarget", "GET /a\tb HTTP/1.1\r\nHost: test\r\n\r\n", 400},
      {"BadVersion", "GET / HTTP/1.x\r\nHost: test\r\n\r\n", 400},
      {"BareCrAfterRequestLine", "GET / HTTP/1.1\rHost: test\r\n\r\n", 400},
      {"HostTwiceDifferentCase", "GET / HTTP/1.1\r\nHost: a\r\nhost: b\r\n\r\n", 400},
      {"HostMissingWithAbsoluteTarget", "GET http://a/ HTTP/1.1\r\nX-A: 1\r\n\r\n", 400},
      // A request line longer than the whole head's limit (16 KiB): 414 URI Too Long, as
      // nginx answers (Node says 431, counting the request line in its header limit). The
      // server could not read the request line at all, so the fault is the target's.
      {"TargetTooLong", "GET /" + text(20 * 1024) + " HTTP/1.1\r\nHost: test\r\n\r\n", 414},
      {"TargetFarTooLong", "GET /" + text(200 * 1024) + " HTTP/1.1\r\nHost: test\r\n\r\n", 414},
  };
}

class ServerSmuggling : public ::testing::TestWithParam<hostile> {};

TEST_P(ServerSmuggling, RejectedAndClosedWithoutServingTheNext) {
  expect_rejected(GetParam().bytes, GetParam().status);
}

const auto case_name = [](const auto& info) { return std::string(info.param.name); };

INSTANTIATE_TEST_SUITE_P(ContentLength, ServerSmuggling,
                         ::testing::ValuesIn(content_length_cases()), case_name);
INSTANTIATE_TEST_SUITE_P(TransferEncoding, ServerSmuggling,
                         ::testing::ValuesIn(transfer_encoding_cases()), case_name);
INSTANTIATE_TEST_SUITE_P(Chunks, ServerSmuggling, ::testing::ValuesIn(chunk_cases()), case_name);
INSTANTIATE_TEST_SUITE_P(Head, ServerSmuggling, ::testing::ValuesIn(head_cases()), case_name);

// A long target is not the head's fault when the request line fits: a head of many headers
// over the limit is still 431 (server_errors_test: HeadTooLarge), and a target that fits with
// a head that does not is 431 too.
TEST(ServerSmugglingLimits, LongTargetThatFitsWithHeadersOverTheLimitIs431) {
  expect_rejected("GET /" + text(8 * 1024) +
                      " HTTP/1.1\r\nHost: test\r\nX-Big: " + text(10 * 1024) + "\r\n\r\n",
                  431);
}

// The request line arriving in small writes, the target crossing the limit in the middle of
// one: still 414 (the limit is counted over all the bytes, not per read).
TEST(ServerSmugglingLimits, TargetTooLongSentInPieces) {
  recorder<std::string> targets;
  server_thread srv([&targets](http::request& req) -> task<http::response> {
    targets.add(req.target);
    co_return http::response(200);
  });
  raw_client c(srv.port());
  c.send("GET /");
  const std::string piece = text(1000);
  for (int i = 0; i < 40 && !c.readable_within(0ms); ++i)
    if (!c.try_send(piece)) break;
  const raw_response r = c.read_response();
  EXPECT_EQ(r.status, 414) << r.head;
  EXPECT_TRUE(r.says_close()) << r.head;
  EXPECT_EQ(c.read_to_eof(), "");
  EXPECT_EQ(targets.size(), 0u);
}

}  // namespace
}  // namespace coronet::http_test
