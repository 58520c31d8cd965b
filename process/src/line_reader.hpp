// line_reader: the receive side's framing. Bytes read from the channel's stream go into its
// buffer; next_line() cuts them into '\n'-ended lines and enforces the size limit.
//
//   std::span<char> room = r.room();          // read into it, then
//   r.commit(n);
//   while (std::optional<std::string_view> l = r.next_line()) ...  // valid until the next room()
//
// A line over max_message() is reported once, as soon as the limit is passed (the buffer grows
// to about twice the limit at most), and the rest of it is dropped as it comes: a peer sending
// an endless line cannot fill our memory. A trailing piece without '\n' is never a line.
#pragma once

#include <cstddef>
#include <memory>
#include <optional>
#include <span>
#include <string_view>

namespace coronet::process::detail {

class line_reader {
 public:
  explicit line_reader(std::size_t max_message) noexcept : max_message_(max_message) {}

  std::size_t max_message() const noexcept { return max_message_; }
  void set_max_message(std::size_t bytes) noexcept { max_message_ = bytes; }

  // Free space after the unconsumed bytes for the next read: at least a read chunk (64 KiB).
  std::span<char> room();
  // `n` bytes were read into room().
  void commit(std::size_t n) noexcept { end_ += n; }

  // The next complete line within the size limit (without its '\n'), or nullopt when none is
  // complete yet. Throws channel_error::message_too_long for a line over the limit (once), whose
  // rest is then skipped as it comes.
  std::optional<std::string_view> next_line();

 private:
  // The next complete line, if one is buffered (without its '\n').
  std::optional<std::string_view> take_line();

  std::size_t max_message_;
  // Received bytes: [begin_, end_) are unconsumed; [begin_, scanned_) hold no '\n'.
  std::unique_ptr<char[]> buf_;
  std::size_t capacity_ = 0, begin_ = 0, end_ = 0, scanned_ = 0;
  bool discarding_ = false;  // dropping the rest of an oversized line
};

}  // namespace coronet::process::detail
