// The seed's TCP echo server over TLS (Node: tls.createServer({key, cert}, echo).listen(8000),
// the port of Node's tls documentation), in coronet: the same lines as tcp-echo-server.
//
// Without --cert and --key it makes a self-signed certificate at start and prints its
// fingerprint ("certificate: self-signed, SHA-256 AB:CD:..."); clients then take --insecure, or
// --ca with the file --write-cert wrote. SIGINT or SIGTERM stops it gracefully: each client
// gets close_notify, then the program exits 0.
#include <cstdint>
#include <exception>

#include <coronet/tls/serve.hpp>

#include "support/cli.hpp"
#include "support/tls_echo.hpp"
#include "support/tls_flags.hpp"

int main(int argc, char** argv) {
  sample::cli cli("tls-echo-server",
                  "Echo every byte back to TLS clients (Node's tls echo server).");
  cli.option("host", "HOST", "address to listen on", "0.0.0.0")
      .option("port", "PORT", "port to listen on (0: any free port)", "8000");
  sample::server_tls_flags::declare(cli);
  cli.flag("quiet", "do not print a line per message");
  cli.parse(argc, argv);
  sample::server_tls_flags::check(cli);
  const auto port = static_cast<std::uint16_t>(cli.num("port", 0, 65535));
  const auto echo = sample::tls_echo({"socket connected", "socket disconnected", cli.has("quiet")});

  return sample::run_until_signal([&]() -> coronet::task<int> {
    // "certificate chain cert.pem: No such file or directory" is printed, exit 1.
    const sample::server_certificate cert = sample::server_tls_flags::load(cli);
    auto listener = coronet::tcp::listener::bind({cli.str("host"), port});
    sample::say("listening on " + listener.local_address().to_string());
    sample::say(cert.line);
    coronet::tls::serve_options o;
    // Node says nothing of a failed handshake (tlsClientError); a sample had better say why a
    // client got nowhere: "handshake 127.0.0.1:53012: ...".
    o.on_handshake_error = [](std::exception_ptr e, const coronet::socket_address&) {
      try {
        std::rethrow_exception(e);
      } catch (const std::exception& x) {
        sample::complain(x.what());
      }
    };
    // SIGINT/SIGTERM cancel this: serve() closes the listener and ends each connection (its
    // pending read cancelled, "socket disconnected", then close_notify); run_until_signal
    // then returns 0.
    co_await coronet::tls::serve(listener, cert.context, echo, o);
    co_return 0;
  });
}
