#include "../common.hpp"

namespace examples {
coronet::task<coronet::http::response> hello(coronet::http::request& req);
coronet::task<coronet::http::response> add_item(coronet::http::request& req);
coronet::task<coronet::http::response> files(coronet::http::request& req);

void routes() {
  coronet::http::router r;
  r.get("/hello", hello).post("/items", add_item).prefix("GET", "/static/", files);
  coronet::http::server srv(r);
}
}  // namespace examples
