#include "utf8.hpp"

#include <array>
#include <cstring>

namespace coronet::websocket::detail {
namespace {

// A DFA over byte classes. Each class groups the bytes that every state treats alike; the
// states are what is still owed by the sequence under way. The tables below say it by class;
// feed() runs on one derived from them with a row of 256 per state and the state kept as its
// row's offset, so that a byte costs one dependent lookup.
//
// Classes: the ranges of Unicode's table 3-7 (well-formed byte sequences) cut at their edges.
enum cls : std::uint8_t {
  ascii,     // 00..7F
  cont_lo,   // 80..8F
  cont_mid,  // 90..9F
  cont_hi,   // A0..BF
  bad,       // C0 C1 F5..FF: never in UTF-8 (C0, C1 only begin overlongs; F5+ pass U+10FFFF)
  lead2,     // C2..DF
  e0,        // E0: next A0..BF (below is an overlong)
  lead3,     // E1..EC EE EF
  ed,        // ED: next 80..9F (above are the surrogates D800..DFFF)
  f0,        // F0: next 90..BF (below is an overlong)
  lead4,     // F1..F3
  f4,        // F4: next 80..8F (above passes U+10FFFF)
  classes
};

enum state : std::uint8_t {
  done,      // between sequences
  failed,    // never UTF-8 again
  need1,     // one continuation byte owed
  need2,     // two owed
  after_e0,  // E0 read
  after_ed,  // ED read
  after_f0,  // F0 read
  need3,     // F1..F3 read
  after_f4,  // F4 read
  states
};

constexpr std::size_t class_count = classes;
constexpr std::size_t state_count = states;

constexpr std::array<std::uint8_t, 256> make_classes() {
  std::array<std::uint8_t, 256> c{};
  for (int b = 0; b < 256; ++b) {
    c[b] = b < 0x80    ? ascii
           : b < 0x90  ? cont_lo
           : b < 0xA0  ? cont_mid
           : b < 0xC0  ? cont_hi
           : b < 0xC2  ? bad
           : b < 0xE0  ? lead2
           : b == 0xE0 ? e0
           : b == 0xED ? ed
           : b < 0xF0  ? lead3
           : b == 0xF0 ? f0
           : b < 0xF4  ? lead4
           : b == 0xF4 ? f4
                       : bad;
  }
  return c;
}

constexpr std::uint8_t at(state s) {
  return static_cast<std::uint8_t>(s * class_count);
}

constexpr std::array<std::uint8_t, state_count * class_count> make_transitions() {
  std::array<std::uint8_t, state_count * class_count> t{};
  for (auto& next : t) {
    next = at(failed);  // what is not listed below
  }
  auto set = [&t](state from, cls c, state to) { t[from * class_count + c] = at(to); };
  set(done, ascii, done);
  set(done, lead2, need1);
  set(done, e0, after_e0);
  set(done, lead3, need2);
  set(done, ed, after_ed);
  set(done, f0, after_f0);
  set(done, lead4, need3);
  set(done, f4, after_f4);
  for (cls c : {cont_lo, cont_mid, cont_hi}) {
    set(need1, c, done);
    set(need2, c, need1);
    set(need3, c, need2);
  }
  set(after_e0, cont_hi, need1);
  set(after_ed, cont_lo, need1);
  set(after_ed, cont_mid, need1);
  set(after_f0, cont_mid, need2);
  set(after_f0, cont_hi, need2);
  set(after_f4, cont_lo, need2);
  return t;
}

constexpr std::array<std::uint8_t, 256> byte_class = make_classes();
constexpr std::array<std::uint8_t, state_count* class_count> transition = make_transitions();

// The same DFA indexed by state row and byte.
constexpr std::uint32_t row(state s) {
  return s * 256u;
}

constexpr std::array<std::uint16_t, state_count * 256> make_rows() {
  std::array<std::uint16_t, state_count * 256> t{};
  for (std::size_t from = 0; from < state_count; ++from) {
    for (std::size_t b = 0; b < 256; ++b) {
      const std::size_t to = transition[from * class_count + byte_class[b]] / class_count;
      t[from * 256 + b] = static_cast<std::uint16_t>(to * 256);
    }
  }
  return t;
}

constexpr std::array<std::uint16_t, state_count* 256> next_row = make_rows();
constexpr std::uint32_t rejected = row(failed);

}  // namespace

bool utf8_validator::feed(std::span<const std::byte> bytes) noexcept {
  auto p = reinterpret_cast<const unsigned char*>(bytes.data());
  const auto end = p + bytes.size();
  std::uint32_t s = state_;
  while (p != end) {
    if (s == row(done)) {
      // Between sequences: skip ASCII a word at a time (most text is mostly ASCII), then byte by
      // byte up to the next lead byte.
      while (end - p >= 8) {
        std::uint64_t word;
        std::memcpy(&word, p, sizeof word);
        if ((word & 0x8080808080808080ull) != 0) {
          break;
        }
        p += 8;
      }
      while (p != end && *p < 0x80) {
        ++p;
      }
      if (p == end) {
        break;
      }
    }
    // Sequences (the rest of one, and those right after it) through the table, until ASCII
    // follows a complete one. Failing stops here, at the bad byte.
    do {
      s = next_row[s + *p++];
    } while (p != end && s != rejected && (s != row(done) || *p >= 0x80));
    if (s == rejected) {
      break;
    }
  }
  state_ = s;
  return s != rejected;
}

bool utf8_validator::finish() const noexcept {
  return state_ == row(done);
}

void utf8_validator::reset() noexcept {
  state_ = row(done);
}

}  // namespace coronet::websocket::detail
