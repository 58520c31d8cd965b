// running_under_wine(): whether this Windows test binary runs under wine, whose emulation of a
// few Windows behaviours differs. A test that meets such a difference skips under wine only,
// saying why, and still runs on real Windows:
//
//   if (coronet::test::running_under_wine())
//     GTEST_SKIP() << "wine: CreateNamedPipeW ignores FILE_FLAG_FIRST_PIPE_INSTANCE";
#pragma once

#ifdef _WIN32
#include <windows.h>
#endif

namespace coronet::test {

inline bool running_under_wine() {
#ifdef _WIN32
  HMODULE ntdll = ::GetModuleHandleA("ntdll.dll");
  return ntdll && ::GetProcAddress(ntdll, "wine_get_version") != nullptr;
#else
  return false;
#endif
}

}  // namespace coronet::test
