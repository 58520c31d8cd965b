// The end of a connection: the close handshake (RFC 6455 7), failing a connection whose peer
// broke the protocol, and the goodbye when the HTTP server closes gracefully.
#include <stdexcept>

#include "coronet/cancellation.hpp"
#include "coronet/error.hpp"
#include "coronet/spawn.hpp"
#include "coronet/with_timeout.hpp"
#include "state.hpp"
#include "utf8.hpp"

namespace coronet::websocket::detail {
namespace {

// What close() may send (RFC 6455 7.4: 1005, 1006 and 1015 are never sent; 1004 is reserved).
bool sendable_close_code(std::uint16_t c) noexcept {
  return c == 1000 || c == 1001 || c == 1002 || c == 1003 || (c >= 1007 && c <= 1014) ||
         (c >= 3000 && c <= 4999);
}

}  // namespace

void state::mark_closed() noexcept {
  closed_.set();
}

void state::abort() noexcept {
  if (!broken_) {
    broken_ = true;
    if (!close_received_) peer_code = close_code::abnormal;
    sock.close();
  }
  // Sends waiting for the writer see the connection broken; close() waiting for the reader
  // stops waiting.
  writer_free_.set();
  closed_.set();
}

task<> state::send_close(std::uint16_t code, std::string_view reason) {
  // No data may follow a close frame: sends from now on fail with errc::closed.
  close_sent_ = true;
  std::string payload;
  if (code != 0) {
    payload.push_back(static_cast<char>(code >> 8));
    payload.push_back(static_cast<char>(code & 0xff));
    payload.append(reason);
  }
  if (!try_lock_writer(false)) co_await lock_writer(payload.size(), false);
  try {
    co_await write_frame(true, opcode::close, false, std::as_bytes(std::span(payload)));
  } catch (...) {
    unlock_writer();
    throw;
  }
  unlock_writer();
}

task<> state::finish_close() {
  // Both close frames are out: half-close (TLS: close_notify first), then wait for the peer to
  // close its side, so that closing never resets it (a reset can destroy the close frame before
  // the peer read it). The server is to close the TCP connection first (RFC 6455 7.1.1); a
  // client that never does is cut after close_timeout.
  try {
    co_await sock.shutdown();
    auto drain = [](state& s) -> task<> {
      for (;;) {
        const std::span<const std::byte> got = co_await s.sock.receive();
        if (got.empty()) co_return;
      }
    };
    co_await with_timeout(opts.close_timeout, drain(*this));
  } catch (const std::system_error& e) {
    if (is_cancellation(e) && !broken_) {
      abort();
      throw;
    }
    // The peer reset or stayed silent: either way it is over.
  }
  abort();
}

task<> state::fail(errc code, std::string detail, std::string_view what) {
  auto self = shared_from_this();
  if (!close_sent_ && !broken_) {
    // The peer hears why (the code, and the detail as the reason, cut to fit), if it still
    // reads; it gets close_timeout to take it.
    std::string reason = detail.substr(0, 123);
    try {
      co_await with_timeout(opts.close_timeout,
                            coronet::detail::shielded(send_close(close_code_of(code), reason)));
    } catch (const std::system_error&) {
      // It does not read: the socket is closed all the same.
    }
  }
  abort();
  throw coronet::detail::described_error(make_error_code(code), std::string(what) + " " + peer,
                                         detail);
}

task<> state::close(std::uint16_t code, std::string_view reason) {
  auto self = shared_from_this();
  if (!sendable_close_code(code))
    throw std::invalid_argument("websocket: close code " + std::to_string(code) +
                                " may not be sent");
  if (reason.size() > 123)
    throw std::invalid_argument("websocket: a close reason has at most 123 bytes");
  if (broken_) co_return;
  try {
    if (!close_sent_) co_await send_close(code, reason);
    if (!close_received_) {
      if (reading_) {
        // Another coroutine is in receive(): it gets the peer's close frame and finishes.
        co_await with_timeout(opts.close_timeout, closed_.wait());
      } else {
        // Messages still arriving are dropped on the way to the peer's close frame.
        auto until_close = [](state& s) -> task<> {
          reading_guard guard(s.reading_);
          for (;;) {
            s.fragment_.clear();
            const pumped p = co_await s.pump(s.fragment_, false);
            if (p == pumped::closed) co_return;
          }
        };
        co_await with_timeout(opts.close_timeout, until_close(*this));
      }
    }
  } catch (const std::system_error& e) {
    // A peer that stays silent or breaks the protocol now only ends the close sooner; the
    // caller's own cancellation still goes to the caller.
    abort();
    if (is_cancellation(e)) throw;
  }
  abort();
}

task<> state::go_away() {
  auto self = shared_from_this();
  if (close_sent_ || broken_) co_return;
  try {
    co_await with_timeout(opts.close_timeout, send_close(close_code::going_away, "server closing"));
    // Whoever reads (the handler's receive()) meets the peer's answer and ends the connection;
    // if nobody does, the socket is closed after close_timeout.
    co_await with_timeout(opts.close_timeout, closed_.wait());
  } catch (const std::system_error&) {
  }
  abort();
}

void state::watch_server_closing(std::stop_token closing) {
  std::weak_ptr<state> weak = weak_from_this();
  on_closing_.emplace(std::move(closing), std::function<void()>([weak] {
                        if (auto s = weak.lock()) spawn(s->go_away());
                      }));
}

}  // namespace coronet::websocket::detail
