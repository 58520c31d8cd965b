// The channel's bytes on its stream, with what travels with them (attachments.hpp): the one
// place where the systems differ in how a line goes out and how bytes come in. POSIX
// (channel_transport.cpp): a descriptor rides on the first byte of the batch that holds its line,
// and the descriptors a socket read brings are kept for the NODE_HANDLE lines that claim them.
// Windows (win/channel_transport.cpp): plain reads and writes on the pipe.
#pragma once

#include <cstddef>
#include <span>
#include <string_view>

#include "coronet/stream.hpp"
#include "coronet/task.hpp"
#include "line_writer.hpp"

// The system's attachment types, the same names on both (see the two files).
#ifdef _WIN32
#include "win/attachments.hpp"
#else
#include "attachments.hpp"
#endif

namespace coronet::process::detail {

// Puts `line` (and `fd`, if any) in the writer's outbox; see line_writer::enqueue.
[[nodiscard]] line_writer::ticket enqueue_line(line_writer& w, std::string_view line,
                                               outgoing_descriptor fd);

// The leader's write of its batch, whole, with the batch's descriptor (if any) attached.
task<> write_batch(stream& s, const line_writer::batch& b);

// Reads some bytes into `room` (0: the end of the stream), adding the descriptors that come with
// them to `fds`.
task<std::size_t> read_some(stream& s, std::span<char> room, received_descriptors& fds);

}  // namespace coronet::process::detail
