// read_buffer: the bytes read from a connection and not yet parsed, shared by the server's and
// the client's connections. The parser copies what it keeps (target, headers) and hands body
// bytes out as views, so the buffer never grows: it is refilled from the start once parsed.
#pragma once

#include <cstddef>
#include <memory>
#include <span>

#include "coronet/stream.hpp"
#include "coronet/task.hpp"
#include "parser.hpp"

namespace coronet::http::detail {

class read_buffer {
 public:
  explicit read_buffer(std::size_t size) : data_(new char[size]), size_(size) {}

  bool empty() const noexcept { return begin_ == end_; }
  void clear() noexcept { begin_ = end_ = 0; }

  // Hands the unparsed bytes to `p` and drops what it used.
  std::size_t feed(parser& p) {
    const std::size_t used = p.feed(data_.get() + begin_, end_ - begin_);
    begin_ += used;
    if (begin_ == end_) begin_ = end_ = 0;
    return used;
  }

  // Reads what the socket has (at least one byte) into the empty buffer; 0 at end of stream.
  // Views of earlier contents (body pieces) are invalid afterwards.
  task<std::size_t> fill(stream& s) {
    begin_ = end_ = 0;
    const std::size_t n = co_await s.read_some(std::span<char>(data_.get(), size_));
    end_ = n;
    co_return n;
  }

 private:
  std::unique_ptr<char[]> data_;
  std::size_t size_;
  std::size_t begin_ = 0, end_ = 0;
};

}  // namespace coronet::http::detail
