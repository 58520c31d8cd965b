// POSIX: a channel over a socket passes descriptors (SCM_RIGHTS); over a pipe it cannot.
#include "channel_transport.hpp"

#include <span>
#include <utility>

namespace coronet::process::detail {

namespace {
// A peer sending descriptors without lines cannot make this process hold more than this many.
constexpr std::size_t max_pending_fds = 16;
}  // namespace

line_writer::ticket enqueue_line(line_writer& w, std::string_view line, outgoing_descriptor fd) {
  return w.enqueue(line, std::move(fd));
}

task<> write_batch(stream& s, const line_writer::batch& b) {
  if (b.fd() >= 0)
    co_await coronet::detail::write_all_with_fd_awaiter(
        s, std::as_bytes(std::span(b.bytes().data(), b.bytes().size())), b.fd());
  else
    co_await s.write_all(b.bytes());
}

task<std::size_t> read_some(stream& s, std::span<char> room, received_descriptors& fds) {
  if (s.is_pipe()) {
    const std::size_t got = co_await s.read_some(room);
    co_return got;
  }
  const std::size_t got =
      co_await coronet::detail::read_some_with_fds_awaiter(s, std::as_writable_bytes(room), fds);
  while (fds.fds.size() > max_pending_fds) fds.fds.pop_front();  // closes it
  co_return got;
}

}  // namespace coronet::process::detail
