// Finding the file a Windows child runs: the program as given when it is a path, else a search
// of PATH, with the ".exe" that Windows programs are named with and callers leave out.
#pragma once

#include <string>

#include "environment.hpp"

namespace coronet::process::detail {

// The full path for CreateProcessW's lpApplicationName. `program` with a '/', '\\' or drive
// letter is a path (a relative one from `cwd` when that is set); else the first directory of the
// child's PATH (this process's when `env` has none) that holds `program` or `program.exe`. Unlike
// CreateProcess's own search, the working directory is not searched first, as on POSIX. Throws
// std::system_error ENOENT ("spawn nosuch: No such file or directory") when there is none.
std::wstring find_program(const std::string& program, const environment& env,
                          const std::string& cwd);

}  // namespace coronet::process::detail
