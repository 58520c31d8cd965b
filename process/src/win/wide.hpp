// UTF-8 (coronet's strings) to UTF-16 (the W functions of the Windows API) and back.
#pragma once

#include <string>
#include <string_view>

namespace coronet::process::detail {

// Throws std::system_error (EINVAL, "<what>: not UTF-8") for a string that is not UTF-8: a
// program name or argument that cannot be converted must not start the child with something
// else.
std::wstring widen(std::string_view s, std::string_view what);
// Unpaired surrogates (which Windows allows in names and variables) become U+FFFD.
std::string narrow(std::wstring_view s);

}  // namespace coronet::process::detail
