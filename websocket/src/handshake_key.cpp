#include "handshake_key.hpp"

#include <algorithm>
#include <bit>
#include <cstring>
#include <random>
#include <utility>

namespace coronet::websocket::detail {
namespace {

constexpr std::string_view websocket_guid = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
constexpr char base64_alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

std::uint32_t load_be32(const std::uint8_t* p) noexcept {
  return std::uint32_t{p[0]} << 24 | std::uint32_t{p[1]} << 16 | std::uint32_t{p[2]} << 8 |
         std::uint32_t{p[3]};
}

bool is_base64_char(char c) noexcept {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' ||
         c == '/';
}

// The per-thread generator behind random_bytes. Masking keys must not be predictable by whoever
// chooses the payload (RFC 6455 10.3: in a browser, the page's script), so that it cannot make
// masked bytes look like another protocol to a proxy. A Mersenne Twister seeded from
// std::random_device at the thread's first use is fast (no system call per frame), but its output
// is linear in its state: 312 outputs reveal it. So each output is mixed with a per-thread secret
// by a non-linear step (an addition and splitmix64's multiply-xorshift finaliser) before it is
// used, and the twister is reseeded from random_device every 2^16 outputs.
class masking_random {
 public:
  masking_random() { reseed(); }

  std::uint64_t next() noexcept {
    if (++drawn_ == reseed_every) {
      reseed();
    }
    std::uint64_t z = engine_() + secret_;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }

 private:
  static constexpr std::uint32_t reseed_every = 1u << 16;

  void reseed() noexcept {
    // random_device can throw where the system has no entropy source; a default-seeded engine
    // then still varies per thread through the secret's address, the best left to do.
    try {
      std::random_device rd;
      std::seed_seq seq{rd(), rd(), rd(), rd(), rd(), rd(), rd(), rd()};
      engine_.seed(seq);
      secret_ = std::uint64_t{rd()} << 32 | rd();
    } catch (...) {
      secret_ ^= reinterpret_cast<std::uintptr_t>(this) * 0x9E3779B97F4A7C15ull;
    }
    drawn_ = 0;
  }

