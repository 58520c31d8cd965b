// Windows only: UTF-8 (coronet's strings) to UTF-16 (the W functions of the Windows API) and back.
#pragma once

#ifdef _WIN32

#include <string>
#include <string_view>

namespace coronet::detail {

// Throws std::system_error (EINVAL, "<what>: not UTF-8") for a string that is not UTF-8: a name
// or argument that cannot be converted must not be replaced by something else.
std::wstring widen(std::string_view s, std::string_view what);
// Unpaired surrogates (which Windows allows in names and variables) become U+FFFD.
std::string narrow(std::wstring_view s);

}  // namespace coronet::detail

#endif
