// read_buffer: the bytes read from a connection and not yet parsed, shared by the server's and
// the client's connections. The parser copies what it keeps (target, headers) and hands body
// bytes out as views. The bytes sit in a buffer the scheduler lends (stream::receive), held only
// until they are parsed: a keep-alive connection waiting for its next request holds none.
#pragma once

#include <algorithm>
#include <cstddef>
#include <utility>

#include "coronet/received.hpp"
#include "coronet/stream.hpp"
#include "coronet/task.hpp"
#include "parser.hpp"

namespace coronet::http::detail {

class read_buffer {
 public:
  // The parser is fed at most `limit` bytes at a time, which bounds the body pieces it hands out.
  explicit read_buffer(std::size_t limit) : limit_(limit) {}

  bool empty() const noexcept { return chunk_.empty(); }
  void clear() noexcept { chunk_.release(); }

  // Hands unparsed bytes to `p` and drops what it used. The buffer itself stays lent until the
  // next fill() or clear(): body pieces the parser handed out still point into it.
  std::size_t feed(parser& p) {
    const std::size_t used =
        p.feed(reinterpret_cast<const char*>(chunk_.data()), std::min(chunk_.size(), limit_));
    chunk_.consume(used);
    return used;
  }

  // Reads what the socket has (at least one byte) into the empty buffer; 0 at end of stream.
  // Views of earlier contents (body pieces) are invalid afterwards.
  task<std::size_t> fill(stream& s) {
    chunk_.release();
    received r = co_await s.receive();
    chunk_ = std::move(r);
    co_return chunk_.size();
  }

 private:
  received chunk_;
  std::size_t limit_;
};

}  // namespace coronet::http::detail
