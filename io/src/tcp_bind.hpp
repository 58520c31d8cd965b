// Inside io/: making a bound, listening TCP socket that no scheduler has adopted yet, shared by
// tcp::listener::bind and tcp::listen_per_core (which binds every core's socket on the calling
// thread, then has each core adopt its own).
#pragma once

#include "coronet/detail/native.hpp"
#include "coronet/socket_address.hpp"
#include "coronet/tcp_endpoint.hpp"
#include "coronet/tcp_listener.hpp"

namespace coronet::tcp::detail {

// The address listen(ep) means: every address for an empty host (IPv6 and IPv4 where there is
// IPv6), a numeric address as is, or a name resolved (synchronously) for a passive socket.
socket_address passive_address(const endpoint& ep);

// socket, options, bind, listen. Returns the descriptor and sets `local` to the bound address
// (with the port the system picked for port 0). Throws std::system_error ("bind 0.0.0.0:8888:
// Address already in use"), having closed what it opened.
native_handle_type bind_socket(const socket_address& addr, const listen_options& opt,
                               socket_address& local);

}  // namespace coronet::tcp::detail
