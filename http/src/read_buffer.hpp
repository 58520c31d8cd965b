// read_buffer: the bytes read from a connection and not yet parsed, shared by the server's and
// the client's connections. The parser copies what it keeps (target, headers) and hands body
// bytes out as views, valid until the next fill().
//
// Servers read into buffers lent for one read only, held until the next fill(): a keep-alive
// connection waiting for its next request holds none. Plain streams lend the scheduler's
// buffers (stream::receive); TLS streams lend a block of decrypted bytes (tls::stream::receive,
// taken once a record is there and given back when the stream reads again; OpenSSL's record
// buffers are released while it waits). Clients read into a buffer of their own, plain or TLS:
// a pooled connection must show a server's close or stray bytes to a MSG_PEEK
// (client_pool.cpp), which a standing multishot receive would swallow; and pooled connections
// are few (max_idle_per_host).
#pragma once

#include <algorithm>
#include <atomic>
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

// Owned-mode buffers alive now, on every thread: what the tests count to show that idle server
// connections (HTTPS ones included) hold none.
inline std::atomic<std::size_t> owned_read_buffers{0};

class read_buffer {
 public:
  enum class mode { lent, owned };
  // The parser is fed at most `limit` bytes at a time, which bounds the body pieces it hands out
  // (and in owned mode is the buffer's size).
  read_buffer(std::size_t limit, mode m)
      : limit_(limit), owned_(m == mode::owned ? new std::byte[limit] : nullptr) {
    if (owned_) owned_read_buffers.fetch_add(1, std::memory_order_relaxed);
  }
  ~read_buffer() {
    if (owned_) owned_read_buffers.fetch_sub(1, std::memory_order_relaxed);
  }
  read_buffer(const read_buffer&) = delete;
  read_buffer& operator=(const read_buffer&) = delete;

  bool empty() const noexcept { return lent_.empty() && begin_ == end_; }
  void clear() noexcept {
    chunk_.release();
    lent_ = {};
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
        p.feed(reinterpret_cast<const char*>(lent_.data()), std::min(lent_.size(), limit_));
    lent_ = lent_.subspan(used);
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
    if (chunk_.empty()) {
      // TLS: the stream's block, which it takes back at its next read.
      copy.assign(reinterpret_cast<const char*>(lent_.data()), lent_.size());
    } else {
      // lent_ is what the parser left of chunk_ (which feed() does not consume).
      chunk_.consume(chunk_.size() - lent_.size());
      lent = std::move(chunk_);
    }
    lent_ = {};
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
    lent_ = {};
    if (t.secure()) {
      // The TLS stream gives its last block back before it waits.
      lent_ = co_await t.secure_receive();
      co_return lent_.size();
    }
    received r = co_await t.socket().receive();
    chunk_ = std::move(r);
    lent_ = chunk_.bytes();
    co_return lent_.size();
  }

 private:
  std::size_t limit_;
  std::unique_ptr<std::byte[]> owned_;
  std::size_t begin_ = 0, end_ = 0;  // owned mode: the unparsed part of owned_
  received chunk_;                   // lent mode, plain streams: the scheduler's buffer
  std::span<const std::byte> lent_;  // lent mode: the unparsed part of what the last fill got
};

}  // namespace coronet::http::detail
