// The handshake's keys: SHA-1 against FIPS/RFC 3174 vectors, base64, Sec-WebSocket-Accept against
// RFC 6455's example, Sec-WebSocket-Key checks, and the masking random bytes.
#include "handshake_key.hpp"

#include <gtest/gtest.h>

#include <array>
#include <cstdio>
#include <set>
#include <string>
#include <thread>

namespace coronet::websocket::detail {
namespace {

std::string hex(const sha1::digest& d) {
  std::string s;
  for (std::byte b : d) {
    char two[3];
    std::snprintf(two, sizeof two, "%02x", static_cast<unsigned>(b));
    s += two;
  }
  return s;
}

std::string sha1_hex(std::string_view data) {
  sha1 h;
  h.update(data);
  return hex(h.finish());
}

std::string b64(std::string_view s) {
  return base64_encode(std::as_bytes(std::span(s)));
}

TEST(Sha1, KnownVectors) {
  EXPECT_EQ(sha1_hex(""), "da39a3ee5e6b4b0d3255bfef95601890afd80709");
  EXPECT_EQ(sha1_hex("abc"), "a9993e364706816aba3e25717850c26c9cd0d89d");
  // RFC 3174's second test: 56 bytes, so the padding needs a second block.
  EXPECT_EQ(sha1_hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
            "84983e441c3bd26ebaae4aa1f95129e5e54670f1");
  EXPECT_EQ(sha1_hex(std::string(1'000'000, 'a')), "34aa973cd4c4daa4f61eeb2bdbad27316534016f");
}

TEST(Sha1, PiecesOfAnySizeHashAsTheWhole) {
  std::string data;
  for (int i = 0; i < 300; ++i) {
    data += static_cast<char>(i * 7);
  }
  const std::string whole = sha1_hex(data);
  for (std::size_t piece : {1u, 3u, 63u, 64u, 65u, 127u}) {
    sha1 h;
    for (std::size_t at = 0; at < data.size(); at += piece) {
      h.update(std::string_view(data).substr(at, piece));
    }
    EXPECT_EQ(hex(h.finish()), whole) << "pieces of " << piece;
  }
}

TEST(Base64, Rfc4648Vectors) {
  EXPECT_EQ(b64(""), "");
  EXPECT_EQ(b64("f"), "Zg==");
  EXPECT_EQ(b64("fo"), "Zm8=");
  EXPECT_EQ(b64("foo"), "Zm9v");
  EXPECT_EQ(b64("foob"), "Zm9vYg==");
  EXPECT_EQ(b64("fooba"), "Zm9vYmE=");
  EXPECT_EQ(b64("foobar"), "Zm9vYmFy");
  EXPECT_EQ(b64("\xfb\xff\xbf"), "+/+/");
}

TEST(HandshakeKey, AcceptKeyOfRfc6455Example) {
  EXPECT_EQ(accept_key("dGhlIHNhbXBsZSBub25jZQ=="), "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
}

TEST(HandshakeKey, ValidClientKeyIsBase64OfSixteenBytes) {
  EXPECT_TRUE(valid_client_key("dGhlIHNhbXBsZSBub25jZQ=="));
  EXPECT_TRUE(valid_client_key("AAAAAAAAAAAAAAAAAAAA+/=="));
  EXPECT_FALSE(valid_client_key(""));
  EXPECT_FALSE(valid_client_key("dGhlIHNhbXBsZSBub25jZQ="));    // 23 characters
  EXPECT_FALSE(valid_client_key("dGhlIHNhbXBsZSBub25jZQ==="));  // 25
  EXPECT_FALSE(valid_client_key("dGhlIHNhbXBsZSBub25jZQA="));   // 17 bytes
  EXPECT_FALSE(valid_client_key("dGhlIHNhbXBsZSBub25jZ!=="));   // not base64
  EXPECT_FALSE(valid_client_key("dGhlIHNhbXBsZSBub25j ZQ=="));
  EXPECT_FALSE(valid_client_key("dGhlIHNhbXBsZSBub25jZ-=="));  // base64url is not base64
}

TEST(HandshakeKey, MadeClientKeysAreValidAndFresh) {
  std::set<std::string> seen;
  for (int i = 0; i < 1000; ++i) {
    std::string key = make_client_key();
    EXPECT_TRUE(valid_client_key(key)) << key;
    seen.insert(std::move(key));
  }
  EXPECT_EQ(seen.size(), 1000u);
}

// Every byte value turns up in every position of a masking key, and a new thread's generator is
// not seeded as this one was (a fixed seed would repeat the sequence).
TEST(HandshakeKey, RandomBytesCoverEveryValueAndDifferPerThread) {
  std::array<std::array<bool, 256>, 4> hit{};
  for (int i = 0; i < 20000; ++i) {
    std::array<std::byte, 4> mask;
    random_bytes(mask);
    for (std::size_t j = 0; j < 4; ++j) {
      hit[j][static_cast<std::size_t>(mask[j])] = true;
    }
  }
  for (std::size_t j = 0; j < 4; ++j) {
    for (std::size_t v = 0; v < 256; ++v) {
      EXPECT_TRUE(hit[j][v]) << "byte " << j << " never " << v;
    }
  }

  std::array<std::byte, 64> here, there;
  random_bytes(here);
  std::thread([&] { random_bytes(there); }).join();
  EXPECT_NE(here, there);
  // An odd length is filled to its end.
  std::array<std::byte, 13> odd{};
  for (int tries = 0; tries < 8 && odd[12] == std::byte{0}; ++tries) {
    random_bytes(odd);
  }
  EXPECT_NE(odd[12], std::byte{0});
}

}  // namespace
}  // namespace coronet::websocket::detail
