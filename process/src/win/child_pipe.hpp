// The pipe between a Windows child and its parent, for a stdio entry or fork()'s channel.
//
// Anonymous pipes (CreatePipe) cannot do overlapped I/O, which the IOCP backend needs, so each is
// a named pipe with a unique name and one instance, as libuv makes them: the parent's end is the
// server (FILE_FLAG_OVERLAPPED, so it joins the backend through stream::from_pipe), the child's
// end is a client opened with CreateFileW and inheritable.
#pragma once

#include <string>

#include "unique_handle.hpp"

namespace coronet::process::detail {

enum class pipe_direction {
  to_child,    // the child reads (its stdin)
  from_child,  // the child writes (its stdout or stderr)
  duplex,      // both (the channel)
};

struct child_pipe {
  unique_handle parent;  // overlapped, not inheritable
  unique_handle child;   // inheritable
};

// `child_overlapped`: whether the child's end is opened for overlapped I/O too. A child's stdio
// must not be (its C runtime does plain ReadFile/WriteFile with no OVERLAPPED, which fails on such
// a handle); the channel must be, because the child puts it under its own IOCP backend. Throws
// std::system_error naming `program`.
child_pipe make_child_pipe(pipe_direction d, bool child_overlapped, const std::string& program);

}  // namespace coronet::process::detail
