// read_to_end: everything a stream gives until its end, as one string; what a Node program
// gets by concatenating a child's stdout 'data' events until 'end'.
//
//   coronet::process::options o;  // {.out = pipe} draws GCC 12 -Wextra warnings
//   o.out = coronet::process::stdio::pipe;
//   auto ls = coronet::process::spawn("ls", {"-l"}, o);
//   std::string listing = co_await coronet::process::read_to_end(ls.out());
//   coronet::process::exit_status s = co_await ls.wait();
//
// A child that writes more than `max_bytes` fails the read with std::system_error (ENOBUFS:
// "read stdout of ls: more than 1048576 bytes"); the text is dropped and the stream left open
// where the read stopped (close it, or kill the child, to stop a writer that is blocked on a
// full pipe). Read errors come as the stream's own ("read stdout of ls: ...").
//
// Reading a child's stdout to its end while its stderr is also a pipe: read both at once
// (when_all), or use exec_file, which does; a child blocked writing to a full stderr pipe
// never closes its stdout.
//
// Cancel safety: not safe: the bytes read before the cancellation are lost with the string.
#pragma once

#include <cstddef>
#include <string>

#include "coronet/stream.hpp"
#include "coronet/task.hpp"

namespace coronet::process {

// Node's execFile maxBuffer default (1 MiB).
inline constexpr std::size_t default_max_buffer = std::size_t(1) << 20;

task<std::string> read_to_end(stream& s, std::size_t max_bytes = default_max_buffer);

}  // namespace coronet::process
