// The seed's HTTP client over TLS (Node: https.request GET /hello with {ca}, print the status
// code, then the body as it arrives), in coronet. The server's certificate is verified against
// the system's trust store and --ca, and must name the URL's host; --insecure skips that.
#include <cstdio>
#include <string>
#include <string_view>

#include <coronet/http.hpp>

#include "support/cli.hpp"
#include "support/tls_flags.hpp"

int main(int argc, char** argv) {
  sample::cli cli("https-client",
                  "GET a URL and print its status code and body (Node's https client).");
  cli.option("url", "URL", "what to fetch", "https://127.0.0.1:8443/hello");
  sample::client_tls_flags::declare(cli);
  cli.parse(argc, argv);
  sample::client_tls_flags::check(cli);

  return sample::run_until_signal([&]() -> coronet::task<int> {
    coronet::http::client_options o;
    o.tls = sample::client_tls_flags::load(cli);
    coronet::http::client client(o);
    // "GET https://...: handshake 127.0.0.1:8443: certificate verify failed: ...": exit 1.
    coronet::http::incoming res = co_await client.open("GET", cli.str("url"));
    sample::say("statusCode: " + std::to_string(res.status()));
    for (;;) {
      // Like res.on('data', d => process.stdout.write(d)): each piece as it comes, unchanged.
      const std::string_view piece = co_await res.read_some();
      if (piece.empty()) break;
      std::fwrite(piece.data(), 1, piece.size(), stdout);
      std::fflush(stdout);
    }
    co_return 0;
  });
}
