// The seed's HTTP server over TLS (Node: https.createServer({key, cert}, (req, res) =>
// res.end(req.url)).listen(8443)), in coronet: every request gets 200 and its own target as the
// body, with the lines of http-server. Without --cert and --key it makes a self-signed
// certificate at start and prints its fingerprint. SIGINT or SIGTERM closes it gracefully, as
// http-server: requests in flight are answered first.
#include <cstdint>
#include <stop_token>
#include <string>

#include <coronet/http.hpp>

#include "support/cli.hpp"
#include "support/tls_flags.hpp"

int main(int argc, char** argv) {
  sample::cli cli("https-server", "Answer every HTTPS request with its URL (Node's https server).");
  cli.option("host", "HOST", "address to listen on", "0.0.0.0")
      .option("port", "PORT", "port to listen on (0: any free port)", "8443");
  sample::server_tls_flags::declare(cli);
  cli.flag("quiet", "do not print a line per request");
  cli.parse(argc, argv);
  sample::server_tls_flags::check(cli);
  const auto port = static_cast<std::uint16_t>(cli.num("port", 0, 65535));
  const bool quiet = cli.has("quiet");

  return sample::run_until_signal([&]() -> coronet::task<int> {
    // "certificate chain cert.pem: No such file or directory" is printed, exit 1.
    const sample::server_certificate cert = sample::server_tls_flags::load(cli);
    coronet::http::server server(
        [quiet](coronet::http::request& req) -> coronet::task<coronet::http::response> {
          if (!quiet) sample::say("url " + req.target);
          co_return coronet::http::response(200, req.target);
        });
    auto listener = coronet::tcp::listener::bind({cli.str("host"), port});
    sample::say("listening on " + listener.local_address().to_string());
    sample::say(cert.line);
    // A graceful close on SIGINT/SIGTERM, as http-server's (see there).
    std::stop_token signalled = co_await coronet::this_task::stop_token();
    std::stop_callback close_on_signal(signalled, [&server]() noexcept { server.close(); });
    std::stop_source never;
    co_await coronet::with_stop_token(never.get_token(), server.serve(listener, cert.context));
    co_return 0;
  });
}
