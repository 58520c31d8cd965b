#include "ws_test_support.hpp"

namespace coronet::ws_test {
namespace {

task<> client_then_close(http::server& srv, std::function<task<>(std::uint16_t)> client,
                         std::uint16_t port) {
  std::exception_ptr failure;
  try {
    task<> t = client(port);
    co_await std::move(t);
  } catch (...) {
    failure = std::current_exception();
  }
  srv.close();
  if (failure) std::rethrow_exception(failure);
}

}  // namespace

task<> with_server(http::server::handler handler, std::function<task<>(std::uint16_t)> client) {
  http::server_options o;
  co_await with_server(std::move(handler), std::move(o), std::move(client));
}

task<> with_server(http::server::handler handler, http::server_options o,
                   std::function<task<>(std::uint16_t)> client) {
  auto l = tcp::listener::bind({"127.0.0.1", 0});
  const std::uint16_t port = l.port();
  http::server srv(std::move(handler), std::move(o));
  task<> serving = srv.serve(l);
  task<> using_it = client_then_close(srv, std::move(client), port);
  co_await when_all(std::move(serving), std::move(using_it));
}

task<> echo(websocket::connection& ws) {
  for (;;) {
    std::optional<websocket::message> m = co_await ws.receive();
    if (!m) co_return;
    co_await ws.send(*m);
  }
}

std::string url(std::uint16_t port, std::string_view path) {
  return "ws://127.0.0.1:" + std::to_string(port) + std::string(path);
}

}  // namespace coronet::ws_test
