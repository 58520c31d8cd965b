#include "tls_flags.hpp"

#include <cerrno>
#include <fstream>
#include <iterator>
#include <system_error>

#include <coronet/tls/certificate.hpp>

namespace sample {
namespace {

std::string read_text(const std::string& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) throw std::system_error(errno, std::generic_category(), "read " + file);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

void write_text(const std::string& file, const std::string& text) {
  std::ofstream out(file, std::ios::binary | std::ios::trunc);
  if (out) out << text;
  if (!out || !out.flush())
    throw std::system_error(errno, std::generic_category(), "write " + file);
}

}  // namespace

void server_tls_flags::declare(cli& c) {
  c.option("cert", "FILE", "certificate chain, PEM (default: a self-signed one made at start)", "")
      .option("key", "FILE", "private key of --cert, PEM", "")
      .option("write-cert", "FILE", "write the self-signed certificate there (for a client's --ca)",
              "");
}

void server_tls_flags::check(const cli& c) {
  if (c.has("cert") != c.has("key")) c.usage_error("--cert and --key go together");
  if (c.has("cert") && c.has("write-cert"))
    c.usage_error(
        "--write-cert is for the self-signed certificate: clients can take --cert's file");
}

server_certificate server_tls_flags::load(const cli& c) {
  const bool cert = c.has("cert");
  server_certificate s{coronet::tls::context::server(), {}};
  if (cert) {
    const std::string& file = c.str("cert");
    s.context.use_certificate_chain_file(file).use_private_key_file(c.str("key"));
    const auto leaf = coronet::tls::certificate::from_pem(read_text(file));
    s.line = "certificate: " + file + ", SHA-256 " + leaf.fingerprint_sha256();
    return s;
  }
  // What a client on this machine may call the server: the names a test or a curl would use.
  const coronet::tls::key_pair pair =
      coronet::tls::make_self_signed({"localhost", "127.0.0.1", "::1"});
  s.context.use(pair);
  if (c.has("write-cert")) write_text(c.str("write-cert"), pair.certificate_pem);
  s.line = "certificate: self-signed, SHA-256 " +
           coronet::tls::certificate::from_pem(pair.certificate_pem).fingerprint_sha256();
  return s;
}

void client_tls_flags::declare(cli& c) {
  c.option("ca", "FILE", "also trust the certificates of FILE (PEM), as Node's ca option", "")
      .flag("insecure", "do not verify the server's certificate (UNSAFE: for tests)");
}

void client_tls_flags::check(const cli& c) {
  if (c.has("ca") && c.has("insecure")) c.usage_error("--ca and --insecure exclude each other");
}

coronet::tls::context client_tls_flags::load(const cli& c) {
  coronet::tls::context ctx = coronet::tls::context::client();
  if (c.has("ca")) ctx.load_verify_file(c.str("ca"));
  if (c.has("insecure")) ctx.disable_verification_unsafe();
  return ctx;
}

}  // namespace sample
