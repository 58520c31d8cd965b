// context_impl: what a tls::context shares: OpenSSL's SSL_CTX and the settings OpenSSL keeps no
// copy of (the ALPN list a server picks from, the SNI callback, the client's session cache).
#pragma once

#include <openssl/ssl.h>

#include <cstddef>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "coronet/tls/context.hpp"

namespace coronet::tls::detail {

struct ssl_session_free {
  void operator()(SSL_SESSION* s) const noexcept { SSL_SESSION_free(s); }
};
using session_ptr = std::unique_ptr<SSL_SESSION, ssl_session_free>;

struct context_impl {
  context_impl(SSL_CTX* c, context::role r) noexcept : ctx(c), side(r) {}
  ~context_impl() { SSL_CTX_free(ctx); }
  context_impl(const context_impl&) = delete;
  context_impl& operator=(const context_impl&) = delete;

  SSL_CTX* ctx;
  context::role side;
  bool verify = true;
  bool has_certificate = false;   // one was given: a key given later must be its key
  std::vector<std::string> alpn;  // servers: the protocols accepted, in order of preference
  std::function<std::optional<context>(std::string_view)> pick_by_name;

  // Clients: the last session each peer ("name|address") gave us, for resumption. Bounded.
  static constexpr std::size_t max_cached_sessions = 256;
  std::map<std::string, session_ptr> sessions;
  void remember(const std::string& key, SSL_SESSION* s);
  SSL_SESSION* recall(const std::string& key) const;
  void forget(const std::string& key) { sessions.erase(key); }
};

struct context_access {
  static context_impl& impl(const context& c) noexcept { return *c.impl_; }
  static context wrap(std::shared_ptr<context_impl> p) noexcept { return context(std::move(p)); }
  static std::shared_ptr<context_impl> shared(const context& c) noexcept { return c.impl_; }
};

// OpenSSL's queued errors as text ("error:0A000086:SSL routines::certificate verify failed"
// becomes "certificate verify failed"); clears the queue.
std::string take_openssl_errors();

}  // namespace coronet::tls::detail
