// state: one WebSocket connection's whole state, shared by the public handle and the operations
// in flight (connection.hpp). The reader (reader.cpp) turns bytes into frames and messages and
// answers control frames; the writer (writer.cpp) frames, masks and compresses what is sent, one
// frame at a time; close.cpp is the close handshake and the failures.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <stdexcept>
#include <stop_token>
#include <string>
#include <string_view>

#include "coronet/detail/event.hpp"
#include "coronet/http/upgrade.hpp"
#include "coronet/task.hpp"
#include "coronet/websocket/connection.hpp"
#include "deflate.hpp"
#include "frame.hpp"
#include "utf8.hpp"

namespace coronet::websocket::detail {

// Marks a receive in progress (one at a time), also when it ends by an exception.
class reading_guard {
 public:
  explicit reading_guard(bool& flag) : flag_(flag) {
    if (flag_) throw std::logic_error("websocket: receive() while another receive is pending");
    flag_ = true;
  }
  ~reading_guard() { flag_ = false; }
  reading_guard(const reading_guard&) = delete;
  reading_guard& operator=(const reading_guard&) = delete;

 private:
  bool& flag_;
};

// What the reader's pump stopped at.
enum class pumped { data, message_end, closed };

class state : public std::enable_shared_from_this<state> {
 public:
  state(http::upgraded socket, bool is_server, const options& o);
  ~state();
  state(const state&) = delete;
  state& operator=(const state&) = delete;

  // The handshake's outcome (server.cpp, client.cpp), before any I/O. Server: watch `closing`
  // (the HTTP server's graceful close) to say goodbye with 1001.
  void set_handshake(http::request req, http::response res, std::string protocol,
                     std::optional<deflate_params> deflate);
  void watch_server_closing(std::stop_token closing);

  // reader.cpp
  task<std::optional<message>> receive();
  task<std::optional<fragment>> receive_fragment();

  // writer.cpp
  task<> send_message(opcode op, std::span<const std::byte> payload);
  task<> send_fragment(message_type type, std::span<const std::byte> payload, bool last);
  task<> send_control(opcode op, std::span<const std::byte> payload);

  // close.cpp
  task<> close(std::uint16_t code, std::string_view reason);
  void abort() noexcept;
  // The peer broke the protocol (or a limit): its close frame with `code`'s number when one can
  // still go out, the socket closed, and the error thrown, naming `what` and the peer.
  [[noreturn]] void fail_local(errc code, std::string_view detail, std::string_view what);
  task<> fail(errc code, std::string detail, std::string_view what);

  // errc::closed for `what` ("send", "receive") on this connection.
  [[noreturn]] void throw_closed(std::string_view what) const;

  bool is_open() const noexcept { return !close_sent_ && !close_received_ && !broken_; }

  // Settled by the handshake.
  http::upgraded sock;
  const bool server;
  options opts;
  http::request request;
  http::response response;
  std::string protocol;
  std::optional<deflate_params> deflate;
  std::string peer;  // "127.0.0.1:8080", for errors

  // The peer's close frame.
  std::uint16_t peer_code = 0;
  std::string peer_reason;

 private:
  friend class reader_access;
  // reader.cpp
  task<pumped> pump(std::string& sink, bool whole);
  task<bool> fill();
  bool begin_frame(const frame_header& h);
  void take_payload(std::span<const std::byte> bytes, std::string& sink, bool whole);
  // One parsing step on in_: true when a frame was completed (a data frame's payload appended
  // to `sink`, a control frame's in control_). Throws the violation it finds.
  bool step(std::string& sink, bool whole);
  void finish_message(std::string& sink, bool whole);
  task<> on_close_frame();
  void check_size(std::size_t total, std::string_view what);
  std::size_t inflate_limit(bool whole) const noexcept;
  void check_inflated(inflater::result r);

  // writer.cpp
  bool try_lock_writer(bool whole_message) noexcept;
  task<> lock_writer(std::size_t bytes, bool whole_message);
  void unlock_writer() noexcept;
  task<> write_frame(bool fin, opcode op, bool rsv1, std::span<const std::byte> payload);
  task<> write_out(std::span<const std::byte> bytes);
  inflater& inflate_codec();
  deflater& deflate_codec();

  // close.cpp
  task<> send_close(std::uint16_t code, std::string_view reason);
  task<> finish_close();
  task<> go_away();
  void mark_closed() noexcept;

  // Reader: the unparsed rest of the socket's current buffer, and the frame being read.
  std::span<const std::byte> in_;
  header_reader header_;
  frame_header frame_;
  bool in_frame_ = false;  // frame_'s header is read, its payload is coming
  std::uint64_t payload_left_ = 0;
  std::size_t mask_at_ = 0;
  // The data message being read.
  bool in_message_ = false;
  message_type msg_type_ = message_type::text;
  bool msg_compressed_ = false;
  std::size_t msg_size_ = 0;  // bytes handed out or held so far (after inflating)
  bool msg_first_ = true;     // receive_fragment: no piece of this message given yet
  bool whole_ = true;         // receive() (limited by max_message_size), not receive_fragment()
  utf8_validator utf8_;
  std::string msg_;       // receive(): the message being joined
  std::string control_;   // a control frame's payload
  std::string scratch_;   // unmasked compressed bytes on their way to zlib
  std::string fragment_;  // receive_fragment's piece
  bool reading_ = false;
  bool ping_outstanding_ = false;  // keep-alive: a ping sent, nothing heard since
  coronet::detail::event closed_;  // set once the connection is closed, for close() to wait

  // Writer.
  bool writing_ = false;
  bool fragmenting_ = false;  // a message sent in fragments is under way
  opcode fragment_op_ = opcode::binary;
  bool fragment_compressed_ = false;
  std::size_t queued_ = 0;  // bytes of sends waiting for the writer
  coronet::detail::event writer_free_;
  std::string out_;
  std::string deflated_;
  std::unique_ptr<deflater> deflater_;
  std::unique_ptr<inflater> inflater_;

  // Close.
  bool close_sent_ = false;
  bool close_received_ = false;
  bool broken_ = false;  // failed, aborted or closed: the socket is (being) closed
  std::optional<std::stop_callback<std::function<void()>>> on_closing_;
};

}  // namespace coronet::websocket::detail
