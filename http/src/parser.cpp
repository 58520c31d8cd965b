#include "parser.hpp"

#include <cstring>
#include <utility>

#include "coronet/http/error.hpp"

namespace coronet::http::detail {
namespace {

// The status a request's Transfer-Encoding lines deserve, 0 when they are fine (or absent).
// RFC 9112 6.3: chunked not the final coding (or no coding at all: "xchunked", "identity", an
// empty value) leaves the length unknown, and the server MUST answer 400 and close. RFC 9112
// 7.1: chunked applied twice is faulty as well (another parser may strip one and frame the
// rest differently). A final chunked over a coding coronet does not decode (gzip) is well
// framed but unsupported: 501 (RFC 9112 6.1). llhttp decides "chunked" on the last coding
// alone, so these checks come first.
int transfer_encoding_status(const fields& h) {
  if (!h.contains("Transfer-Encoding")) return 0;
  int chunked = 0;
  bool last_chunked = false;
  bool other = false;
  h.any_list_item("Transfer-Encoding", [&](std::string_view coding) {
    if (coding.empty()) return false;  // "a, , b": empty list elements do not count
    last_chunked = iequals(coding, "chunked");
    if (last_chunked) {
      ++chunked;
    } else {
      other = true;
    }
    return false;
  });
  if (!last_chunked || chunked > 1) return 400;
  return other ? 501 : 0;
}

}  // namespace

parser::parser(llhttp_type_t type, parse_limits limits) : limits_(limits) {
  llhttp_init(&llhttp_, type, &settings());
  llhttp_.data = this;
}

parser::parser(request& into, parse_limits limits) : parser(HTTP_REQUEST, limits) {
  request_ = &into;
  headers_ = &into.headers;
}

parser::parser(response& into, parse_limits limits) : parser(HTTP_RESPONSE, limits) {
  response_ = &into;
  headers_ = &into.headers;
}

const llhttp_settings_t& parser::settings() noexcept {
  static const llhttp_settings_t s = [] {
    llhttp_settings_t t;
    llhttp_settings_init(&t);
    t.on_message_begin = on_message_begin;
    t.on_url = on_target;
    t.on_url_complete = on_target_complete;
    t.on_status = on_reason;
    t.on_header_field = on_field;
    t.on_header_value = on_value;
    t.on_header_value_complete = on_value_complete;
    t.on_headers_complete = on_headers_complete;
    t.on_body = on_body;
    t.on_chunk_header = on_chunk_header;
    t.on_chunk_extension_name = on_chunk_extension;
    t.on_chunk_extension_value = on_chunk_extension;
    t.on_message_complete = on_message_complete;
    return t;
  }();
  return s;
}

std::size_t parser::feed(const char* data, std::size_t size) {
  if (state_ == state::done || state_ == state::failed) return 0;
  if (paused_) {
    llhttp_resume(&llhttp_);
    paused_ = false;
  }
  const bool was_in_head = state_ == state::idle || state_ == state::head;
  const bool was_in_trailers = in_trailers_;
  const llhttp_errno_t err = llhttp_execute(&llhttp_, data, size);
  std::size_t used = size;
  if (err == HPE_PAUSED) {
    used = static_cast<std::size_t>(llhttp_get_error_pos(&llhttp_) - data);
    paused_ = true;
  } else if (err == HPE_PAUSED_UPGRADE) {
    // An Upgrade or CONNECT message: complete (on_message_complete ran); coronet does not
    // switch protocols, so the bytes after it are left alone and the caller closes.
    used = static_cast<std::size_t>(llhttp_get_error_pos(&llhttp_) - data);
    state_ = state::done;
  } else if (err != HPE_OK) {
    if (!error_) {
      reason_ = llhttp_get_error_reason(&llhttp_) ? llhttp_get_error_reason(&llhttp_) : "";
      fail(errc::malformed_message, 400);
    }
    state_ = state::failed;
    return used;
  }
  // The head and the trailers: line ends, and a request's obs-fold.
  if (was_in_head || was_in_trailers) check_line_ends(data, used);
  if (was_in_head) check_head_bytes(used);
  if (error_) {
    state_ = state::failed;
    head_ready_ = false;
  }
  return used;
}

void parser::check_line_ends(const char* data, std::size_t used) {
  // RFC 9112 2.2: a line ends in CRLF. llhttp 8 (even strict) takes a bare LF where it ends the
  // request or status line, the head ("\r\n\n") or the trailers, and a proxy in front that
  // reads it otherwise would frame a different message (the request pipelined behind it, say):
  // bare LF is refused, as Node 20 does. RFC 9112 5.2: obs-fold (a field line starting with SP
  // or HTAB) is either rejected with 400 or unfolded; a request's is rejected, as a proxy in
  // front may unfold it differently (or not at all): llhttp 8 accepts it even in strict mode.
  // Responses are left to llhttp there, which unfolds: RFC 9112 5.2 asks a user agent to
  // accept obs-fold. Only the bytes llhttp took as the head or the trailers are looked at (it
  // stops right after the head, before the trailers and at the end of the message), and only
  // at each LF (memchr), so the cost is one pass over the head and no body byte is touched.
  if (used == 0) return;
  const bool refuse_fold = request_ != nullptr;
  auto folded = [&](char c) { return refuse_fold && (c == ' ' || c == '\t'); };
  if (last_line_byte_ == '\n' && folded(data[0])) {
    reason_ = "obs-fold (a field line starting with whitespace)";
    fail(errc::malformed_message, 400);
    return;
  }
  const char* const end = data + used;
  for (const char* at = data; at < end; ++at) {
    at = static_cast<const char*>(std::memchr(at, '\n', static_cast<std::size_t>(end - at)));
    if (!at) break;
    const char before = at == data ? last_line_byte_ : at[-1];
    if (before != '\r') {
      reason_ = "bare LF (a line not ending in CRLF)";
      fail(errc::malformed_message, 400);
      return;
    }
    if (at + 1 < end && folded(at[1])) {
      reason_ = "obs-fold (a field line starting with whitespace)";
      fail(errc::malformed_message, 400);
      return;
    }
  }
  last_line_byte_ = end[-1];
}

void parser::check_head_bytes(std::size_t used) {
  // The callbacks count the spans of the head; this counts every byte of it (whitespace and
  // line ends included), so that no padding gets past the limit.
  if (state_ != state::idle) {
    head_bytes_ += used;
    if (head_bytes_ > limits_.max_header_size) {
      if (in_request_line_) {
        fail(errc::uri_too_long, 414);
      } else {
        fail(errc::header_too_large, 431);
      }
    }
  }
}

void parser::finish() {
  if (state_ != state::head && state_ != state::body) return;
  if (paused_) {
    llhttp_resume(&llhttp_);
    paused_ = false;
  }
  // A body delimited by the close completes here; on_message_complete's pause makes
  // llhttp_finish report HPE_PAUSED for it.
  const llhttp_errno_t err = llhttp_finish(&llhttp_);
  if ((err != HPE_OK && err != HPE_PAUSED) || state_ != state::done) {
    fail(errc::incomplete_message, 400);
    state_ = state::failed;
  }
}

void parser::next_message() {
  state_ = state::idle;
  head_ready_ = false;
  head_bytes_ = 0;
  last_line_byte_ = 0;
  in_trailers_ = false;
  span_bytes_ = 0;
  extension_bytes_ = 0;
  body_bytes_ = 0;
  content_length_ = 0;
  pieces_.clear();
}

bool parser::chunked() const noexcept {
  return (llhttp_.flags & F_CHUNKED) != 0;
}
bool parser::has_content_length() const noexcept {
  return (llhttp_.flags & F_CONTENT_LENGTH) != 0;
}
bool parser::keep_alive() const noexcept {
  return llhttp_should_keep_alive(&llhttp_) != 0;
}
bool parser::upgrade() const noexcept {
  return llhttp_.upgrade != 0;
}

int parser::fail(std::error_code ec, int status) noexcept {
  if (!error_) {
    error_ = ec;
    error_status_ = status;
  }
  return HPE_USER;
}

int parser::on_message_begin(llhttp_t* p) {
  parser& self = of(p);
  self.state_ = state::head;
  if (self.request_) {
    self.request_->clear();
  } else {
    self.response_->clear();
  }
  self.field_done_ = true;
  self.span_bytes_ = 0;
  self.extension_bytes_ = 0;
  self.in_request_line_ = self.request_ != nullptr;
  return 0;
}

int parser::on_target(llhttp_t* p, const char* at, std::size_t n) {
  // A request line longer than the whole head may be: 414 URI Too Long, as nginx answers
  // (Node answers 431, counting the request line in its header limit). The server cannot even
  // read the request line, and 414 tells the client what to shorten.
  parser& self = of(p);
  if ((self.span_bytes_ += n) > self.limits_.max_header_size)
    return self.fail(errc::uri_too_long, 414);
  self.request_->target.append(at, n);
  return 0;
}

int parser::on_target_complete(llhttp_t* p) {
  of(p).in_request_line_ = false;
  return 0;
}

int parser::on_reason(llhttp_t* p, const char* at, std::size_t n) {
  parser& self = of(p);
  if ((self.span_bytes_ += n) > self.limits_.max_header_size)
    return self.fail(errc::header_too_large, 431);
  self.response_->reason.append(at, n);
  return 0;
}

int parser::on_field(llhttp_t* p, const char* at, std::size_t n) {
  parser& self = of(p);
  // Trailers (after a chunked body) count against the head's limit but are not kept: the
  // handler may hold views of the headers while it reads the body, and appending could move them.
  if ((self.span_bytes_ += n) > self.limits_.max_header_size)
    return self.fail(errc::header_too_large, 431);
  if (n > 0) self.line_named_ = true;  // llhttp reports ": v" as an empty name
  if (self.state_ == state::body) return 0;
  if (self.field_done_) {  // the first piece of a new line's name
    if (self.headers_->size() >= self.limits_.max_headers)
      return self.fail(errc::too_many_headers, 431);
    self.headers_->begin_line();
    self.field_done_ = false;
  }
  self.headers_->append_name({at, n});
  return 0;
}

int parser::on_value(llhttp_t* p, const char* at, std::size_t n) {
  parser& self = of(p);
  if ((self.span_bytes_ += n) > self.limits_.max_header_size)
    return self.fail(errc::header_too_large, 431);
  // llhttp 8 takes ": value" (no name at all) as a field line; RFC 9110 5.1: a name is a token.
  if (!self.line_named_) return self.fail(errc::malformed_message, 400);
  if (self.state_ == state::body) return 0;
  self.headers_->append_value({at, n});
  return 0;
}

int parser::on_value_complete(llhttp_t* p) {
  parser& self = of(p);
  if (!self.line_named_) return self.fail(errc::malformed_message, 400);
  self.line_named_ = false;
  if (self.state_ == state::body) return 0;
  // A line with an empty value never calls on_value: the line ends here either way.
  self.field_done_ = true;
  self.headers_->trim_last_value();
  return 0;
}

int parser::on_headers_complete(llhttp_t* p) {
  parser& self = of(p);
  const int rc = self.check_head();
  if (rc != 0) return rc;
  self.state_ = state::body;
  self.head_ready_ = true;
  // llhttp: 1 means no body follows, and completes the message now. A response to HEAD, an
  // interim 1xx, a 204 or a 304 has none whatever its Content-Length says (RFC 9110 6.4.1);
  // llhttp itself would wait for the declared length.
  const int status = self.response_ ? self.response_->status : 0;
  if (self.no_body_ || (status >= 100 && status < 200 && status != 101) || status == 204 ||
      status == 304)
    return 1;
  return HPE_PAUSED;
}

int parser::check_head() noexcept {
  content_length_ = has_content_length() ? llhttp_.content_length : 0;
  if (request_) {
    request_->method = llhttp_method_name(static_cast<llhttp_method_t>(llhttp_.method));
    request_->version_major = llhttp_.http_major;
    request_->version_minor = llhttp_.http_minor;
    // RFC 9112 6.1: Transfer-Encoding in an HTTP/1.0 message means faulty framing (1.0 has no
    // transfer codings; a 1.0 proxy in front would frame it by Content-Length or the close).
    if (llhttp_.http_major == 1 && llhttp_.http_minor == 0 &&
        request_->headers.contains("Transfer-Encoding"))
      return fail(errc::malformed_message, 400);
    const int te_status = transfer_encoding_status(request_->headers);
    if (te_status == 400) return fail(errc::malformed_message, 400);
    if (te_status != 0) return fail(errc::unsupported_transfer_encoding, te_status);
  } else {
    // llhttp takes any three digits; a status below 100 is none (RFC 9110 15), and a client
    // taking it for an interim response would wait for the end of a body it never reads (found
    // by tests/fuzz/http_client_fuzz: "HTTP/1.1 050 Continue" hung the client).
    if (llhttp_.status_code < 100) return fail(errc::malformed_message, 502);
    response_->status = llhttp_.status_code;
    response_->version_major = llhttp_.http_major;
    response_->version_minor = llhttp_.http_minor;
  }
  if (content_length_ > limits_.max_body_size) return fail(errc::body_too_large, 413);
  return 0;
}

int parser::on_chunk_extension(llhttp_t* p, const char*, std::size_t n) {
  // Extensions are ignored, but their bytes are bounded (Node's fix for CVE-2024-22019): a
  // client must not stream an endless body of framing that counts toward no other limit.
  parser& self = of(p);
  if ((self.extension_bytes_ += n) > max_extension_bytes)
    return self.fail(errc::body_too_large, 413);
  return 0;
}

int parser::on_chunk_header(llhttp_t* p) {
  // The last chunk: the trailers follow. The parse stops here, so that the next feed starts
  // with them and check_line_ends looks at them alone (the body before them is not scanned).
  parser& self = of(p);
  if (p->content_length != 0) return 0;
  self.in_trailers_ = true;
  self.last_line_byte_ = '\n';
  return HPE_PAUSED;
}

int parser::on_body(llhttp_t* p, const char* at, std::size_t n) {
  parser& self = of(p);
  if ((self.body_bytes_ += n) > self.limits_.max_body_size)
    return self.fail(errc::body_too_large, 413);
  self.pieces_.emplace_back(at, n);
  return 0;
}

int parser::on_message_complete(llhttp_t* p) {
  parser& self = of(p);
  self.state_ = state::done;
  return HPE_PAUSED;
}

}  // namespace coronet::http::detail
