// What ws-load sends: a few distinct texts of the requested size, JSON-like records with varying
// numbers (compressible, but not trivially: zlib takes them to about a third), the same bytes for
// every server, and each one's permessage-deflate form.
#pragma once

#include <cstddef>
#include <span>
#include <string>
#include <vector>

namespace wsload {

class payloads {
 public:
  // Consecutive messages of a connection cycle through `count` variants, so that a server keeping
  // its compression context cannot answer from a repeat of the previous message.
  static constexpr std::size_t count = 16;

  explicit payloads(std::size_t size);

  std::span<const unsigned char> text(std::size_t i) const { return bytes(texts_[i % count]); }

  // The variant compressed on its own (the client offers client_no_context_takeover, so each
  // message is a whole raw deflate stream, its final 00 00 ff ff removed: RFC 7692 7.2.1), with
  // a window of `window_bits` (9 to 15, what the server allowed). Made at first use.
  std::span<const unsigned char> compressed(std::size_t i, int window_bits);

  // Compressed size over text size, of all variants (after compressed() was used).
  double ratio() const;

 private:
  static std::span<const unsigned char> bytes(const std::string& s) {
    return {reinterpret_cast<const unsigned char*>(s.data()), s.size()};
  }

  std::vector<std::string> texts_;
  std::vector<std::string> compressed_;
  int window_bits_ = 0;
};

}  // namespace wsload
