#include "coronet/process/channel.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <memory>
#include <string>
#include <utility>

#include <boost/json/parser.hpp>
#include <boost/json/serializer.hpp>

#include "coronet/cancellation.hpp"
#include "coronet/error.hpp"
#include "line_writer.hpp"

namespace coronet::process {

namespace {
class channel_category_impl : public std::error_category {
 public:
  const char* name() const noexcept override { return "coronet.channel"; }
  std::string message(int e) const override {
    switch (static_cast<channel_error>(e)) {
      case channel_error::bad_message:
        return "bad message";
      case channel_error::message_too_long:
        return "message too long";
      case channel_error::closed:
        return "channel closed";
    }
    return "unknown channel error";
  }
};

// Enough of a bad line to recognise it in an error message, without control characters.
std::string excerpt(std::string_view line) {
  constexpr std::size_t max = 60;
  std::string r;
  for (char c : line.substr(0, max)) r += (static_cast<unsigned char>(c) < 0x20) ? '?' : c;
  if (line.size() > max) r += "...";
  return r;
}

// Reads come in chunks of at least this much free space.
constexpr std::size_t read_chunk = 64 * 1024;
}  // namespace

const std::error_category& channel_category() noexcept {
  static const channel_category_impl c;
  return c;
}

namespace detail {

// Behind a pointer so that a channel can move (into a child, out of parent_channel) while
// nothing is pending, and so that the buffer and the send lock stay private.
struct channel_state {
  channel_state(stream st, std::size_t max) : s(std::move(st)), max_message(max) {
    boost::json::parse_options po;
    po.max_depth = 4096;  // JSON.parse has no small limit; the parser's default of 32 is low
    parser.emplace(boost::json::storage_ptr(), po);
  }

  stream s;
  std::size_t max_message;
  line_writer writer;
  // Each send serialises into `line` (reused, so a send allocates nothing for its text) and the
  // writer copies it into its outbox before the next send can run.
  boost::json::serializer serializer;
  std::string line;
  std::optional<boost::json::parser> parser;

  // Received bytes: [begin, end) are unconsumed; [begin, scanned) hold no '\n'.
  std::unique_ptr<char[]> buf;
  std::size_t capacity = 0, begin = 0, end = 0, scanned = 0;
  bool discarding = false;    // dropping the rest of an oversized line
  bool end_of_input = false;  // the peer closed
  bool disconnected = false;  // disconnect() on this side

  // At least read_chunk free bytes after `end`, moving the unconsumed bytes to the front.
  void make_room() {
    if (begin > 0) {
      std::memmove(buf.get(), buf.get() + begin, end - begin);
      end -= begin;
      scanned -= begin;
      begin = 0;
    }
    if (capacity - end >= read_chunk) return;
    std::size_t cap = capacity ? capacity * 2 : 2 * read_chunk;
    while (cap - end < read_chunk) cap *= 2;
    auto bigger = std::make_unique<char[]>(cap);
    if (end) std::memcpy(bigger.get(), buf.get(), end);
    buf = std::move(bigger);
    capacity = cap;
  }

  // `message` as one line with its '\n', in `line`.
  std::string_view serialize(const boost::json::value& message) {
    serializer.reset(&message);
    std::size_t n = 0;
    while (!serializer.done()) {
      if (line.size() - n < 4096) line.resize(std::max(2 * line.size(), n + 4096));
      n += serializer.read(line.data() + n, line.size() - n - 1).size();  // room for the '\n'
    }
    line[n++] = '\n';
    return std::string_view(line.data(), n);
  }

