# Cross-build coronet for 64-bit Windows with Debian's mingw-w64 (g++-mingw-w64-x86-64-posix: the
# posix thread model, which std::thread and std::mutex need), and run its tests under wine.
#
#   cmake --preset mingw                     # build-mingw/, see CMakePresets.json
#   cmake --build --preset mingw && ctest --preset mingw
#
# Dependencies come from Debian's Linux packages, which hold sources and headers that do not
# depend on the host: Boost's headers (Asio; URL and JSON compiled from their header-only sources),
# GoogleTest's sources (/usr/src/googletest) and llhttp's (node-llhttp). See cmake/CoronetDeps.cmake.
# zlib is the one Windows library taken prebuilt: libz-mingw-w64-dev (/usr/x86_64-w64-mingw32).
# Executables link the C and C++ runtimes statically, so each .exe runs alone (under wine, or
# copied to a Windows machine) without mingw's DLLs beside it.

set(CMAKE_SYSTEM_NAME Windows)
set(CMAKE_SYSTEM_PROCESSOR x86_64)

set(_coronet_mingw x86_64-w64-mingw32)
find_program(CMAKE_C_COMPILER NAMES ${_coronet_mingw}-gcc-posix REQUIRED)
find_program(CMAKE_CXX_COMPILER NAMES ${_coronet_mingw}-g++-posix REQUIRED)
find_program(CMAKE_RC_COMPILER NAMES ${_coronet_mingw}-windres)

set(CMAKE_FIND_ROOT_PATH /usr/${_coronet_mingw})
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)

set(CMAKE_EXE_LINKER_FLAGS_INIT "-static")
# zlib (coronet::websocket's permessage-deflate) from Debian's libz-mingw-w64-dev: its libz.a, not
# the import library of zlib1.dll, for the same reason.
set(ZLIB_USE_STATIC_LIBS ON)

# CTest and gtest_discover_tests run the .exe files through this. Debian's wine64 package puts the
# loader in /usr/lib/wine; `wine` (package wine) is the usual front end for it.
find_program(CORONET_WINE NAMES wine64 wine PATHS /usr/lib/wine)
if(CORONET_WINE)
  set(CMAKE_CROSSCOMPILING_EMULATOR ${CORONET_WINE})
endif()
