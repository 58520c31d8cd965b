// pipe_to, pipe_both: copy a stream into another until end of stream, then half-close the
// destination: Node's readable.pipe(writable) and stream.pipeline for sockets. A TCP proxy:
//
//   co_await coronet::serve(server, [](coronet::stream& client) -> coronet::task<> {
//     coronet::stream upstream = co_await coronet::tcp::connect("127.0.0.1", 9000);
//     co_await coronet::pipe_both(client, upstream);
//   });
//
// Bytes move in the buffers receive() lends (received.hpp): no copy in user space, no buffer held
// while a side is idle. Errors propagate (the first one, for pipe_both, after cancelling the other
// direction). Not cancel safe: a cancelled pipe may have forwarded part of what it read.
#pragma once

#include <cstdint>
#include <utility>

#include "coronet/stream.hpp"
#include "coronet/task.hpp"

namespace coronet {

// Copies `from` into `to` until `from` ends, then shuts down `to`'s sending side (its peer reads
// end of stream). Returns the number of bytes copied.
task<std::uint64_t> pipe_to(stream& from, stream& to);

// pipe_to in both directions at once; returns when both have ended: {a to b, b to a} bytes. Each
// side's end of stream is passed on as a half-close, so a request-then-response protocol whose
// client half-closes still gets its response.
task<std::pair<std::uint64_t, std::uint64_t>> pipe_both(stream& a, stream& b);

}  // namespace coronet
