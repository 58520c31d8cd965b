#include "deflate.hpp"

#include <zlib.h>

#include <algorithm>
#include <array>
#include <climits>
#include <new>

namespace coronet::websocket::detail {
namespace {

constexpr std::string_view extension_name = "permessage-deflate";

// ---- Negotiation -------------------------------------------------------------------------------

int clamp_window(int bits) noexcept {
  return std::clamp(bits, 8, 15);
}

// zlib's raw deflate takes 9 at least; see the header for why 9 still honours an agreed 8.
int zlib_window(int bits) noexcept {
  return std::max(clamp_window(bits), 9);
}

bool is_tchar(char c) noexcept {
  // RFC 7230 3.2.6's tchar.
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) {
    return true;
  }
  return std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

// The window bits of a *_max_window_bits value: a decimal integer 8..15 without leading zeroes
// (RFC 7692 7.1.2); 0 when it is not one.
int parse_window_bits(std::string_view v) noexcept {
  if (v.size() == 1 && (v[0] == '8' || v[0] == '9')) {
    return v[0] - '0';
  }
  if (v.size() == 2 && v[0] == '1' && v[1] >= '0' && v[1] <= '5') {
    return 10 + (v[1] - '0');
  }
  return 0;
}

// One element of a Sec-WebSocket-Extensions list, read as a permessage-deflate one.
struct element {
  std::string_view name;
  bool valid = true;  // false: an unknown or repeated parameter, or a bad value
  bool server_no_context_takeover = false;
  bool client_no_context_takeover = false;
  int server_max_window_bits = 0;  // 0: absent
  bool client_max_window_bits = false;
  int client_max_window_bits_value = 0;  // 0: absent or without a value

  void set_flag(bool& flag, bool has_value) noexcept {
    valid = valid && !flag && !has_value;
    flag = true;
  }

  void apply(std::string_view param, bool has_value, std::string_view value) noexcept {
    if (param == "server_no_context_takeover") {
      set_flag(server_no_context_takeover, has_value);
    } else if (param == "client_no_context_takeover") {
      set_flag(client_no_context_takeover, has_value);
    } else if (param == "server_max_window_bits") {
      // A value is required here; only the client's may come bare, in an offer.
      valid = valid && server_max_window_bits == 0 && has_value;
      server_max_window_bits = parse_window_bits(value);
      valid = valid && server_max_window_bits != 0;
      server_max_window_bits = std::max(server_max_window_bits, 8);  // marks it as seen
    } else if (param == "client_max_window_bits") {
      valid = valid && !client_max_window_bits;
      client_max_window_bits = true;
      if (has_value) {
        client_max_window_bits_value = parse_window_bits(value);
        valid = valid && client_max_window_bits_value != 0;
      }
    } else {
      valid = false;
    }
  }
};

enum class parsed { element, end, syntax_error };

// Reads a Sec-WebSocket-Extensions value (RFC 6455 9.1, with RFC 7230's list rules: optional
// whitespace, empty elements skipped, quoted-string values unescaped) one element at a time.
class extension_reader {
 public:
  explicit extension_reader(std::string_view s) noexcept : s_(s) {}

  parsed next(element& e) noexcept {
    e = element{};
    for (;;) {  // empty elements
      skip_ows();
      if (i_ == s_.size()) {
        return parsed::end;
      }
      if (s_[i_] != ',') {
        break;
      }
      ++i_;
    }
    e.name = token();
    if (e.name.empty()) {
      return parsed::syntax_error;
    }
    for (;;) {
      skip_ows();
      if (i_ == s_.size()) {
        return parsed::element;
      }
      if (s_[i_] == ',') {
        ++i_;
        return parsed::element;
      }
      if (s_[i_] != ';') {
        return parsed::syntax_error;
      }
      ++i_;
      skip_ows();
      const std::string_view param = token();
      if (param.empty()) {
        return parsed::syntax_error;
      }
      skip_ows();
      bool has_value = false;
      std::string_view value;
      if (i_ < s_.size() && s_[i_] == '=') {
        ++i_;
        skip_ows();
        has_value = true;
        if (i_ < s_.size() && s_[i_] == '"') {
          if (!quoted(value)) {
            return parsed::syntax_error;
          }
        } else {
          value = token();
          if (value.empty()) {
            return parsed::syntax_error;
          }
        }
      }
      e.apply(param, has_value, value);
    }
  }

 private:
  void skip_ows() noexcept {
    while (i_ < s_.size() && (s_[i_] == ' ' || s_[i_] == '\t')) {
      ++i_;
    }
  }

