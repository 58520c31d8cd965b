// The seed's HTTP server (server.js: http.createServer((req, res) => res.end(req.url))), in
// coronet: every request gets 200 and its own target as the body. SIGINT or SIGTERM closes it
// gracefully, as Node's server.close() does: requests in flight are answered first.
#include <cstdint>
#include <string>

#include <coronet/http.hpp>

#include "support/cli.hpp"
#include "support/http_serve.hpp"

int main(int argc, char** argv) {
  sample::cli cli("http-server", "Answer every HTTP request with its URL (Node's http server).");
  cli.option("host", "HOST", "address to listen on", "0.0.0.0")
      .option("port", "PORT", "port to listen on (0: any free port)", "8888")
      .flag("quiet", "do not print a line per request");
  cli.parse(argc, argv);
  const auto port = static_cast<std::uint16_t>(cli.num("port", 0, 65535));
  const bool quiet = cli.has("quiet");

  return sample::run_until_signal([&]() -> coronet::task<int> {
    coronet::http::server server(
        [quiet](coronet::http::request& req) -> coronet::task<coronet::http::response> {
          if (!quiet) sample::say("url " + req.target);
          co_return coronet::http::response(200, req.target);
        });
    auto listener = coronet::tcp::listener::bind({cli.str("host"), port});
    sample::say("listening on " + listener.local_address().to_string());
    // SIGINT/SIGTERM close it gracefully: requests in flight get their responses ("Connection:
    // close"), idle connections close, and this returns once the last one has ended.
    co_await sample::serve_until_signal(server, listener);
    co_return 0;
  });
}
