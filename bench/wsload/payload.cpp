#include "payload.hpp"

#include <zlib.h>

#include <cstdint>
#include <cstdio>
#include <stdexcept>

namespace wsload {
namespace {

// A fixed-seed xorshift: the same texts on every run and for every server.
class sequence {
 public:
  explicit sequence(std::uint32_t seed) : x_(seed * 2654435761u + 1) {}
  std::uint32_t next(std::uint32_t bound) {
    x_ ^= x_ << 13;
    x_ ^= x_ >> 17;
    x_ ^= x_ << 5;
    return x_ % bound;
  }

 private:
  std::uint32_t x_;
};

std::string make_text(std::size_t size, std::uint32_t seed) {
  static const char* const sides[] = {"buy", "sell"};
  static const char* const symbols[] = {"ACME", "GLOBX", "INITECH", "UMBRL", "STARK", "WAYNE"};
  sequence r(seed);
  std::string s = "[";
  char record[192];
  while (s.size() < size) {
    int n = std::snprintf(
        record, sizeof record,
        "{\"id\":%u,\"user\":\"user%03u\",\"symbol\":\"%s\",\"side\":\"%s\",\"price\":%u.%02u,"
        "\"qty\":%u,\"ts\":17%08u},",
        100000 + r.next(900000), r.next(1000), symbols[r.next(6)], sides[r.next(2)],
        10 + r.next(990), r.next(100), 1 + r.next(500), r.next(100000000));
    s.append(record, static_cast<std::size_t>(n));
  }
  s.resize(size);  // ASCII only, so any cut is valid UTF-8
  return s;
}

std::string deflate_alone(const std::string& text, int window_bits) {
  z_stream z{};
  // Raw deflate (negative window bits), zlib's default level and memLevel like the servers.
  if (deflateInit2(&z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, -window_bits, 8, Z_DEFAULT_STRATEGY) !=
      Z_OK)
    throw std::runtime_error("deflateInit2 failed");
  std::string out(deflateBound(&z, static_cast<uLong>(text.size())) + 16, '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(text.data()));
  z.avail_in = static_cast<uInt>(text.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  int rc = deflate(&z, Z_SYNC_FLUSH);
  std::size_t produced = out.size() - z.avail_out;
  deflateEnd(&z);
  if (rc != Z_OK || z.avail_in != 0 || produced < 4) throw std::runtime_error("deflate failed");
  out.resize(produced - 4);  // the empty stored block's 00 00 ff ff
  return out;
}

}  // namespace

payloads::payloads(std::size_t size) {
  for (std::size_t i = 0; i < count; ++i)
    texts_.push_back(make_text(size, static_cast<std::uint32_t>(i + 1)));
}

std::span<const unsigned char> payloads::compressed(std::size_t i, int window_bits) {
  if (window_bits != window_bits_) {
    compressed_.clear();
    for (const std::string& t : texts_) compressed_.push_back(deflate_alone(t, window_bits));
    window_bits_ = window_bits;
  }
  return bytes(compressed_[i % count]);
}

double payloads::ratio() const {
  std::size_t in = 0, out = 0;
  for (std::size_t i = 0; i < compressed_.size(); ++i) {
    in += texts_[i].size();
    out += compressed_[i].size();
  }
  return in > 0 ? static_cast<double>(out) / static_cast<double>(in) : 0;
}

}  // namespace wsload
