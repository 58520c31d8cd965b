// The send side of a channel: every line goes out through write_line, in order, coalesced with
// the lines of concurrent senders (line_writer.hpp).
#pragma once

#include <string_view>

#include <boost/json/value.hpp>

#include "channel_state.hpp"
#include "coronet/task.hpp"

namespace coronet::process::detail {

// Writes one line through the writer, coalesced with the lines of concurrent senders; with a
// descriptor (POSIX) attached to the batch that holds it. The line is `text`, which must stay
// valid until this first suspends (the writer copies it before); or, when `text` is empty,
// `message`, serialised once the sends that must go first (a handle send in line) have gone:
// that is channel::send, in one coroutine per message.
task<> write_line(channel_state* state, std::string_view text, boost::json::value message = {},
                  outgoing_descriptor fd = {});

// A line of our own (an answer to a handle) that must go out even if whoever writes it is
// cancelled meanwhile: it is short, and a peer waiting for it is reading. Failures are not the
// writer's concern (as in Node, which swallows them): the channel's end shows elsewhere.
task<> write_answer(channel_state& st, std::string_view line);

}  // namespace coronet::process::detail
