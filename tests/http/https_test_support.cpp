#include "https_test_support.hpp"

#include "coronet/with_timeout.hpp"

namespace coronet::http_test {

tls::context https_context(const std::vector<std::string>& names) {
  tls::context ctx = tls::context::server();
  ctx.use(tls_test::issue(tls_test::test_ca(), names));
  return ctx;
}

tls::context trusting_client() {
  tls::context ctx = tls::context::client();
  ctx.add_certificate_authority(tls_test::test_ca().certificate_pem);
  return ctx;
}

void on_client_loop(std::function<task<>()> body) {
  run([&]() -> task<> { co_await with_timeout(io_timeout * 2, body()); });
}

task<tls::stream> connect_tls(std::uint16_t port, tls::context ctx, std::string server_name) {
  tls::connect_options o;
  o.server_name = std::move(server_name);
  tls::stream s = co_await tls::connect("127.0.0.1", port, std::move(ctx), std::move(o));
  co_return s;
}

task<tls::stream> connect_tls(std::uint16_t port) {
  tls::context ctx = trusting_client();
  tls::stream s = co_await connect_tls(port, std::move(ctx), "localhost");
  co_return s;
}

task<raw_response> read_response(tls::stream& s, std::string& pending, bool head) {
  char buf[16384];
  bool eof = false;
  for (;;) {
    std::optional<raw_response> r = parse_response(pending, head, eof);
    if (r) co_return std::move(*r);
    if (eof) throw bad_response("the server ended the TLS stream before a whole response");
    const std::size_t n = co_await s.read_some(std::span<char>(buf));
    if (n == 0) {
      eof = true;
    } else {
      pending.append(buf, n);
    }
  }
}

task<std::string> read_to_end(tls::stream& s) {
  std::string all;
  char buf[16384];
  for (;;) {
    const std::size_t n = co_await s.read_some(std::span<char>(buf));
    if (n == 0) break;
    all.append(buf, n);
  }
  co_return all;
}

}  // namespace coronet::http_test
