// line_reader: the receive side's framing. Bytes read from the channel's stream go into its
// buffer; next_line() cuts them into '\n'-ended lines and enforces the size limit.
//
//   std::span<char> room = r.room();          // read into it, then
//   r.commit(n);
//   while (std::optional<std::string_view> l = r.next_line()) ...
//   // a line is valid until the next room(), next_line() or trim()
//
// A line over max_message() is reported once, as soon as the limit is passed, and the rest of it
// is dropped as it comes: a peer sending an endless line cannot fill our memory. A trailing piece
// without '\n' is never a line.
//
// Memory: the buffer is malloc'd, never zero-filled, and grows geometrically (realloc, which for
// large blocks moves pages instead of copying them) up to max_message() + one read chunk: room
// enough for any line within the limit and its '\n'. Once a large line has been consumed, the
// buffer goes back to its small default size (trim()), so one big message does not stay
// resident for the life of the channel.
#pragma once

#include <cstddef>
#include <cstdlib>
#include <memory>
#include <optional>
#include <span>
#include <string_view>

namespace coronet::process::detail {

class line_reader {
 public:
  // Reads come in chunks of at least this much free space.
  static constexpr std::size_t read_chunk = 64 * 1024;
  // The size the buffer starts at, and goes back to after a large line; it keeps its size up to
  // keep_capacity (so a run of medium messages does not reallocate for each one).
  static constexpr std::size_t default_capacity = 2 * read_chunk;
  static constexpr std::size_t keep_capacity = std::size_t(1) << 20;

  explicit line_reader(std::size_t max_message) noexcept : max_message_(max_message) {}

  std::size_t max_message() const noexcept { return max_message_; }
  void set_max_message(std::size_t bytes) noexcept { max_message_ = bytes; }

  // Free space after the unconsumed bytes for the next read: at least a read chunk.
  std::span<char> room();
  // `n` bytes were read into room().
  void commit(std::size_t n) noexcept { end_ += n; }

  // The next complete line within the size limit (without its '\n'), or nullopt when none is
  // complete yet. Throws channel_error::message_too_long for a line over the limit (once), whose
  // rest is then skipped as it comes.
  std::optional<std::string_view> next_line();

  // Gives a buffer grown past keep_capacity back (to default_capacity) when what is left
  // unconsumed fits in the small one. Invalidates the last line.
  void trim() noexcept;

  // The buffer's size in bytes (for tests).
  std::size_t capacity() const noexcept { return capacity_; }

 private:
  struct free_deleter {
    void operator()(char* p) const noexcept { std::free(p); }
  };

  // The next complete line, if one is buffered (without its '\n').
  std::optional<std::string_view> take_line();
  // Moves the unconsumed bytes to the front of the buffer.
  void compact() noexcept;
  // Makes the buffer `cap` bytes (keeping [0, end_)); throws std::bad_alloc.
  void resize(std::size_t cap);

  std::size_t max_message_;
  // Received bytes: [begin_, end_) are unconsumed; [begin_, scanned_) hold no '\n'.
  std::unique_ptr<char, free_deleter> buf_;
  std::size_t capacity_ = 0, begin_ = 0, end_ = 0, scanned_ = 0;
  bool discarding_ = false;  // dropping the rest of an oversized line
};

}  // namespace coronet::process::detail
