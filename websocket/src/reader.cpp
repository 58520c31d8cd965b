// The reading half of a connection: bytes from the socket's lent buffers become frames, frames
// become messages (joined, inflated, checked), and control frames are answered on the way.
#include <algorithm>
#include <cstring>
#include <limits>

#include "coronet/error.hpp"
#include "coronet/with_timeout.hpp"
#include "state.hpp"

namespace coronet::websocket::detail {
namespace {

// A protocol violation found by the synchronous parsing; the reader turns it into fail().
struct violation {
  errc code;
  std::string detail;
};

bool known_opcode(std::uint8_t op) noexcept {
  return op <= 2 || (op >= 8 && op <= 10);
}

// RFC 6455 7.4: what a close frame may carry (1004-1006 and 1015 are never sent; 1012-1014 are
// registered since, and Node's ws takes them).
bool valid_close_code(std::uint16_t c) noexcept {
  return (c >= 1000 && c <= 1003) || (c >= 1007 && c <= 1014) || (c >= 3000 && c <= 4999);
}

}  // namespace

task<bool> state::fill() {
  for (;;) {
    std::span<const std::byte> got;
    bool silent = false;
    try {
      if (opts.ping_interval.count() > 0) {
        try {
          got = co_await with_timeout(opts.ping_interval, sock.receive());
        } catch (const std::system_error& e) {
          if (e.code() != std::errc::timed_out) throw;
          silent = true;
        }
      } else {
        got = co_await sock.receive();
      }
    } catch (const std::system_error& e) {
      // A cancelled receive loses nothing (the socket's receive is cancel safe); any other
      // failure is the connection's end.
      if (!is_cancellation(e)) abort();
      // Cancelled because the connection closed its own socket (close_timeout passed in a
      // graceful server close or in close(), a send failed, abort()): not the caller's
      // cancellation, but the connection's end without the peer's close frame. As a
      // cancellation, the server took it for its own and reported the handler's failure.
      if (is_cancellation(e) && broken_)
        throw coronet::detail::described_error(make_error_code(errc::closed_abnormally),
                                               "receive " + peer,
                                               "the connection was closed while receiving");
      throw;
    }
    if (silent) {
      if (ping_outstanding_) {
        abort();
        throw_error(std::make_error_code(std::errc::timed_out),
                    "receive " + peer + ": no answer to a ping within " +
                        std::to_string(opts.ping_interval.count()) + " ms");
      }
      ping_outstanding_ = true;
      co_await send_control(opcode::ping, {});
      continue;
    }
    ping_outstanding_ = false;
    in_ = got;
    co_return !got.empty();
  }
}

std::size_t state::inflate_limit(bool whole) const noexcept {
  return whole ? opts.max_message_size : std::numeric_limits<std::size_t>::max();
}

void state::check_inflated(inflater::result r) {
  if (r == inflater::result::too_big) check_size(opts.max_message_size + 1, "message inflating");
  if (r == inflater::result::corrupt)
    throw violation{errc::invalid_payload, "bad permessage-deflate data"};
}

void state::check_size(std::size_t total, std::string_view what) {
  if (total > opts.max_message_size)
    throw violation{errc::message_too_big, std::string(what) + " of more than " +
                                               std::to_string(opts.max_message_size) +
                                               " bytes (options::max_message_size)"};
}

bool state::begin_frame(const frame_header& h) {
  if (h.rsv2 || h.rsv3) throw violation{errc::protocol_error, "reserved bits set (RSV2/RSV3)"};
  if (!known_opcode(h.op))
    throw violation{errc::protocol_error, "unknown opcode " + std::to_string(h.op)};
  if (server && !h.masked) throw violation{errc::protocol_error, "unmasked frame from a client"};
  if (!server && h.masked) throw violation{errc::protocol_error, "masked frame from a server"};
  const auto op = static_cast<opcode>(h.op);
  if (is_control(op)) {
    if (!h.fin) throw violation{errc::protocol_error, "fragmented control frame"};
    if (h.length > 125)
      throw violation{errc::protocol_error, "control frame longer than 125 bytes"};
    if (h.rsv1) throw violation{errc::protocol_error, "RSV1 set on a control frame"};
    control_.clear();
  } else if (op == opcode::continuation) {
    if (!in_message_) throw violation{errc::protocol_error, "continuation frame without a message"};
    if (h.rsv1) throw violation{errc::protocol_error, "RSV1 set on a continuation frame"};
    if (!msg_compressed_ && whole_) check_size(msg_size_ + h.length, "message");
  } else {
    if (in_message_)
      throw violation{errc::protocol_error, "new message inside a fragmented message"};
    if (h.rsv1 && !deflate)
      throw violation{errc::protocol_error, "RSV1 set without permessage-deflate"};
    in_message_ = true;
    msg_type_ = op == opcode::text ? message_type::text : message_type::binary;
    msg_compressed_ = h.rsv1;
    msg_size_ = 0;
    utf8_.reset();
    if (!msg_compressed_ && whole_) check_size(h.length, "message");
  }
  frame_ = h;
  in_frame_ = true;
  payload_left_ = h.length;
  mask_at_ = 0;
  return true;
}

void state::take_payload(std::span<const std::byte> bytes, std::string& sink, bool whole) {
  const std::size_t old = sink.size();
  if (!msg_compressed_) {
    sink.resize(old + bytes.size());
    auto* dst = reinterpret_cast<std::byte*>(sink.data()) + old;
    if (frame_.masked) {
      mask_at_ = mask_copy(dst, bytes.data(), bytes.size(), frame_.mask, mask_at_);
    } else {
      std::memcpy(dst, bytes.data(), bytes.size());
    }
  } else {
    std::span<const std::byte> input = bytes;
    if (frame_.masked) {
      scratch_.resize(bytes.size());
      auto* dst = reinterpret_cast<std::byte*>(scratch_.data());
      mask_at_ = mask_copy(dst, bytes.data(), bytes.size(), frame_.mask, mask_at_);
      input = {dst, bytes.size()};
    }
    // The limit counts what the whole message inflates to, so a small frame that inflates past
    // it (a deflate bomb) stops there. A streamed message has no limit of its own: each piece is
    // what one received buffer inflates to (deflate's ratio is at most about 1,000:1).
    check_inflated(inflate_codec().decompress(input, false, inflate_limit(whole), sink));
  }
  msg_size_ += sink.size() - old;
  if (msg_type_ == message_type::text && !utf8_.feed(std::string_view(sink).substr(old)))
    throw violation{errc::invalid_payload, "text message is not UTF-8"};
}

void state::finish_message(std::string& sink, bool whole) {
  if (msg_compressed_) {
    const std::size_t old = sink.size();
    check_inflated(inflate_codec().decompress({}, true, inflate_limit(whole), sink));
    msg_size_ += sink.size() - old;
    if (msg_type_ == message_type::text && !utf8_.feed(std::string_view(sink).substr(old)))
      throw violation{errc::invalid_payload, "text message is not UTF-8"};
  }
  if (msg_type_ == message_type::text && !utf8_.finish())
    throw violation{errc::invalid_payload, "text message is not UTF-8 (ends inside a character)"};
  in_message_ = false;
}

bool state::step(std::string& sink, bool whole) {
  if (!in_frame_) {
    if (!header_.read(in_)) return false;
    if (header_.error()) throw violation{errc::protocol_error, header_.error()};
    begin_frame(header_.header());
    if (payload_left_ != 0) return false;
  } else {
    const std::size_t n =
        static_cast<std::size_t>(std::min<std::uint64_t>(in_.size(), payload_left_));
    const auto bytes = in_.first(n);
    if (is_control(static_cast<opcode>(frame_.op))) {
      const std::size_t old = control_.size();
      control_.resize(old + n);
      auto* dst = reinterpret_cast<std::byte*>(control_.data()) + old;
      if (frame_.masked) {
        mask_at_ = mask_copy(dst, bytes.data(), n, frame_.mask, mask_at_);
      } else {
        std::memcpy(dst, bytes.data(), n);
      }
    } else {
      take_payload(bytes, sink, whole);
    }
    in_ = in_.subspan(n);
    payload_left_ -= n;
    if (payload_left_ != 0) return false;
  }
  // The frame is complete.
  in_frame_ = false;
  if (!is_control(static_cast<opcode>(frame_.op)) && frame_.fin) finish_message(sink, whole);
  return true;
}

task<pumped> state::pump(std::string& sink, bool whole) {
  whole_ = whole;
  for (;;) {
    if (in_.empty() && !(in_frame_ && payload_left_ == 0)) {
      // A streamed piece goes out before the reader waits for more (copied out of the socket's
      // buffer, which goes back now: see below).
      if (!whole && !sink.empty()) {
        sock.release();
        co_return pumped::data;
      }
      const bool more = co_await fill();
      if (!more) {
        abort();
        throw coronet::detail::described_error(make_error_code(errc::closed_abnormally),
                                               "receive " + peer, "");
      }
      continue;
    }
    std::optional<violation> bad;
    bool frame_done = false;
    try {
      frame_done = step(sink, whole);
    } catch (violation& v) {
      bad = std::move(v);
    }
    if (bad) co_await fail(bad->code, std::move(bad->detail), "receive");
    if (!frame_done) continue;
    const auto op = static_cast<opcode>(frame_.op);
    if (op == opcode::ping) {
      // Answered at once (RFC 6455 5.5.2); a pong may wait for a frame being written, which
      // holds this reader back: a peer flooding pings without reading gets TCP's backpressure,
      // not a queue of pongs.
      if (!close_sent_ && !broken_) {
        const auto payload = std::as_bytes(std::span(control_));
        co_await send_control(opcode::pong, payload);
      }
      continue;
    }
    if (op == opcode::pong) continue;
    if (op == opcode::close) {
      co_await on_close_frame();
      co_return pumped::closed;
    }
    if (frame_.fin) {
      // The message is copied out: the socket's buffer goes back now, not at the next
      // receive(), so that a connection whose owner is not reading holds no read buffer (a
      // thousand idle clients would otherwise keep a thousand of the scheduler's buffers).
      if (in_.empty()) sock.release();
      co_return pumped::message_end;
    }
  }
}

task<> state::on_close_frame() {
  std::optional<violation> bad;
  std::uint16_t code = close_code::no_status;
  if (control_.size() == 1) {
    bad = violation{errc::protocol_error, "close frame with a 1-byte payload"};
  } else if (control_.size() >= 2) {
    code = static_cast<std::uint16_t>((std::uint8_t(control_[0]) << 8) | std::uint8_t(control_[1]));
    utf8_validator check;
    if (!valid_close_code(code)) {
      bad = violation{errc::protocol_error, "invalid close code " + std::to_string(code)};
    } else if (!check.feed(std::string_view(control_).substr(2)) || !check.finish()) {
      bad = violation{errc::invalid_payload, "close reason is not UTF-8"};
    }
  }
  if (bad) co_await fail(bad->code, std::move(bad->detail), "receive");
  peer_code = code;
  peer_reason = control_.size() > 2 ? control_.substr(2) : std::string();
  close_received_ = true;
  if (!close_sent_ && !broken_) {
    // The answer carries the peer's code back (RFC 6455 5.5.1), or nothing if it sent none.
    try {
      co_await send_close(code == close_code::no_status ? 0 : code, {});
    } catch (const std::system_error& e) {
      if (is_cancellation(e)) throw;
      // The peer is gone already: its close frame was the last thing it had to say.
    }
  }
  co_await finish_close();
}

task<std::optional<message>> state::receive() {
  auto self = shared_from_this();
  if (close_received_) co_return std::nullopt;
  if (broken_) throw_closed("receive");
  reading_guard guard(reading_);
  const pumped p = co_await pump(msg_, true);
  if (p == pumped::closed) co_return std::nullopt;
  message m{msg_type_, std::move(msg_)};
  msg_.clear();
  co_return m;
}

task<std::optional<fragment>> state::receive_fragment() {
  auto self = shared_from_this();
  if (close_received_) co_return std::nullopt;
  if (broken_) throw_closed("receive");
  reading_guard guard(reading_);
  fragment_.clear();
  const pumped p = co_await pump(fragment_, false);
  if (p == pumped::closed) co_return std::nullopt;
  fragment f{msg_type_, fragment_, msg_first_, p == pumped::message_end};
  msg_first_ = f.last;
  co_return f;
}

}  // namespace coronet::websocket::detail
