#include "coronet/detail/wide.hpp"

#include <windows.h>

#include <cerrno>

#include "coronet/error.hpp"

namespace coronet::detail {

std::wstring widen(std::string_view s, std::string_view what) {
  if (s.empty()) return {};
  const int n =
      ::MultiByteToWideChar(CP_UTF8, MB_ERR_INVALID_CHARS, s.data(), int(s.size()), nullptr, 0);
  if (n <= 0) throw_errno(EINVAL, std::string(what) + ": not UTF-8");
  std::wstring w(std::size_t(n), L'\0');
  ::MultiByteToWideChar(CP_UTF8, 0, s.data(), int(s.size()), w.data(), n);
  return w;
}

std::string narrow(std::wstring_view s) {
  if (s.empty()) return {};
  const int n =
      ::WideCharToMultiByte(CP_UTF8, 0, s.data(), int(s.size()), nullptr, 0, nullptr, nullptr);
  if (n <= 0) return {};
  std::string r(std::size_t(n), '\0');
  ::WideCharToMultiByte(CP_UTF8, 0, s.data(), int(s.size()), r.data(), n, nullptr, nullptr);
  return r;
}

}  // namespace coronet::detail
