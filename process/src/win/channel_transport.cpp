// Windows: a channel's pipe carries bytes only (see win/attachments.hpp).
#include "../channel_transport.hpp"

namespace coronet::process::detail {

line_writer::ticket enqueue_line(line_writer& w, std::string_view line, outgoing_descriptor) {
  return w.enqueue(line);
}

task<> write_batch(stream& s, const line_writer::batch& b) {
  co_await s.write_all(b.bytes());
}

task<std::size_t> read_some(stream& s, std::span<char> room, received_descriptors&) {
  const std::size_t got = co_await s.read_some(room);
  co_return got;
}

}  // namespace coronet::process::detail
