// bench/https.sh's coronet peer: the https-server sample's answer (every request gets its URL as
// the body) plus GET /1m, a 1 MiB body, for the throughput case the sample has no way to serve.
// Same http::server, same tls::context defaults as the sample; runs until SIGINT/SIGTERM.
//
//   https-coronet --host 127.0.0.1 --port 8443 --cert cert.pem --key key.pem
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include <coronet/coronet.hpp>

namespace {

[[noreturn]] void usage() {
  std::fprintf(stderr,
               "usage: https-coronet --cert FILE --key FILE [--host 127.0.0.1] [--port 8443] "
               "[--quiet]\n");
  std::exit(2);
}

coronet::task<> close_on_signal(coronet::http::server& s) {
  std::vector<int> signals{SIGINT, SIGTERM};
  co_await coronet::wait_for_signal(std::move(signals));
  s.close();
}

}  // namespace

int main(int argc, char** argv) {
  std::string host = "127.0.0.1", cert, key;
  std::uint16_t port = 8443;
  for (int i = 1; i < argc; ++i) {
    const std::string_view a = argv[i];
    const bool has_value = i + 1 < argc;
    if (a == "--quiet") continue;  // this peer prints nothing per request anyway
    if (!has_value) usage();
    if (a == "--host")
      host = argv[++i];
    else if (a == "--port")
      port = static_cast<std::uint16_t>(std::atoi(argv[++i]));
    else if (a == "--cert")
      cert = argv[++i];
    else if (a == "--key")
      key = argv[++i];
    else
      usage();
  }
  if (cert.empty() || key.empty()) usage();
  coronet::tls::context ctx = coronet::tls::context::server();
  ctx.use_certificate_chain_file(cert).use_private_key_file(key);
  const std::string big(1 << 20, 'x');

  coronet::run([&]() -> coronet::task<> {
    coronet::http::server server(
        [&big](coronet::http::request& req) -> coronet::task<coronet::http::response> {
          if (req.target == "/1m") co_return coronet::http::response(200, big);
          co_return coronet::http::response(200, req.target);
        });
    auto listener = coronet::tcp::listener::bind({host, port});
    std::printf("listening on %s\n", listener.local_address().to_string().c_str());
    std::fflush(stdout);
    coronet::spawn(close_on_signal(server));
    co_await server.serve(listener, ctx);
  });
}
