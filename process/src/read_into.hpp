// read_into: the loop under read_to_end and exec_file. Appends what `s` gives to `into` until
// the end of the stream (true), or until `into` would pass `max_bytes` (false: the bytes over
// the limit are not kept).
#pragma once

#include <cstddef>
#include <string>

#include "coronet/stream.hpp"
#include "coronet/task.hpp"

namespace coronet::process::detail {

task<bool> read_into(stream& s, std::string& into, std::size_t max_bytes);

}  // namespace coronet::process::detail
