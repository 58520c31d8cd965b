// The echo server's connection callback and the echo client over TLS (Node's tls.createServer
// and tls.connect with the seed's handlers): the same lines as the TCP echo samples.
//
//   co_await coronet::tls::serve(listener, ctx, sample::tls_echo({"socket connected", ...}));
//   coronet::tls::stream s = co_await coronet::tls::connect(host, port, ctx);
//   co_return co_await sample::run_echo_client(std::move(s), options);
#pragma once

#include <coronet/tls/serve.hpp>
#include <coronet/tls/stream.hpp>

#include "echo_client.hpp"
#include "echo_server.hpp"

namespace sample {

// sample::echo() after the handshake; tls::serve() then sends close_notify.
coronet::tls::tls_handler tls_echo(echo_server_options options);

// run_echo_client() over TLS. With a count, once the echoes are in, the client sends
// close_notify (Node's socket.end()), so that the server sees a clean end, not a cut.
coronet::task<int> run_echo_client(coronet::tls::stream socket, echo_client_options options);

}  // namespace sample
