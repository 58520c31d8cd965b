// The type of a descriptor as the system names it: an int on POSIX, a SOCKET or HANDLE on
// Windows. Both are pointer-sized there, and both use all-ones as "invalid" (INVALID_SOCKET,
// INVALID_HANDLE_VALUE), which is -1 as a signed integer; kernel handles keep 32 significant bits
// (so that 32- and 64-bit processes can share them), so `>= 0` tells an open one on both systems.
// No system header: users of stream and listener see none.
#pragma once

#include <cstdint>

namespace coronet {

#ifdef _WIN32
using native_handle_type = std::intptr_t;
#else
using native_handle_type = int;
#endif
inline constexpr native_handle_type invalid_native_handle = -1;

}  // namespace coronet
