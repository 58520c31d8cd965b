// Giving a Windows child C runtime file descriptors beyond 0, 1 and 2: the block that
// STARTUPINFOW.cbReserved2/lpReserved2 carry, which the Microsoft C runtimes (msvcrt, the UCRT,
// and so mingw's programs) read at startup to open their descriptors with inherited handles.
// Node and libuv give a forked child its channel as descriptor 3 this way.
//
// The layout: an int `count`, then `count` bytes of flags, then `count` HANDLEs, packed with no
// padding.
#pragma once

#include <windows.h>

#include <vector>

namespace coronet::process::detail {

// The block for descriptors 0 .. handles.size() - 1; a null handle leaves its descriptor
// closed. The flags say what each handle is (a pipe, a character device, a file), found with
// GetFileType, as the runtime itself would for its standard handles.
std::vector<unsigned char> crt_fd_block(const std::vector<HANDLE>& handles);

}  // namespace coronet::process::detail
