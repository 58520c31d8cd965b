// The writing half of a connection: one frame at a time goes out whole (sends from several
// coroutines queue for the writer), masked by clients, compressed when permessage-deflate is on.
#include <algorithm>
#include <cstring>
#include <stdexcept>

#include "coronet/error.hpp"
#include "coronet/with_timeout.hpp"
#include "handshake_key.hpp"
#include "state.hpp"

namespace coronet::websocket::detail {
namespace {

// Up to this much payload is copied behind its header and both go out in one write; a client
// masks larger payloads this much at a time.
constexpr std::size_t coalesce_limit = 64 * 1024;

}  // namespace

inflater& state::inflate_codec() {
  if (!inflater_) inflater_ = std::make_unique<inflater>(*deflate, server);
  return *inflater_;
}

deflater& state::deflate_codec() {
  if (!deflater_)
    deflater_ =
        std::make_unique<deflater>(*deflate, server, opts.deflate.level, opts.deflate.mem_level);
  return *deflater_;
}

task<> state::lock_writer(std::size_t bytes, bool whole_message) {
  // Whole messages also wait for a message being sent in fragments to end; control frames go
  // between its fragments.
  while (writing_ || (whole_message && fragmenting_)) {
    if (broken_) break;
    if (queued_ + bytes > opts.max_buffered_bytes) {
      const std::string detail = std::to_string(queued_ + bytes) +
                                 " bytes waiting to be sent (options::max_buffered_bytes is " +
                                 std::to_string(opts.max_buffered_bytes) + ")";
      // The peer does not read what is already going out: no close frame could reach it.
      abort();
      throw coronet::detail::described_error(make_error_code(errc::send_queue_full), "send " + peer,
                                             detail);
    }
    queued_ += bytes;
    try {
      co_await writer_free_.wait();
    } catch (...) {
      queued_ -= bytes;
      throw;
    }
    queued_ -= bytes;
  }
  if (broken_) throw_closed("send");
  writing_ = true;
  writer_free_.reset();
}

bool state::try_lock_writer(bool whole_message) noexcept {
  // The usual case, a writer nobody holds: no coroutine frame for the wait.
  if (writing_ || broken_ || (whole_message && fragmenting_)) return false;
  writing_ = true;
  writer_free_.reset();
  return true;
}

void state::unlock_writer() noexcept {
  writing_ = false;
  writer_free_.set();
}

task<> state::write_out(std::span<const std::byte> bytes) {
  try {
    if (opts.send_timeout.count() > 0) {
      co_await with_timeout(opts.send_timeout, sock.write_all(bytes));
    } else {
      co_await sock.write_all(bytes);
    }
  } catch (const std::system_error& e) {
    // Part of a frame may have gone out: nothing more can follow it.
    abort();
    if (e.code() == std::errc::timed_out)
      throw_error(e.code(), "send " + peer + ": the peer read nothing for " +
                                std::to_string(opts.send_timeout.count()) + " ms");
    throw;
  }
}

task<> state::write_frame(bool fin, opcode op, bool rsv1, std::span<const std::byte> payload) {
  const bool masked = !server;
  std::array<std::byte, 4> mask{};
  if (masked) random_bytes(mask);
  const std::size_t head = header_size(payload.size(), masked);
  if (payload.size() <= coalesce_limit) {
    out_.resize(head + payload.size());
    auto* p = reinterpret_cast<std::byte*>(out_.data());
    write_header(p, fin, op, rsv1, payload.size(), masked ? mask.data() : nullptr);
    if (masked) {
      mask_copy(p + head, payload.data(), payload.size(), mask, 0);
    } else if (!payload.empty()) {
      std::memcpy(p + head, payload.data(), payload.size());
    }
    co_await write_out(std::as_bytes(std::span(out_)));
    co_return;
  }
  out_.resize(head);
  write_header(reinterpret_cast<std::byte*>(out_.data()), fin, op, rsv1, payload.size(),
               masked ? mask.data() : nullptr);
  if (!masked) {
    co_await write_out(std::as_bytes(std::span(out_)));
    co_await write_out(payload);
    co_return;
  }
  // Masked in pieces behind the header, so a large message is not copied whole.
  std::size_t at = 0;
  std::size_t offset = 0;
  while (at < payload.size()) {
    const std::size_t n = std::min(coalesce_limit, payload.size() - at);
    const std::size_t start = out_.size();
    out_.resize(start + n);
    offset = mask_copy(reinterpret_cast<std::byte*>(out_.data()) + start, payload.data() + at, n,
                       mask, offset);
    co_await write_out(std::as_bytes(std::span(out_)));
    out_.clear();
    at += n;
  }
  if (out_.capacity() > 2 * coalesce_limit) std::string().swap(out_);
}

task<> state::send_message(opcode op, std::span<const std::byte> payload) {
  auto self = shared_from_this();
  if (close_sent_ || broken_) throw_closed("send");
  if (!try_lock_writer(true)) co_await lock_writer(payload.size(), true);
  try {
    if (close_sent_) throw_closed("send");
    if (deflate && opts.deflate.enabled && payload.size() >= opts.deflate.threshold) {
      deflated_.clear();
      deflate_codec().compress(payload, true, deflated_);
      co_await write_frame(true, op, true, std::as_bytes(std::span(deflated_)));
      if (deflated_.capacity() > 2 * coalesce_limit) std::string().swap(deflated_);
    } else {
      co_await write_frame(true, op, false, payload);
    }
  } catch (...) {
    unlock_writer();
    throw;
  }
  unlock_writer();
}

task<> state::send_fragment(message_type type, std::span<const std::byte> payload, bool last) {
  auto self = shared_from_this();
  if (close_sent_ || broken_) throw_closed("send");
  const bool first = !fragmenting_;
  if (!try_lock_writer(first)) co_await lock_writer(payload.size(), first);
  try {
    if (close_sent_) throw_closed("send");
    const bool starts = !fragmenting_;
    if (starts) {
      fragmenting_ = true;
      fragment_op_ = type == message_type::text ? opcode::text : opcode::binary;
      fragment_compressed_ = deflate && opts.deflate.enabled;
    }
    const opcode op = starts ? fragment_op_ : opcode::continuation;
    if (fragment_compressed_) {
      deflated_.clear();
      deflate_codec().compress(payload, last, deflated_);
      co_await write_frame(last, op, starts, std::as_bytes(std::span(deflated_)));
    } else {
      co_await write_frame(last, op, false, payload);
    }
    if (last) fragmenting_ = false;
  } catch (...) {
    unlock_writer();
    throw;
  }
  unlock_writer();
}

task<> state::send_control(opcode op, std::span<const std::byte> payload) {
  auto self = shared_from_this();
  if (payload.size() > 125)
    throw std::invalid_argument("websocket: a control frame carries at most 125 bytes");
  if (close_sent_ || broken_) throw_closed("send");
  if (!try_lock_writer(false)) co_await lock_writer(payload.size(), false);
  try {
    co_await write_frame(true, op, false, payload);
  } catch (...) {
    unlock_writer();
    throw;
  }
  unlock_writer();
}

}  // namespace coronet::websocket::detail
