// What the client keeps per connection, and the pool of idle ones per host and port.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "coronet/http/client.hpp"
#include "coronet/http/detail/transport.hpp"
#include "coronet/stream.hpp"
#include "parser.hpp"
#include "read_buffer.hpp"

namespace coronet::http::detail {

class client_connection {
 public:
  client_connection(transport s, std::string key, const client_options& o, parse_limits limits)
      : socket(std::move(s)),
        key(std::move(key)),
        in(o.read_buffer_size, read_buffer::mode::owned),
        reader(head, limits) {}

  transport socket;
  std::string key;  // "host:port" ("https://host:port")
  read_buffer in;
  response head;  // what the parser fills; moved out once the head is complete
  parser reader;
  std::size_t piece_at = 0;
  bool got_bytes = false;  // any byte of the current response arrived
  std::chrono::steady_clock::time_point idle_since{};
};

class client_pool {
 public:
  explicit client_pool(client_options o);

  // An idle connection to `key` that still looks usable, or null.
  std::unique_ptr<client_connection> take(const std::string& key);
  // A connection whose response ended and which both sides keep alive.
  void give(std::unique_ptr<client_connection> c);
  void clear() noexcept { idle_.clear(); }
  std::size_t idle_count() const noexcept;

  client_options options;
  parse_limits limits;
#ifdef CORONET_HAS_TLS
  // https://: options.tls, or tls::context::client() made on first use; ALPN http/1.1.
  const tls::context& tls_context();
  std::optional<tls::context> tls;
#endif

 private:
  // Closes the connections idle for longer than options.idle_timeout, whatever their host.
  void prune(std::chrono::steady_clock::time_point now);
  std::map<std::string, std::vector<std::unique_ptr<client_connection>>> idle_;
};

}  // namespace coronet::http::detail
