// context: the settings TLS connections share: certificates and keys, whom to trust, the
// protocol versions, ALPN, client certificates, session resumption (OpenSSL's SSL_CTX).
//
//   coronet::tls::context client = coronet::tls::context::client();  // the system's CAs
//   client.set_alpn({"http/1.1"});
//
//   coronet::tls::context server = coronet::tls::context::server();
//   server.use_certificate_chain_file("cert.pem");
//   server.use_private_key_file("key.pem");
//
// Defaults: TLS 1.2 minimum, 1.3 preferred, OpenSSL's default secure ciphers, session tickets on,
// renegotiation refused, compression off. A context is a shared handle: copies are the same
// context, and connections keep it alive. Configure it before the first connection uses it; it is
// then read-only, and may be shared by the schedulers of several threads.
//
// Errors: std::system_error with errc::bad_certificate_file naming the file
// ("certificate chain /etc/x.pem: No such file or directory").
#pragma once

#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "coronet/tls/certificate.hpp"

namespace coronet::tls {

enum class version { tls1_2, tls1_3 };

// Whether a server asks its clients for a certificate.
enum class client_auth {
  none,     // no certificate request (the default)
  request,  // asked for; a client may send none, but one it sends must verify
  require,  // the handshake fails without a certificate that verifies
};

namespace detail {
struct context_impl;
struct context_access;
}  // namespace detail

class context {
 public:
  enum class role { client, server };

  // Verifies servers against the system's trust store (OpenSSL's default paths).
  static context client();
  // Needs a certificate chain and key before it serves.
  static context server();

  context(const context&) = default;
  context& operator=(const context&) = default;
  context(context&&) noexcept = default;
  context& operator=(context&&) noexcept = default;
  ~context();

  role side() const noexcept;

  // Our certificate chain (leaf first) and private key, from PEM files or PEM text. A key that
  // does not match the certificate throws.
  context& use_certificate_chain_file(const std::filesystem::path& file);
  context& use_certificate_chain(std::string_view pem);
  context& use_private_key_file(const std::filesystem::path& file);
  context& use_private_key(std::string_view pem);
  context& use(const key_pair& pair);

  // Whom to trust for verifying the peer: a CA file (PEM, may hold several), a directory
  // prepared by c_rehash, PEM text, or the system's store (what client() starts from).
  context& load_verify_file(const std::filesystem::path& file);
  context& load_verify_dir(const std::filesystem::path& dir);
  context& add_certificate_authority(std::string_view pem);
  context& use_system_trust_store();

  // Clients: no verification of the server's certificate or name at all. UNSAFE: anyone on the
  // path can read and change the traffic. For tests and for --insecure.
  context& disable_verification_unsafe();
  bool verifies_peer() const noexcept;

  // Servers: ask clients for a certificate (verified against the trust set above).
  context& set_client_auth(client_auth mode);

  context& set_min_version(version v);
  context& set_max_version(version v);

  // ALPN: a client offers these protocols in order; a server picks the first of its own list the
  // client offered (none in common: the handshake goes on without ALPN, as Node does).
  context& set_alpn(std::vector<std::string> protocols);

  // Session resumption with tickets (on by default). Servers: off makes every handshake full.
  // Clients keep the latest session each peer (server name and address) gave them, also from a
  // connection dropped without shutdown().
  context& set_session_tickets(bool on);

  // Servers: pick another context (its certificate) for the name a client sent in SNI. Return
  // nullopt to go on with this context. Called during the handshake, on the scheduler's thread.
  context& set_server_name_callback(
      std::function<std::optional<context>(std::string_view server_name)> pick);

  // OpenSSL's SSL_CTX*, for what coronet does not wrap.
  void* native_handle() const noexcept;

 private:
  friend struct detail::context_access;
  explicit context(std::shared_ptr<detail::context_impl> impl) noexcept : impl_(std::move(impl)) {}
  std::shared_ptr<detail::context_impl> impl_;
};

}  // namespace coronet::tls