  std::string_view token() noexcept {
    const std::size_t start = i_;
    while (i_ < s_.size() && is_tchar(s_[i_])) {
      ++i_;
    }
    return s_.substr(start, i_ - start);
  }

  // A quoted-string, unescaped. Its value must be a token (RFC 6455 9.1); the only values this
  // extension knows are two digits long, so a longer one is kept as a value no parameter takes.
  bool quoted(std::string_view& value) noexcept {
    ++i_;  // the opening quote
    std::size_t n = 0;
    for (;;) {
      if (i_ == s_.size()) {
        return false;
      }
      char c = s_[i_++];
      if (c == '"') {
        break;
      }
      if (c == '\\') {
        if (i_ == s_.size()) {
          return false;
        }
        c = s_[i_++];
      }
      if (n < unquoted_.size()) {
        unquoted_[n] = c;
      }
      ++n;
      if (!is_tchar(c)) {
        n = unquoted_.size() + 1;  // not a token: a value nothing accepts
      }
    }
    value = n == 0 || n > unquoted_.size() ? std::string_view("!")
                                           : std::string_view(unquoted_.data(), n);
    return true;
  }

  std::string_view s_;
  std::size_t i_ = 0;
  std::array<char, 4> unquoted_{};
};

void append_window(std::string& out, std::string_view param, int bits) {
  out += "; ";
  out += param;
  out += '=';
  if (bits >= 10) {
    out += '1';
  }
  out += static_cast<char>('0' + bits % 10);
}

}  // namespace

std::string client_offer(const deflate_options& ours) {
  std::string offer;
  if (!ours.enabled) {
    return offer;
  }
  offer = extension_name;
  if (ours.server_no_context_takeover) {
    offer += "; server_no_context_takeover";
  }
  if (ours.client_no_context_takeover) {
    offer += "; client_no_context_takeover";
  }
  if (clamp_window(ours.server_max_window_bits) < 15) {
    append_window(offer, "server_max_window_bits", clamp_window(ours.server_max_window_bits));
  }
  // Always offered, so that a server may limit our window (RFC 7692 7.1.2.2).
  if (clamp_window(ours.client_max_window_bits) < 15) {
    append_window(offer, "client_max_window_bits", clamp_window(ours.client_max_window_bits));
  } else {
    offer += "; client_max_window_bits";
  }
  return offer;
}

std::optional<deflate_params> accept_offer(std::string_view header_value,
                                           const deflate_options& ours,
                                           std::string& response_value) {
  response_value.clear();
  if (!ours.enabled) {
    return std::nullopt;
  }
  const int our_server_bits = clamp_window(ours.server_max_window_bits);
  const int our_client_bits = clamp_window(ours.client_max_window_bits);
  extension_reader reader(header_value);
  element e;
  while (reader.next(e) == parsed::element) {
    if (e.name != extension_name || !e.valid) {
      continue;
    }
    // A client that did not offer client_max_window_bits cannot be told a smaller window
    // (RFC 7692 7.1.2.2), and we would not inflate with a window larger than ours: decline, as
    // ws does.
    if (our_client_bits < 15 && !e.client_max_window_bits) {
      continue;
    }
    deflate_params p;
    p.server_no_context_takeover = e.server_no_context_takeover || ours.server_no_context_takeover;
    p.client_no_context_takeover = e.client_no_context_takeover || ours.client_no_context_takeover;
    p.server_max_window_bits =
        std::min(our_server_bits, e.server_max_window_bits != 0 ? e.server_max_window_bits : 15);
    p.client_max_window_bits = std::min(
        our_client_bits, e.client_max_window_bits_value != 0 ? e.client_max_window_bits_value : 15);

    response_value = extension_name;
    if (p.server_no_context_takeover) {
      response_value += "; server_no_context_takeover";
    }
    if (p.client_no_context_takeover) {
      response_value += "; client_no_context_takeover";
    }
    // Offered, it must be answered (RFC 7692 7.1.2.1); otherwise said only when it limits.
    if (e.server_max_window_bits != 0 || p.server_max_window_bits < 15) {
      append_window(response_value, "server_max_window_bits", p.server_max_window_bits);
    }
    if (p.client_max_window_bits < 15) {
      append_window(response_value, "client_max_window_bits", p.client_max_window_bits);
    }
    return p;
  }
  return std::nullopt;
}

std::optional<deflate_params> accept_response(std::string_view value, const deflate_options& ours) {
  if (!ours.enabled) {
    return std::nullopt;  // nothing was offered
  }
  extension_reader reader(value);
  element e;
  if (reader.next(e) != parsed::element || e.name != extension_name || !e.valid) {
    return std::nullopt;
  }
  element more;
  if (reader.next(more) != parsed::end) {
    return std::nullopt;  // a second extension, or ours twice: neither was offered so
  }
  const int offered_server_bits = clamp_window(ours.server_max_window_bits);
  const int offered_client_bits = clamp_window(ours.client_max_window_bits);
  // In a response the client's window needs a value (RFC 7692 7.1.2.2), and neither window may
  // be larger than the offer allowed.
  if (e.client_max_window_bits && e.client_max_window_bits_value == 0) {
    return std::nullopt;
  }
  if (e.server_max_window_bits > offered_server_bits ||
      e.client_max_window_bits_value > offered_client_bits) {
    return std::nullopt;
  }
  deflate_params p;
  p.server_no_context_takeover = e.server_no_context_takeover;
  p.client_no_context_takeover = e.client_no_context_takeover || ours.client_no_context_takeover;
  p.server_max_window_bits = e.server_max_window_bits != 0 ? e.server_max_window_bits : 15;
  p.client_max_window_bits =
      e.client_max_window_bits_value != 0 ? e.client_max_window_bits_value : offered_client_bits;
  return p;
}

// ---- The codecs --------------------------------------------------------------------------------

namespace {

// zlib counts in uInt: larger inputs go in slices.
constexpr std::size_t max_slice = UINT_MAX;

// What RFC 7692 7.2.1 strips from each message's end and 7.2.2 appends back.
constexpr std::array<unsigned char, 4> tail{0x00, 0x00, 0xff, 0xff};

void throw_if_no_memory(int ret) {
  if (ret == Z_MEM_ERROR) {
    throw std::bad_alloc();
  }
}

}  // namespace

struct deflater::impl {
  z_stream z{};
  ~impl() { deflateEnd(&z); }
};

deflater::deflater(const deflate_params& p, bool is_server, int level, int mem_level)
    : window_bits_(zlib_window(is_server ? p.server_max_window_bits : p.client_max_window_bits)),
      level_(std::clamp(level, 0, 9)),
      mem_level_(std::clamp(mem_level, 1, 9)),
      no_context_takeover_(is_server ? p.server_no_context_takeover
                                     : p.client_no_context_takeover) {}

deflater::~deflater() = default;

void deflater::compress(std::span<const std::byte> in, bool fin, std::string& out) {
  if (!impl_) {
    auto made = std::make_unique<impl>();
    const int ret =
        deflateInit2(&made->z, level_, Z_DEFLATED, -window_bits_, mem_level_, Z_DEFAULT_STRATEGY);
    throw_if_no_memory(ret);
    if (ret != Z_OK) {
      throw std::bad_alloc();  // the parameters are clamped: only memory can be short
    }
    impl_ = std::move(made);
  }
  z_stream& z = impl_->z;
  const std::size_t start = out.size();
  auto rest = reinterpret_cast<const unsigned char*>(in.data());
  std::size_t left = in.size();
  for (;;) {
    const std::size_t slice = std::min(left, max_slice);
    z.next_in = const_cast<unsigned char*>(rest);  // zlib's API is not const (before ZLIB_CONST)
    z.avail_in = static_cast<uInt>(slice);
    rest += slice;
    left -= slice;
    // Room for the whole slice in one call: deflateBound covers the data, and a sync flush adds
    // at most an empty stored block and the bits pending before it.
    std::size_t room = deflateBound(&z, static_cast<uLong>(slice)) + 16;
    for (;;) {
      const std::size_t used = out.size();
      out.resize(used + room);
      z.next_out = reinterpret_cast<unsigned char*>(out.data() + used);
      z.avail_out = static_cast<uInt>(room);
      const int ret = deflate(&z, Z_SYNC_FLUSH);
      out.resize(out.size() - z.avail_out);
      throw_if_no_memory(ret);
      // Z_BUF_ERROR: nothing left to do; anything else but Z_OK cannot happen on a valid stream.
      if (z.avail_out != 0) {
        break;
      }
      room = std::max<std::size_t>(room, 4096);  // full: there may be more to come
    }
    if (left == 0) {
      break;
    }
  }
  if (fin) {
    // A sync flush ends with the empty stored block's 00 00 ff ff; the receiver appends it back.
    if (out.size() - start >= tail.size() &&
        std::equal(tail.begin(), tail.end(),
                   reinterpret_cast<const unsigned char*>(out.data() + out.size() - tail.size()))) {
      out.resize(out.size() - tail.size());
    }
    // Nothing came out (no input since the last fragment's flush): the receiver's appended
    // 00 00 ff ff still needs the header bits of an empty stored block before it, one 00 byte
    // (RFC 7692 7.2.3.6).
    if (out.size() == start) {
      out += '\0';
    }
    if (no_context_takeover_) {
      deflateReset(&z);
    }
  }
}

struct inflater::impl {
  z_stream z{};
  ~impl() { inflateEnd(&z); }
};

inflater::inflater(const deflate_params& p, bool is_server)
    // The peer's window: a server inflates what the client deflated.
    : window_bits_(zlib_window(is_server ? p.client_max_window_bits : p.server_max_window_bits)),
      no_context_takeover_(is_server ? p.client_no_context_takeover
                                     : p.server_no_context_takeover) {}

inflater::~inflater() = default;

inflater::result inflater::decompress(std::span<const std::byte> in, bool fin, std::size_t limit,
                                      std::string& out) {
  if (!impl_) {
    auto made = std::make_unique<impl>();
    const int ret = inflateInit2(&made->z, -window_bits_);
    throw_if_no_memory(ret);
    if (ret != Z_OK) {
      throw std::bad_alloc();
    }
    impl_ = std::move(made);
  }
  z_stream& z = impl_->z;
  // Forgets the message: after its end, or after a failure that left the stream undefined.
  auto end_message = [&](bool reset) {
    message_size_ = 0;
    stream_restarted_ = false;
    if (reset) {
      inflateReset(&z);
    }
  };

  auto rest = reinterpret_cast<const unsigned char*>(in.data());
  std::size_t left = in.size();
  bool tail_given = false;
  bool giving_tail = false;
  z.avail_in = 0;
  // Output goes in steps that start near what the input may give and double, so a small message
  // costs little and a large one few steps, and never past the limit by more than one byte: that
  // byte is how a message over the limit is told from one exactly at it.
  std::size_t step = std::clamp<std::size_t>(in.size() * 4, 1024, 64 * 1024);
  for (;;) {
    if (z.avail_in == 0) {
      if (left != 0) {
        const std::size_t slice = std::min(left, max_slice);
        z.next_in = const_cast<unsigned char*>(rest);
        z.avail_in = static_cast<uInt>(slice);
        rest += slice;
        left -= slice;
        giving_tail = false;
      } else if (fin && !tail_given) {
        tail_given = true;
        if (stream_restarted_) {
          // The peer's stream ended (BFINAL) with the last bytes it sent: there is no block
          // for the tail to complete. ws sends that, without RFC 7692 7.2.3.4's 00 byte.
          break;
        }
        z.next_in = const_cast<unsigned char*>(tail.data());
        z.avail_in = static_cast<uInt>(tail.size());
        giving_tail = true;
      }
    }
    const std::size_t room = limit - message_size_;
    const std::size_t give = room < step ? room + 1 : step;
    const std::size_t used = out.size();
    const uInt avail_in = z.avail_in;
    out.resize(used + give);
    z.next_out = reinterpret_cast<unsigned char*>(out.data() + used);
    z.avail_out = static_cast<uInt>(give);
    const int ret = inflate(&z, Z_SYNC_FLUSH);
    const std::size_t produced = give - z.avail_out;
    out.resize(used + produced);
    message_size_ += produced;
    throw_if_no_memory(ret);
    if (!giving_tail && z.avail_in != avail_in) {
      stream_restarted_ = false;
    }
    if (message_size_ > limit) {
      out.resize(out.size() - 1);
      end_message(true);
      return result::too_big;
    }
    if (ret == Z_STREAM_END) {
      // A block with BFINAL set ended the peer's stream (RFC 7692 7.2.3.4). What follows in
      // the message is read as a new stream: the 00 byte that section sends after it begins
      // the empty stored block our tail completes.
      inflateReset(&z);
      stream_restarted_ = true;
      if (giving_tail) {
        break;  // the tail itself held the end: nothing of it is left to read
      }
      continue;
    }
    if (ret != Z_OK && ret != Z_BUF_ERROR) {
      end_message(true);
      return result::corrupt;  // Z_DATA_ERROR; Z_NEED_DICT cannot come from raw deflate
    }
    if (z.avail_out == 0) {
      step = std::min<std::size_t>(step * 2, 1024 * 1024);
      continue;  // the output was full: there may be more
    }
    // Not full: all input given so far was used.
    if (left == 0 && (!fin || tail_given)) {
      break;
    }
  }
  if (fin) {
    end_message(no_context_takeover_);
  }
  return result::ok;
}

}  // namespace coronet::websocket::detail
