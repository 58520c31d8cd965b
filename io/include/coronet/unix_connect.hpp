// unix::connect: connect to a Unix domain socket by path or abstract "@name".
//
//   coronet::stream s = co_await coronet::unix::connect("/tmp/unix.sock");
//
// Errors read "connect /tmp/unix.sock: No such file or directory". Cancel safe.
#pragma once

#ifdef _WIN32
#error \
    "coronet::unix (Unix domain sockets) is POSIX only; on Windows use coronet::local or coronet::pipe (named pipes)"
#endif

#include <string_view>

#include "coronet/stream.hpp"
#include "coronet/task.hpp"

#ifdef unix
#undef unix
#endif

namespace coronet::unix {

task<stream> connect(std::string_view path);

}  // namespace coronet::unix
