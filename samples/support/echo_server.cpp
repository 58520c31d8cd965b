#include "echo_server.hpp"

#include "echo_loops.hpp"

namespace sample {

coronet::connection_handler echo(echo_server_options options) {
  return [options](coronet::stream& socket) { return detail::echo_chunks(socket, options); };
}

}  // namespace sample
