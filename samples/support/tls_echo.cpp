#include "tls_echo.hpp"

#include "echo_loops.hpp"

namespace sample {

coronet::tls::tls_handler tls_echo(echo_server_options options) {
  return [options](coronet::tls::stream& socket) { return detail::echo_chunks(socket, options); };
}

coronet::task<int> run_echo_client(coronet::tls::stream socket, echo_client_options options) {
  const bool server_ended = co_await detail::echo_client_loop(socket, options);
  if (!server_ended) co_await socket.shutdown();
  co_return 0;
}

}  // namespace sample
