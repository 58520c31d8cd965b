// parent_channel: the child's side of the channel, when its parent started it with
// process::fork or Node's child_process.fork (or an 'ipc' stdio entry).
//
//   std::optional<coronet::process::channel> parent = coronet::process::parent_channel();
//   if (!parent) { std::cerr << "not started with a channel\n"; co_return 2; }
//   co_await parent->send("hello");
//
// It reads NODE_CHANNEL_FD, takes that descriptor (and marks it close-on-exec), and removes
// NODE_CHANNEL_FD and NODE_CHANNEL_SERIALIZATION_MODE from the environment so that programs this
// one starts do not inherit them by accident. A second call finds no variable and returns
// nullopt. Throws std::system_error when the variable names no usable descriptor or the parent
// asked for Node's 'advanced' serialization, which coronet does not speak. Call it inside
// coronet::run.
//
// Windows: the descriptor is one of the C runtime's, holding a pipe handle opened for overlapped
// I/O (as coronet's fork() passes it); the handle is taken out as a non-inheritable copy and the
// descriptor closed. A Node parent's channel does not work there (libuv's own framing, not JSON
// lines).
#pragma once

#include <optional>

#include "coronet/process/channel.hpp"

namespace coronet::process {

std::optional<channel> parent_channel();

}  // namespace coronet::process
