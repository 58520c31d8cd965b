#include "state.hpp"

#include "coronet/error.hpp"

namespace coronet::websocket::detail {

state::state(http::upgraded socket, bool is_server, const options& o)
    : sock(std::move(socket)),
      server(is_server),
      opts(o),
      peer(sock.remote_address().to_string()) {}

state::~state() {
  // The HTTP server's close must not reach a state being destroyed.
  on_closing_.reset();
}

void state::set_handshake(http::request req, http::response res, std::string chosen,
                          std::optional<deflate_params> params) {
  request = std::move(req);
  response = std::move(res);
  protocol = std::move(chosen);
  deflate = params;
}

void state::throw_closed(std::string_view what) const {
  throw_error(make_error_code(errc::closed), std::string(what) + " " + peer);
}

}  // namespace coronet::websocket::detail
