// The TLS samples' certificate flags, Node's {key, cert} and {ca, rejectUnauthorized} options:
//
//   sample::server_tls_flags::declare(cli);   // --cert FILE --key FILE --write-cert FILE
//   sample::client_tls_flags::declare(cli);   // --ca FILE --insecure
//   cli.parse(argc, argv);
//   sample::server_tls_flags::check(cli);                  // usage errors: exit 2
//   sample::server_certificate cert = sample::server_tls_flags::load(cli);
//   ...
//   sample::say(cert.line);   // "certificate: self-signed, SHA-256 AB:CD:..."
//
// A server without --cert and --key makes an ephemeral self-signed certificate in memory (for
// localhost, 127.0.0.1 and ::1) and says its SHA-256 fingerprint; --write-cert FILE also writes
// it as PEM, so that a client can trust it with --ca FILE. Files that cannot be read throw
// std::system_error naming the file ("certificate chain cert.pem: No such file or directory").
#pragma once

#include <string>

#include <coronet/tls/context.hpp>

#include "cli.hpp"

namespace sample {

struct server_certificate {
  coronet::tls::context context;
  // What the server prints once listening: "certificate: self-signed, SHA-256 AB:CD:..." or
  // "certificate: FILE, SHA-256 AB:CD:..." (the fingerprint of the chain's first certificate,
  // as `openssl x509 -noout -fingerprint -sha256` prints it).
  std::string line;
};

struct server_tls_flags {
  static void declare(cli& c);
  // After parse(): flags that do not go together (--cert without --key, ...) exit 2.
  static void check(const cli& c);
  // Files that cannot be read or parsed throw.
  static server_certificate load(const cli& c);
};

struct client_tls_flags {
  static void declare(cli& c);
  // After parse(): --ca with --insecure exits 2.
  static void check(const cli& c);
  // The system's trust store, plus --ca's certificates; or, with --insecure, no verification.
  static coronet::tls::context load(const cli& c);
};

}  // namespace sample
