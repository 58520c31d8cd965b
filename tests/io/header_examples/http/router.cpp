#include "../common.hpp"

namespace examples {
coronet::task<coronet::http::response> hello(coronet::http::request& req);
coronet::task<coronet::http::response> add_item(coronet::http::request& req);
coronet::task<coronet::http::response> files(coronet::http::request& req);

void routes() {
  coronet::http::router r;
  r.get("/hello", hello).post("/items", add_item).prefix("GET", "/static/", files);
  r.get("/kv/:key", [](coronet::http::request& req) -> coronet::task<coronet::http::response> {
    co_return coronet::http::response(200, std::string(req.param("key")));
  });
  coronet::http::server srv(r);
}
}  // namespace examples
