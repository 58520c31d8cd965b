#include "line_reader.hpp"

#include <cstring>
#include <string>

#include "coronet/error.hpp"
#include "coronet/process/channel.hpp"

namespace coronet::process::detail {

namespace {
// Reads come in chunks of at least this much free space.
constexpr std::size_t read_chunk = 64 * 1024;
}  // namespace

std::span<char> line_reader::room() {
  // Moves the unconsumed bytes to the front, then grows the buffer if that is not enough.
  if (begin_ > 0) {
    std::memmove(buf_.get(), buf_.get() + begin_, end_ - begin_);
    end_ -= begin_;
    scanned_ -= begin_;
    begin_ = 0;
  }
  if (capacity_ - end_ < read_chunk) {
    std::size_t cap = capacity_ ? capacity_ * 2 : 2 * read_chunk;
    while (cap - end_ < read_chunk) cap *= 2;
    auto bigger = std::make_unique<char[]>(cap);
    if (end_) std::memcpy(bigger.get(), buf_.get(), end_);
    buf_ = std::move(bigger);
    capacity_ = cap;
  }
  return std::span<char>(buf_.get() + end_, capacity_ - end_);
}

std::optional<std::string_view> line_reader::take_line() {
  const void* nl =
      end_ > scanned_ ? std::memchr(buf_.get() + scanned_, '\n', end_ - scanned_) : nullptr;
  if (!nl) {
    scanned_ = end_;
    return std::nullopt;
  }
  const std::size_t line_end = std::size_t(static_cast<const char*>(nl) - buf_.get());
  std::string_view line(buf_.get() + begin_, line_end - begin_);
  begin_ = scanned_ = line_end + 1;
  if (begin_ == end_) begin_ = scanned_ = end_ = 0;
  return line;
}

std::optional<std::string_view> line_reader::next_line() {
  while (buf_) {
    std::optional<std::string_view> l = take_line();
    if (!l) break;
    if (discarding_) {  // the end of an oversized line already reported
      discarding_ = false;
      continue;
    }
    if (l->size() > max_message_)
      throw_error(channel_error::message_too_long,
                  "channel receive: a line of " + std::to_string(l->size()) +
                      " bytes is over the limit of " + std::to_string(max_message_));
    return l;
  }
  if (!buf_) return std::nullopt;
  if (end_ - begin_ > max_message_) {
    const std::size_t so_far = end_ - begin_;
    begin_ = scanned_ = end_ = 0;  // drop it, and what follows up to its '\n'
    if (!discarding_) {
      discarding_ = true;
      throw_error(channel_error::message_too_long,
                  "channel receive: a line of more than " + std::to_string(so_far) +
                      " bytes is over the limit of " + std::to_string(max_message_));
    }
  } else if (discarding_) {
    begin_ = scanned_ = end_ = 0;
  }
  return std::nullopt;
}

}  // namespace coronet::process::detail
