# Third-party dependencies: Boost (Asio headers, URL, JSON), liburing (Linux), threads.
#
# Native builds use the CMake configs Debian's libboost*-dev packages (or vcpkg) install. A cross
# build for Windows with Debian's mingw-w64 has no Windows Boost package: it takes Debian's Boost
# headers, which are the same for every target, and compiles Boost.URL and Boost.JSON from the
# header-only sources those libraries ship for exactly this (boost/url/src.hpp,
# boost/json/src.hpp) into one static library.

find_package(Threads REQUIRED)

if(CMAKE_CROSSCOMPILING AND WIN32)
  find_path(CORONET_BOOST_INCLUDE_DIR boost/version.hpp
    PATHS /usr/include NO_DEFAULT_PATH NO_CMAKE_FIND_ROOT_PATH
    DOC "Directory holding Debian's Boost headers (libboost1.81-dev)")
  if(NOT CORONET_BOOST_INCLUDE_DIR)
    message(FATAL_ERROR "Boost headers not found: install libboost1.81-dev")
  endif()
  # Only boost/ from /usr/include: the rest of that directory is glibc's, which must not shadow
  # mingw's headers. A directory holding one link to it keeps the two apart.
  set(_coronet_boost_root ${CMAKE_BINARY_DIR}/coronet-boost-include)
  file(MAKE_DIRECTORY ${_coronet_boost_root})
  file(CREATE_LINK ${CORONET_BOOST_INCLUDE_DIR}/boost ${_coronet_boost_root}/boost SYMBOLIC)

  add_library(coronet_boost_headers INTERFACE)
  target_include_directories(coronet_boost_headers SYSTEM INTERFACE
    $<BUILD_INTERFACE:${_coronet_boost_root}>)
  add_library(Boost::headers ALIAS coronet_boost_headers)

  add_library(coronet_boost_libs STATIC ${CMAKE_CURRENT_LIST_DIR}/boost_sources.cpp)
  target_link_libraries(coronet_boost_libs PUBLIC coronet_boost_headers)
  add_library(Boost::url ALIAS coronet_boost_libs)
  add_library(Boost::json ALIAS coronet_boost_libs)
  set(CORONET_BOOST_BUILT_HERE ON)
else()
  set(CORONET_BOOST_BUILT_HERE OFF)
  find_package(Boost 1.81 CONFIG REQUIRED COMPONENTS headers url json)
endif()

# Windows: Asio's IOCP needs Windows 8.1 or later for what coronet uses (CancelIoEx, socket
# release); windows.h without its min/max macros and without the rarely used half.
if(WIN32)
  add_library(coronet_windows_defs INTERFACE)
  target_compile_definitions(coronet_windows_defs INTERFACE
    _WIN32_WINNT=0x0A00 WIN32_LEAN_AND_MEAN NOMINMAX)
  target_link_libraries(coronet_windows_defs INTERFACE ws2_32 mswsock)
endif()

if(CMAKE_SYSTEM_NAME STREQUAL "Linux")
  find_package(PkgConfig REQUIRED)
  pkg_check_modules(LIBURING REQUIRED IMPORTED_TARGET liburing)
endif()

# TLS (coronet::tls and HTTPS) on OpenSSL 3: Debian's libssl-dev, or vcpkg's openssl for MSVC. The
# mingw cross build has no Windows OpenSSL to link (Debian ships none, and nothing downloads at
# build time): there TLS is left out, and configure says so.
set(CORONET_TLS_DEFAULT ON)
if(CMAKE_CROSSCOMPILING AND WIN32)
  set(CORONET_TLS_DEFAULT OFF)
endif()
option(CORONET_TLS "Build coronet::tls and HTTPS (needs OpenSSL 3)" ${CORONET_TLS_DEFAULT})
if(CORONET_TLS)
  find_package(OpenSSL 3.0 REQUIRED)
else()
  message(STATUS "coronet: TLS left out (CORONET_TLS=OFF): no coronet::tls, no https:// in "
                 "the HTTP client and server. The mingw cross build has no Windows OpenSSL; "
                 "build with MSVC and vcpkg's openssl for TLS on Windows (docs/windows.md).")
endif()
