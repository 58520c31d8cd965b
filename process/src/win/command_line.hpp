// The command line of a Windows child: Windows passes one string, and the child's C runtime
// splits it back into argv. Quoting here is the inverse of that split (the Microsoft C runtime's
// rules, which mingw's runtime shares), so that the child's argv is exactly `program, args...`.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace coronet::process::detail {

// `program` (as argv[0]) and `args`, each quoted as needed, separated by spaces (UTF-8).
std::string command_line(std::string_view program, const std::vector<std::string>& args);

}  // namespace coronet::process::detail
