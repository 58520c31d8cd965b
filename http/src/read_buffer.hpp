// read_buffer: the bytes read from a connection and not yet parsed, shared by the server's and
// the client's connections. The parser copies what it keeps (target, headers) and hands body
// bytes out as views, valid until the next fill().
//
// Servers read into buffers the scheduler lends (stream::receive), held only until the next
// fill(): a keep-alive connection waiting for its next request holds none. Clients read into a
// buffer of their own: a pooled connection must show a server's close or stray bytes to a
// MSG_PEEK (client_pool.cpp), which a standing multishot receive would swallow; and pooled
// connections are few (max_idle_per_host). TLS connections read decrypted bytes into a buffer of
// their own too (OpenSSL's record buffers are released while they wait).
#pragma once

#include <algorithm>
#include <cstddef>
#include <memory>
#include <span>
#include <string>
#include <utility>

#include "coronet/http/detail/transport.hpp"
#include "coronet/received.hpp"
#include "coronet/stream.hpp"
#include "coronet/task.hpp"
#include "parser.hpp"

namespace coronet::http::detail {

class read_buffer {
 public:
  enum class mode { lent, owned };
  // The parser is fed at most `limit` bytes at a time, which bounds the body pieces it hands out
  // (and in owned mode is the buffer's size).
  read_buffer(std::size_t limit, mode m)
      : limit_(limit), owned_(m == mode::owned ? new std::byte[limit] : nullptr) {}
  // The mode a connection over `t` reads in: TLS always into its own buffer.
  static mode mode_for(const transport& t, mode plain) noexcept {
    return t.secure() ? mode::owned : plain;
  }

  bool empty() const noexcept { return chunk_.empty() && begin_ == end_; }
  void clear() noexcept {
    chunk_.release();
    begin_ = end_ = 0;
  }

  // Hands unparsed bytes to `p` and drops what it used. A lent buffer stays lent until the next
  // fill() or clear(): body pieces the parser handed out still point into it.
  std::size_t feed(parser& p) {
    if (owned_) {
      const std::size_t used =
          p.feed(reinterpret_cast<const char*>(owned_.get()) + begin_, end_ - begin_);
      begin_ += used;
      return used;
    }
    const std::size_t used =
        p.feed(reinterpret_cast<const char*>(chunk_.data()), std::min(chunk_.size(), limit_));
    chunk_.consume(used);
    return used;
  }

  // The bytes not parsed (what came behind an upgrade request's head), taken out: the lent
  // buffer itself, or a copy of the owned buffer's rest. The buffer is empty afterwards.
  void take_rest(received& lent, std::string& copy) {
    if (owned_) {
      copy.assign(reinterpret_cast<const char*>(owned_.get()) + begin_, end_ - begin_);
      begin_ = end_ = 0;
      return;
    }
    lent = std::move(chunk_);
  }

  // Reads what the socket has (at least one byte) into the empty buffer; 0 at end of stream.
  // Views of earlier contents (body pieces) are invalid afterwards.
  task<std::size_t> fill(transport& t) {
    if (owned_) {
      begin_ = end_ = 0;
      const std::span<std::byte> space(owned_.get(), limit_);
      std::size_t n = 0;
      if (t.secure()) {
        n = co_await t.secure_read(space);
      } else {
        n = co_await t.socket().read_some(space);
      }
      end_ = n;
      co_return n;
    }
    chunk_.release();
    received r = co_await t.socket().receive();
    chunk_ = std::move(r);
    co_return chunk_.size();
  }

 private:
  std::size_t limit_;
  std::unique_ptr<std::byte[]> owned_;
  std::size_t begin_ = 0, end_ = 0;  // owned mode: the unparsed part of owned_
  received chunk_;                   // lent mode: the unparsed part of the lent buffer
};

}  // namespace coronet::http::detail
