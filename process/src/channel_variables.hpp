// The child's half of Node's channel convention, shared by both systems' parent_channel():
// NODE_CHANNEL_FD names the descriptor, NODE_CHANNEL_SERIALIZATION_MODE must be 'json'.
#pragma once

#include <optional>
#include <string>

namespace coronet::process::detail {

struct channel_variables {
  int fd;
  std::string what;  // "parent channel NODE_CHANNEL_FD=3", for error messages
};

// nullopt when NODE_CHANNEL_FD is not set. Otherwise both variables are taken out of the
// environment before anything can fail (so that a program started from here never inherits a
// channel variable naming a descriptor it does not have), then NODE_CHANNEL_FD is parsed
// (EINVAL) and the mode checked (protocol_not_supported).
std::optional<channel_variables> take_channel_variables();

}  // namespace coronet::process::detail
