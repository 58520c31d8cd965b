// handle: what a channel message may carry besides its JSON value, as in Node's
// child.send(message, sendHandle): a connected socket (Node's net.Socket) or a listening one
// (net.Server). It travels as a descriptor (SCM_RIGHTS) and arrives as a stream or listener of the
// receiving process, under the scheduler that received it.
//
//   co_await worker.channel().send(hello, coronet::process::handle(std::move(connection)));
//   ...
//   std::optional<coronet::process::message> m = co_await parent->receive_with_handle();
//   if (auto* s = std::get_if<coronet::stream>(&m->handle)) co_await serve(std::move(*s));
//
// POSIX only: Windows has no SCM_RIGHTS, and Node's way there (WSADuplicateSocket over its own
// pipe protocol) is not implemented.
#pragma once

#ifndef _WIN32

#include <string_view>
#include <variant>

#include "coronet/stream.hpp"
#include "coronet/tcp_listener.hpp"
#include "coronet/unix_listener.hpp"

namespace coronet::process {

// Empty (std::monostate), a connected socket, or a TCP or Unix listening socket.
using handle = std::variant<std::monostate, stream, tcp::listener, unix::listener>;

// What a receive_with_handle() gives: the message and the handle that came with it. Defined in
// coronet/process/message.hpp (with Boost.JSON's value; coronet/process/json.hpp includes it).
struct message;

// Node's type name for what `h` holds, as it appears on the wire: "net.Socket", "net.Server"; ""
// for an empty handle.
std::string_view handle_type(const handle& h) noexcept;

}  // namespace coronet::process

#endif  // !_WIN32