  // The next complete line, if one is buffered (without its '\n').
  std::optional<std::string_view> take_line() {
    const void* nl =
        end > scanned ? std::memchr(buf.get() + scanned, '\n', end - scanned) : nullptr;
    if (!nl) {
      scanned = end;
      return std::nullopt;
    }
    const std::size_t line_end = std::size_t(static_cast<const char*>(nl) - buf.get());
    std::string_view line(buf.get() + begin, line_end - begin);
    begin = scanned = line_end + 1;
    if (begin == end) begin = scanned = end = 0;
    return line;
  }
};

}  // namespace detail

channel::channel() noexcept = default;
channel::channel(stream s, std::size_t max_message)
    : state_(std::make_unique<detail::channel_state>(std::move(s), max_message)) {}
channel::channel(channel&&) noexcept = default;
channel& channel::operator=(channel&&) noexcept = default;
channel::~channel() = default;

bool channel::is_connected() const noexcept {
  return state_ && !state_->disconnected && !state_->end_of_input;
}
std::size_t channel::max_message() const noexcept {
  return state_ ? state_->max_message : default_max_message;
}
void channel::set_max_message(std::size_t bytes) noexcept {
  if (state_) state_->max_message = bytes;
}

void channel::disconnect() noexcept {
  if (!state_ || state_->disconnected) return;
  state_->disconnected = true;
  state_->s.close();  // pending operations end with operation_canceled
}

task<> channel::send(boost::json::value message) {
  if (!state_ || state_->disconnected) throw_error(channel_error::closed, "channel send");
  detail::channel_state& st = *state_;
  using outcome = detail::line_writer::outcome;
  detail::line_writer::ticket ticket = st.writer.enqueue(st.serialize(message));
  const outcome o = co_await ticket;  // the line is in the writer's outbox now
  // Keep the serialising buffer for the next send, but not the memory of a rare huge message.
  if (st.line.size() > (std::size_t(1) << 20)) std::string().swap(st.line);
  switch (o) {
    case outcome::written:
      co_return;
    case outcome::failed:
      throw_error(ticket.error(), "channel send");
    case outcome::cancelled:
      throw_errno(ECANCELED, "channel send");
    default:  // lead: write our line and those queued behind it
      break;
  }
  if ((co_await this_task::stop_token()).stop_requested()) {
    // Cancelled while waiting for the lead: nothing of ours is written yet, so let the next
    // sender write instead of failing the lines queued behind ours.
    ticket.abandon_lead();
    throw_errno(ECANCELED, "channel send");
  }
  detail::line_writer::batch batch(st.writer);
  std::error_code failure;
  try {
    co_await st.s.write_all(batch.bytes());
  } catch (const std::system_error& e) {
    failure = e.code();
  }
  batch.settle(failure);
  // "channel send: Broken pipe", not the socket layer's nameless "write: Broken pipe".
  if (failure) throw_error(failure, "channel send");
}

task<std::optional<boost::json::value>> channel::receive() {
  if (!state_) co_return std::nullopt;
  detail::channel_state& st = *state_;
  for (;;) {
    if (st.disconnected) co_return std::nullopt;
    if (st.buf) {
      if (std::optional<std::string_view> line = st.take_line()) {
        if (st.discarding) {  // the end of an oversized line already reported
          st.discarding = false;
          continue;
        }
        if (line->size() > st.max_message)
          throw_error(channel_error::message_too_long,
                      "channel receive: a line of " + std::to_string(line->size()) +
                          " bytes is over the limit of " + std::to_string(st.max_message));
        boost::json::error_code ec;
        st.parser->reset();
        st.parser->write(line->data(), line->size(), ec);
        if (ec)
          throw_error(channel_error::bad_message,
                      "channel receive: bad message (" + ec.message() + "): " + excerpt(*line));
        boost::json::value v = st.parser->release();
        // Node's own messages ({"cmd": "NODE_HANDLE", ...}) are not the program's.
        if (const auto* obj = v.if_object()) {
          const auto* cmd = obj->if_contains("cmd");
          if (cmd && cmd->is_string() && cmd->get_string().starts_with("NODE_")) continue;
        }
        co_return std::optional<boost::json::value>(std::move(v));
      }
      if (st.end - st.begin > st.max_message) {
        const std::size_t so_far = st.end - st.begin;
        st.begin = st.scanned = st.end = 0;  // drop it, and what follows up to its '\n'
        if (!st.discarding) {
          st.discarding = true;
          throw_error(channel_error::message_too_long,
                      "channel receive: a line of more than " + std::to_string(so_far) +
                          " bytes is over the limit of " + std::to_string(st.max_message));
        }
      } else if (st.discarding) {
        st.begin = st.scanned = st.end = 0;
      }
    }
    // A trailing piece without '\n' when the peer closed is not a message (Node drops it too).
    if (st.end_of_input) co_return std::nullopt;
    st.make_room();
    std::size_t n = 0;
    std::error_code failure;
    try {
      // receive(), not read_some into our buffer: on io_uring one multishot receive then serves
      // every message (no request, and no poll to arm, per read), and a quiet channel holds no
      // read buffer. A lent buffer (16 KiB) always fits the room make_room() left.
      received r = co_await st.s.receive();
      n = r.size();
      if (n) std::memcpy(st.buf.get() + st.end, r.data(), n);
    } catch (const std::system_error& e) {
      failure = e.code();
    }
    if (failure) {
      if (st.disconnected) co_return std::nullopt;
      // A peer that exits with our message unread in its socket resets the connection: for a
      // channel that is just its end, as Node sees it.
      if (failure != std::errc::connection_reset) throw_error(failure, "channel receive");
      n = 0;
    }
    if (n == 0) st.end_of_input = true;
    st.end += n;
  }
}

}  // namespace coronet::process
