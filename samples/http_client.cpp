// The seed's HTTP client (client.js: http.request GET /hello, print the status code, then the
// body as it arrives), in coronet.
#include <cstdio>
#include <string>
#include <string_view>

#include <coronet/http.hpp>

#include "support/cli.hpp"

int main(int argc, char** argv) {
  sample::cli cli("http-client",
                  "GET a URL and print its status code and body (Node's http client).");
  cli.option("url", "URL", "what to fetch (for https://, see https-client)",
             "http://127.0.0.1:8888/hello");
  cli.parse(argc, argv);

  return sample::run_until_signal([&]() -> coronet::task<int> {
    coronet::http::client client;
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
