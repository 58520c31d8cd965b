// utf8_validator: every code point, every sequence of up to three bytes against a plain decoder,
// the RFC 3629 / Unicode table 3-7 edge cases, sequences cut across feeds, and failing at the
// fragment that holds the bad byte (Autobahn's 6.x cases).
#include "utf8.hpp"

#include <gtest/gtest.h>

#include <optional>
#include <string>

namespace coronet::websocket::detail {
namespace {

bool whole(std::string_view s) {
  utf8_validator v;
  return v.feed(s) && v.finish();
}

std::string encode(char32_t cp) {
  std::string s;
  if (cp < 0x80) {
    s += static_cast<char>(cp);
  } else if (cp < 0x800) {
    s += static_cast<char>(0xC0 | cp >> 6);
    s += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    s += static_cast<char>(0xE0 | cp >> 12);
    s += static_cast<char>(0x80 | (cp >> 6 & 0x3F));
    s += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    s += static_cast<char>(0xF0 | cp >> 18);
    s += static_cast<char>(0x80 | (cp >> 12 & 0x3F));
    s += static_cast<char>(0x80 | (cp >> 6 & 0x3F));
    s += static_cast<char>(0x80 | (cp & 0x3F));
  }
  return s;
}

// The reference: decode sequence by sequence, as RFC 3629 section 3 words it.
bool reference_valid(std::string_view s) {
  for (std::size_t i = 0; i < s.size();) {
    const auto lead = static_cast<unsigned char>(s[i]);
    std::size_t n;
    char32_t cp;
    char32_t min;
    if (lead < 0x80) {
      ++i;
      continue;
    } else if ((lead & 0xE0) == 0xC0) {
      n = 2, cp = lead & 0x1F, min = 0x80;
    } else if ((lead & 0xF0) == 0xE0) {
      n = 3, cp = lead & 0x0F, min = 0x800;
    } else if ((lead & 0xF8) == 0xF0) {
      n = 4, cp = lead & 0x07, min = 0x10000;
    } else {
      return false;
    }
    if (i + n > s.size()) {
      return false;
    }
    for (std::size_t k = 1; k < n; ++k) {
      const auto c = static_cast<unsigned char>(s[i + k]);
      if ((c & 0xC0) != 0x80) {
        return false;
      }
      cp = cp << 6 | (c & 0x3F);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
      return false;
    }
    i += n;
  }
  return true;
}

TEST(Utf8, EveryScalarValueIsValidAndEverySurrogateIsNot) {
  for (char32_t cp = 0; cp <= 0x10FFFF; ++cp) {
    const bool surrogate = cp >= 0xD800 && cp <= 0xDFFF;
    ASSERT_EQ(whole(encode(cp)), !surrogate) << std::hex << "U+" << static_cast<unsigned>(cp);
    // Also where the 8-byte ASCII path reads: its lead byte last in the first word.
    const std::string in_words = "0123456" + encode(cp) + "789abcdef";
    ASSERT_EQ(whole(in_words), !surrogate) << std::hex << "U+" << static_cast<unsigned>(cp);
  }
}

// All strings of one, two and three bytes (16 million): the validator and the reference agree
// on each.
TEST(Utf8, AgreesWithAReferenceDecoderOnEveryShortString) {
  std::string s(3, '\0');
  for (unsigned a = 0; a < 256; ++a) {
    s.resize(1);
    s[0] = static_cast<char>(a);
    ASSERT_EQ(whole(s), reference_valid(s)) << a;
    for (unsigned b = 0; b < 256; ++b) {
      s.resize(2);
      s[1] = static_cast<char>(b);
      ASSERT_EQ(whole(s), reference_valid(s)) << a << ' ' << b;
      s.resize(3);
      for (unsigned c = 0; c < 256; ++c) {
        s[2] = static_cast<char>(c);
        ASSERT_EQ(whole(s), reference_valid(s)) << a << ' ' << b << ' ' << c;
      }
    }
  }
}

TEST(Utf8, RejectsOverlongsSurrogatesTooLargeAndStrayBytes) {
  for (std::string_view bad : {
           "\xC0\x80",                  // overlong U+0000
           "\xC1\xBF",                  // overlong U+007F
           "\xE0\x80\x80",              // overlong U+0000
           "\xE0\x9F\xBF",              // overlong U+07FF
           "\xF0\x80\x80\x80",          // overlong U+0000
           "\xF0\x8F\xBF\xBF",          // overlong U+FFFF
           "\xED\xA0\x80",              // U+D800
           "\xED\xBF\xBF",              // U+DFFF
           "\xED\xA0\x80\xED\xB0\x80",  // a surrogate pair, CESU-8
           "\xF4\x90\x80\x80",          // U+110000
           "\xF7\xBF\xBF\xBF",          // U+1FFFFF
           "\xF8\x88\x80\x80\x80",      // five bytes
           "\xFE",
           "\xFF",
           "\x80",  // a continuation byte alone
           "a\xBFz",
           "\xC2\x41",  // a lead byte not followed by a continuation
           "\xE1\x80\x41",
       }) {
    EXPECT_FALSE(whole(bad)) << testing::PrintToString(bad);
    EXPECT_FALSE(reference_valid(bad)) << testing::PrintToString(bad);
  }
  for (std::string_view good :
       {"\x7F", "\xC2\x80", "\xDF\xBF", "\xE0\xA0\x80", "\xED\x9F\xBF", "\xEE\x80\x80",
        "\xEF\xBF\xBF", "\xF0\x90\x80\x80", "\xF4\x8F\xBF\xBF",
        "\xCE\xBA\xE1\xBD\xB9\xCF\x83\xCE\xBC\xCE\xB5"}) {
    EXPECT_TRUE(whole(good)) << testing::PrintToString(good);
  }
}

TEST(Utf8, MessageEndingInsideASequenceFailsAtFinish) {
  for (std::string_view cut : {"\xC2", "\xE2\x82", "\xF0\x9F\x98", "abc\xF4"}) {
    utf8_validator v;
    EXPECT_TRUE(v.feed(cut)) << testing::PrintToString(cut);
    EXPECT_FALSE(v.finish()) << testing::PrintToString(cut);
  }
  utf8_validator v;
  EXPECT_TRUE(v.finish());  // the empty message
}

// A text mixing ASCII runs (the 8-byte path), long and short, with multi-byte sequences, cut at
// every position into two feeds and into one-byte feeds: the same answer as whole.
TEST(Utf8, SequencesCutAcrossFeedsAreKept) {
  const std::string text =
      "Hello, world! \xCE\xBA\xE1\xBD\xB9\xCF\x83\xCE\xBC\xCE\xB5 and "
      "\xF0\x9F\x98\x80 0123456789abcdef\xE2\x82\xAC"
      "end";
  ASSERT_TRUE(whole(text));
  for (std::size_t cut = 0; cut <= text.size(); ++cut) {
    utf8_validator v;
    ASSERT_TRUE(v.feed(std::string_view(text).substr(0, cut))) << cut;
    ASSERT_TRUE(v.feed(std::string_view(text).substr(cut))) << cut;
    ASSERT_TRUE(v.finish()) << cut;
  }
  utf8_validator v;
  for (char c : text) {
    ASSERT_TRUE(v.feed(std::string_view(&c, 1)));
  }
  EXPECT_TRUE(v.finish());
}

// Autobahn 6.4.x: the fragment holding the first impossible byte fails, though the message goes
// on; and a sequence that cannot be completed fails at its second byte, not when it ends.
TEST(Utf8, FailsAtTheFragmentHoldingTheBadByte) {
  utf8_validator v;
  EXPECT_TRUE(v.feed("\xCE\xBA\xE1\xBD\xB9\xCF\x83\xCE\xBC\xCE\xB5"));
  EXPECT_TRUE(v.feed("\xF4"));
  EXPECT_FALSE(v.feed("\x90"));  // F4 90 is past U+10FFFF whatever follows

  v.reset();
  EXPECT_TRUE(v.feed("\xCE\xBA\xE1\xBD\xB9\xCF\x83\xCE\xBC\xCE\xB5"));
  EXPECT_FALSE(v.feed("\xF4\x90\x80\x80\xCE\xBA"));

  // The bad byte after a long ASCII run, inside the word the fast path reads.
  v.reset();
  EXPECT_FALSE(v.feed(std::string(4096, 'a') + "abc\xFF" + "defgh"));

  v.reset();
  EXPECT_FALSE(v.feed("\xED\xA0"));  // a surrogate known at its second byte
}

TEST(Utf8, StaysFailedUntilReset) {
  utf8_validator v;
  EXPECT_FALSE(v.feed("\xC0"));
  EXPECT_FALSE(v.feed("valid text"));
  EXPECT_FALSE(v.finish());
  v.reset();
  EXPECT_TRUE(v.feed("valid text"));
  EXPECT_TRUE(v.finish());
  // reset also forgets a sequence under way.
  EXPECT_TRUE(v.feed("\xE2\x82"));
  v.reset();
  EXPECT_TRUE(v.feed("a"));
  EXPECT_TRUE(v.finish());
}

}  // namespace
}  // namespace coronet::websocket::detail
