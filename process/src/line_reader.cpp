#include "line_reader.hpp"

#include <algorithm>
#include <cstring>
#include <new>
#include <string>

#include "coronet/error.hpp"
#include "coronet/process/channel.hpp"

namespace coronet::process::detail {

void line_reader::compact() noexcept {
  if (begin_ == 0) return;
  std::memmove(buf_.get(), buf_.get() + begin_, end_ - begin_);
  end_ -= begin_;
  scanned_ -= begin_;
  begin_ = 0;
}

void line_reader::resize(std::size_t cap) {
  // realloc, not new[] + copy: no zero-filling, and glibc moves a large (mmap'd) block with
  // mremap, so growing never holds the old and the new buffer at once.
  char* p = static_cast<char*>(std::realloc(buf_.get(), cap));
  if (!p) throw std::bad_alloc();
  (void)buf_.release();
  buf_.reset(p);
  capacity_ = cap;
}

std::span<char> line_reader::room() {
  trim();
  compact();
  if (capacity_ - end_ < read_chunk) {
    // Doubling, but never past what a line within the limit needs: next_line() drops an
    // unfinished line once it is over max_message_, so end_ <= max_message_ here (unless the
    // limit was lowered meanwhile, hence the max).
    const std::size_t limit = std::max(max_message_, end_) + read_chunk;
    std::size_t cap = capacity_ ? capacity_ * 2 : default_capacity;
    cap = std::min(std::max(cap, end_ + read_chunk), std::max(limit, default_capacity));
    resize(cap);
  }
  return std::span<char>(buf_.get() + end_, capacity_ - end_);
}

void line_reader::trim() noexcept {
  if (capacity_ <= keep_capacity || end_ - begin_ + read_chunk > default_capacity) return;
  compact();
  // Shrinking in place cannot fail in practice; if it does, the big buffer stays.
  if (char* p = static_cast<char*>(std::realloc(buf_.get(), default_capacity))) {
    (void)buf_.release();
    buf_.reset(p);
    capacity_ = default_capacity;
  }
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
  trim();  // the previous line, if large, is done with
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
    trim();
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
