// parser: llhttp, strict, in request or response mode, filling a request or response head and
// handing body bytes over as views into the caller's buffer (no copy).
//
// feed() stops after the head and after the message, so the caller sees each before the next
// bytes are interpreted: that is what keeps pipelined requests in order and lets a server answer
// `Expect: 100-continue` before the body. Limits are checked while parsing; a violation puts the
// parser in the failed state with the errc and the status a server should answer with.
#pragma once

#include <llhttp.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include "coronet/http/message.hpp"

namespace coronet::http::detail {

struct parse_limits {
  std::size_t max_header_size = 16 * 1024;
  std::size_t max_headers = 100;
  std::uint64_t max_body_size = UINT64_MAX;
};

class parser {
 public:
  enum class state {
    idle,    // between messages: no byte of the next one yet
    head,    // in the request line / status line or headers
    body,    // head complete (a paused head is reported once), body bytes may follow
    done,    // message complete; call next_message() to parse the next one
    failed,  // see error(), error_status(), error_reason()
  };

  parser(request& into, parse_limits limits);
  parser(response& into, parse_limits limits);
  parser(const parser&) = delete;
  parser& operator=(const parser&) = delete;

  // Parses bytes of [data, data + size) and returns how many it used. It stops early when the
  // head completes (state becomes body; head_ready() is true once) or the message completes.
  // Body bytes found are appended to body_pieces() as views into `data`.
  std::size_t feed(const char* data, std::size_t size);
  // The peer closed: ends a body that runs until EOF (a response without length), fails a
  // message cut short (errc::incomplete_message). Nothing happens when idle.
  void finish();
  // After done: forget the message and get ready for the next one.
  void next_message();
  // A response to a HEAD request (or CONNECT) has a head but no body: the client says so before
  // feeding the response.
  void expect_no_body(bool on) noexcept { no_body_ = on; }

  state current() const noexcept { return state_; }
  // True once after the head completed; consumed by the call.
  bool take_head_ready() noexcept { return std::exchange(head_ready_, false); }
  std::vector<std::string_view>& body_pieces() noexcept { return pieces_; }
  // Stopped at the end of a head or message: the next feed() (even of no bytes) goes on.
  bool paused() const noexcept { return paused_; }
  // Body bytes parsed so far in this message.
  std::uint64_t body_bytes() const noexcept { return body_bytes_; }

  // From the head: body framing and connection persistence.
  bool chunked() const noexcept;
  bool has_content_length() const noexcept;
  std::uint64_t content_length() const noexcept { return content_length_; }
  bool keep_alive() const noexcept;
  bool upgrade() const noexcept;

  std::error_code error() const noexcept { return error_; }
  int error_status() const noexcept { return error_status_; }
  // llhttp's words for a malformed message ("Invalid header value char").
  const std::string& error_reason() const noexcept { return reason_; }

 private:
  parser(llhttp_type_t type, parse_limits limits);
  static const llhttp_settings_t& settings() noexcept;
  static parser& of(llhttp_t* p) noexcept { return *static_cast<parser*>(p->data); }
  int fail(std::error_code ec, int status) noexcept;
  // The callbacks, one per llhttp event.
  static int on_message_begin(llhttp_t* p);
  static int on_target(llhttp_t* p, const char* at, std::size_t n);
  static int on_target_complete(llhttp_t* p);
  static int on_reason(llhttp_t* p, const char* at, std::size_t n);
  static int on_field(llhttp_t* p, const char* at, std::size_t n);
  static int on_value(llhttp_t* p, const char* at, std::size_t n);
  static int on_value_complete(llhttp_t* p);
  static int on_headers_complete(llhttp_t* p);
  static int on_chunk_header(llhttp_t* p);
  static int on_chunk_extension(llhttp_t* p, const char* at, std::size_t n);
  static int on_body(llhttp_t* p, const char* at, std::size_t n);
  static int on_message_complete(llhttp_t* p);
  int check_head() noexcept;
  // After llhttp took `used` bytes of the head: the head's size limit.
  void check_head_bytes(std::size_t used);
  // After llhttp took `used` bytes of a head or trailers: fails on a bare LF, and on obs-fold
  // in a request.
  void check_line_ends(const char* data, std::size_t used);

  llhttp_t llhttp_{};
  request* request_ = nullptr;
  response* response_ = nullptr;
  fields* headers_ = nullptr;
  parse_limits limits_;
  state state_ = state::idle;
  bool head_ready_ = false;
  bool paused_ = false;
  bool field_done_ = true;
  bool no_body_ = false;
  bool in_request_line_ = false;     // a request's method and target are being parsed
  bool in_trailers_ = false;         // the last chunk came: the trailers are next
  bool line_named_ = false;          // the current field line has a name
  char last_line_byte_ = 0;          // the byte before this feed's, in the head or the trailers
  std::size_t head_bytes_ = 0;       // bytes of the head fed so far
  std::size_t span_bytes_ = 0;       // of which target, reason, names and values (trailers too)
  std::size_t extension_bytes_ = 0;  // chunk extensions of this message
  static constexpr std::size_t max_extension_bytes = 16 * 1024;
  std::uint64_t body_bytes_ = 0;
  std::uint64_t content_length_ = 0;
  std::vector<std::string_view> pieces_;
  std::error_code error_;
  int error_status_ = 0;
  std::string reason_;
};

}  // namespace coronet::http::detail
