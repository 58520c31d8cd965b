// local: the system's local stream endpoint, what Node's listen(path) uses: a Unix domain socket
// on POSIX and a named pipe on Windows. Code written against local:: runs on both; only the
// names differ ("/tmp/unix.sock", "\\.\pipe\mypip"), and default_path() gives the usual one.
//
//   auto server = coronet::local::listener::bind(coronet::local::default_path());
//   coronet::stream s = co_await coronet::local::connect(coronet::local::default_path());
#pragma once

#include <string_view>

#ifdef _WIN32
#include "coronet/pipe.hpp"
#else
#include "coronet/unix_connect.hpp"
#include "coronet/unix_listener.hpp"
#endif

namespace coronet::local {

#ifdef _WIN32

using listener = coronet::pipe::listener;
using listen_options = coronet::pipe::listen_options;
inline task<stream> connect(std::string_view path) {
  return coronet::pipe::connect(path);
}

// The seed programs' endpoint on Windows.
constexpr std::string_view default_path() noexcept {
  return R"(\\.\pipe\mypip)";
}

#else

using listener = coronet::unix::listener;
using listen_options = coronet::unix::listen_options;
using coronet::unix::connect;

// The seed programs' endpoint: /tmp/unix.sock.
constexpr std::string_view default_path() noexcept {
  return "/tmp/unix.sock";
}

#endif

}  // namespace coronet::local
