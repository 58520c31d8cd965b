// this_program, sibling_program: where this program's file is, and the programs installed next
// to it; what Node gives as process.execPath and path.resolve(__dirname, 'child.js').
//
//   auto child = coronet::process::fork(coronet::process::sibling_program("ipc-child"));
//
// Paths are UTF-8, as spawn() and fork() take them on every system.
#pragma once

#include <string>
#include <string_view>

namespace coronet::process {

// This program's file, as the system knows it (Linux: /proc/self/exe; Windows:
// GetModuleFileNameW). Throws std::system_error ("this_program: ...") when it cannot be told.
std::string this_program();

// `name` in the folder of this_program(); spawn() and fork() add ".exe" on Windows.
std::string sibling_program(std::string_view name);

}  // namespace coronet::process
