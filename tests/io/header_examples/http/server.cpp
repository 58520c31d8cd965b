#include "../common.hpp"

namespace examples {
coronet::task<> http_server() {
  coronet::http::server srv([](coronet::http::request& req) ->
  coronet::task<coronet::http::response> {
    co_return coronet::http::response(200, req.target);
  });
  auto l = coronet::tcp::listener::bind(coronet::tcp::endpoint::parse("0.0.0.0:8888"));
  co_await srv.serve(l);   // until srv.close() (graceful) or cancellation (immediate)
}
}  // namespace examples
