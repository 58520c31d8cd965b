// local: the system's local stream endpoint, what Node's listen(path) uses: a Unix domain socket
// on POSIX (and, with the Windows port, a named pipe). Code written against local:: runs on
// both.
//
//   auto server = coronet::local::listener::bind(coronet::local::default_path());
//   coronet::stream s = co_await coronet::local::connect("/tmp/unix.sock");
#pragma once

#include <string_view>

#include "coronet/unix_connect.hpp"
#include "coronet/unix_listener.hpp"

namespace coronet::local {

using listener = coronet::unix::listener;
using coronet::unix::connect;

// The seed programs' endpoint: /tmp/unix.sock.
constexpr std::string_view default_path() noexcept {
  return "/tmp/unix.sock";
}

}  // namespace coronet::local