  std::mt19937_64 engine_;
  std::uint64_t secret_ = 0;
  std::uint32_t drawn_ = 0;
};

// SHA-1's round T (FIPS 180-4 6.1.2) on the working variables v. Instead of shifting a..e along
// after each round, the roles rotate over v: in round T, `a` is v[(5 - T % 5) % 5] and the others
// follow it. The message schedule is a 16-word ring (6.1.3, the alternate method).
template <std::size_t T>
inline void sha1_round(std::uint32_t (&v)[5], std::uint32_t (&w)[16]) noexcept {
  constexpr std::size_t a = (5 - T % 5) % 5, b = (a + 1) % 5, c = (a + 2) % 5, d = (a + 3) % 5,
                        e = (a + 4) % 5;
  if constexpr (T >= 16) {
    w[T & 15] = std::rotl(w[(T + 13) & 15] ^ w[(T + 8) & 15] ^ w[(T + 2) & 15] ^ w[T & 15], 1);
  }
  std::uint32_t f;
  std::uint32_t k;
  if constexpr (T < 20) {
    f = v[d] ^ (v[b] & (v[c] ^ v[d]));  // Ch
    k = 0x5A827999;
  } else if constexpr (T < 40) {
    f = v[b] ^ v[c] ^ v[d];  // Parity
    k = 0x6ED9EBA1;
  } else if constexpr (T < 60) {
    f = (v[b] & v[c]) | (v[d] & (v[b] | v[c]));  // Maj
    k = 0x8F1BBCDC;
  } else {
    f = v[b] ^ v[c] ^ v[d];
    k = 0xCA62C1D6;
  }
  v[e] += std::rotl(v[a], 5) + f + k + w[T & 15];
  v[b] = std::rotl(v[b], 30);
}

}  // namespace

void sha1::update(std::span<const std::byte> bytes) noexcept {
  auto p = reinterpret_cast<const std::uint8_t*>(bytes.data());
  std::size_t n = bytes.size();
  length_ += n;
  if (buffered_ != 0) {
    std::size_t take = std::min(n, buf_.size() - buffered_);
    std::memcpy(buf_.data() + buffered_, p, take);
    buffered_ += take;
    p += take;
    n -= take;
    if (buffered_ < buf_.size()) {
      return;
    }
    block(buf_.data());
    buffered_ = 0;
  }
  for (; n >= 64; p += 64, n -= 64) {
    block(p);
  }
  std::memcpy(buf_.data(), p, n);
  buffered_ = n;
}

sha1::digest sha1::finish() noexcept {
  const std::uint64_t bits = length_ * 8;
  // Padding: 0x80, zeros up to 56 mod 64, then the length in bits, big-endian.
  buf_[buffered_++] = 0x80;
  if (buffered_ > 56) {
    std::fill(buf_.begin() + static_cast<std::ptrdiff_t>(buffered_), buf_.end(), 0);
    block(buf_.data());
    buffered_ = 0;
  }
  std::fill(buf_.begin() + static_cast<std::ptrdiff_t>(buffered_), buf_.begin() + 56, 0);
  for (int i = 0; i < 8; ++i) {
    buf_[56 + i] = static_cast<std::uint8_t>(bits >> (56 - 8 * i));
  }
  block(buf_.data());
  digest d;
  for (std::size_t i = 0; i < 5; ++i) {
    for (std::size_t j = 0; j < 4; ++j) {
      d[4 * i + j] = static_cast<std::byte>(h_[i] >> (24 - 8 * j));
    }
  }
  return d;
}

void sha1::block(const std::uint8_t* p) noexcept {
  std::uint32_t w[16];
  for (int i = 0; i < 16; ++i) {
    w[i] = load_be32(p + 4 * i);
  }
  std::uint32_t v[5] = {h_[0], h_[1], h_[2], h_[3], h_[4]};
  // All 80 rounds unrolled at compile time: a quarter faster than loops of rounds here.
  [&]<std::size_t... T>(std::index_sequence<T...>) {
    (sha1_round<T>(v, w), ...);
  }
  (std::make_index_sequence<80>{});
  for (int i = 0; i < 5; ++i) {
    h_[i] += v[i];
  }
}

std::string base64_encode(std::span<const std::byte> bytes) {
  std::string out;
  out.resize((bytes.size() + 2) / 3 * 4);
  auto p = reinterpret_cast<const std::uint8_t*>(bytes.data());
  std::size_t n = bytes.size();
  char* o = out.data();
  for (; n >= 3; p += 3, n -= 3) {
    std::uint32_t v = std::uint32_t{p[0]} << 16 | std::uint32_t{p[1]} << 8 | p[2];
    *o++ = base64_alphabet[v >> 18];
    *o++ = base64_alphabet[(v >> 12) & 63];
    *o++ = base64_alphabet[(v >> 6) & 63];
    *o++ = base64_alphabet[v & 63];
  }
  if (n > 0) {
    std::uint32_t v = std::uint32_t{p[0]} << 16 | (n == 2 ? std::uint32_t{p[1]} << 8 : 0);
    *o++ = base64_alphabet[v >> 18];
    *o++ = base64_alphabet[(v >> 12) & 63];
    *o++ = n == 2 ? base64_alphabet[(v >> 6) & 63] : '=';
    *o++ = '=';
  }
  return out;
}

std::string accept_key(std::string_view client_key) {
  sha1 h;
  h.update(client_key);
  h.update(websocket_guid);
  const sha1::digest d = h.finish();
  return base64_encode(d);
}

std::string make_client_key() {
  std::array<std::byte, 16> nonce;
  random_bytes(nonce);
  return base64_encode(nonce);
}

bool valid_client_key(std::string_view key) noexcept {
  // 16 bytes are 22 base64 characters and "==". The last character's 4 unused bits are not
  // checked, as ws and browsers do not: a decoder reads 16 bytes whatever they hold.
  return key.size() == 24 && key.ends_with("==") &&
         std::all_of(key.begin(), key.end() - 2, is_base64_char);
}

void random_bytes(std::span<std::byte> out) noexcept {
  thread_local masking_random generator;
  while (!out.empty()) {
    const std::uint64_t v = generator.next();
    const std::size_t n = std::min(out.size(), sizeof v);
    std::memcpy(out.data(), &v, n);
    out = out.subspan(n);
  }
}

}  // namespace coronet::websocket::detail
