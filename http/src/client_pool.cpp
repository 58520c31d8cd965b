#include <cerrno>

#include "client_connection.hpp"
#include "coronet/detail/native.hpp"

namespace coronet::http::detail {
namespace {

// An idle keep-alive connection has nothing to read. Readable means the server closed it (EOF),
// reset it, or sent bytes nobody asked for: none of those can carry the next request.
bool still_idle(const transport& t) noexcept {
  return t.peek() == -EAGAIN;
}

}  // namespace

client_pool::client_pool(client_options o) : options(std::move(o)) {
  limits.max_header_size = options.max_header_size;
  limits.max_body_size = UINT64_MAX;  // a streamed body has no limit; read_all checks its own
}

std::unique_ptr<client_connection> client_pool::take(const std::string& key) {
  auto it = idle_.find(key);
  if (it == idle_.end()) return nullptr;
  auto& list = it->second;
  const auto now = std::chrono::steady_clock::now();
  while (!list.empty()) {
    std::unique_ptr<client_connection> c = std::move(list.back());
    list.pop_back();
    // The most recently used first: the likeliest to be still open at the server.
    if (now - c->idle_since < options.idle_timeout && still_idle(c->socket)) return c;
  }
  return nullptr;
}

void client_pool::give(std::unique_ptr<client_connection> c) {
  if (!c->in.empty() || options.max_idle_per_host == 0) return;  // bytes after the response
  c->reader.next_message();
  c->piece_at = 0;
  c->got_bytes = false;
  c->idle_since = std::chrono::steady_clock::now();
  prune(c->idle_since);
  auto& list = idle_[c->key];
  if (list.size() >= options.max_idle_per_host) list.erase(list.begin());
  list.push_back(std::move(c));
}

void client_pool::prune(std::chrono::steady_clock::time_point now) {
  // Connections to hosts not asked for again would otherwise stay open (in CLOSE_WAIT once
  // their server gives up) as long as the client lives.
  for (auto it = idle_.begin(); it != idle_.end();) {
    std::erase_if(it->second,
                  [&](const auto& c) { return now - c->idle_since >= options.idle_timeout; });
    it = it->second.empty() ? idle_.erase(it) : std::next(it);
  }
}

#ifdef CORONET_HAS_TLS
const tls::context& client_pool::tls_context() {
  if (!tls) {
    tls = options.tls ? *options.tls : tls::context::client();
    tls->set_alpn({"http/1.1"});
  }
  return *tls;
}
#endif

std::size_t client_pool::idle_count() const noexcept {
  std::size_t n = 0;
  for (const auto& [key, list] : idle_) n += list.size();
  return n;
}

}  // namespace coronet::http::detail
